using System.Xml;
using System.Xml.Linq;

namespace CityService.Web.Features.Site;

/// <summary>
/// The operator's logo as SVG that is safe to put inline into every page: only drawing elements and presentation
/// attributes pass; scripts, event attributes, styles, foreign objects and any reference outside the document
/// (href, url(...) other than to an id in it) are refused, so a bad file stops the start instead of reaching a page.
/// </summary>
public static class SvgLogo
{
    private static readonly HashSet<string> Elements = new(StringComparer.Ordinal)
    {
        "svg", "g", "path", "circle", "ellipse", "rect", "line", "polyline", "polygon", "title", "desc", "defs",
        "linearGradient", "radialGradient", "stop", "clipPath", "mask", "text", "tspan", "use", "symbol",
    };

    private static readonly HashSet<string> Attributes = new(StringComparer.Ordinal)
    {
        "viewBox", "width", "height", "x", "y", "x1", "y1", "x2", "y2", "cx", "cy", "r", "rx", "ry", "d", "points",
        "fill", "fill-rule", "fill-opacity", "stroke", "stroke-width", "stroke-linecap", "stroke-linejoin", "stroke-opacity",
        "stroke-dasharray", "opacity", "transform", "id", "offset", "stop-color", "stop-opacity", "gradientUnits",
        "gradientTransform", "clip-path", "clip-rule", "mask", "font-size", "font-family", "font-weight", "text-anchor",
        "preserveAspectRatio", "version", "href", "dominant-baseline", "letter-spacing",
    };

    private const string SvgNamespace = "http://www.w3.org/2000/svg";
    private const string XlinkNamespace = "http://www.w3.org/1999/xlink";

    /// <summary>The logo's SVG, checked and written anew (namespace prefixes and comments dropped); or the reason it is refused.</summary>
    public static (string? Svg, string? Problem) Sanitize(string? source)
    {
        if (string.IsNullOrWhiteSpace(source))
        {
            return (null, null);
        }

        XElement root;
        try
        {
            using var reader = XmlReader.Create(new StringReader(source), new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null, IgnoreComments = true, IgnoreProcessingInstructions = true });
            root = XElement.Load(reader);
        }
        catch (XmlException e)
        {
            return (null, "Site:Logo is not well-formed SVG: " + e.Message);
        }

        if (root.Name != XName.Get("svg", SvgNamespace))
        {
            return (null, "Site:Logo must be an <svg> element in the SVG namespace.");
        }

        foreach (var element in root.DescendantsAndSelf())
        {
            if (element.Name.NamespaceName != SvgNamespace || !Elements.Contains(element.Name.LocalName))
            {
                return (null, $"Site:Logo contains <{element.Name.LocalName}>, which a logo may not (no scripts, styles, images or foreign content).");
            }

            foreach (var attribute in element.Attributes())
            {
                if (attribute.IsNamespaceDeclaration)
                {
                    continue;
                }

                var local = attribute.Name.LocalName;
                var known = attribute.Name.NamespaceName.Length == 0 ? Attributes.Contains(local) : attribute.Name.NamespaceName == XlinkNamespace && local == "href";
                if (!known)
                {
                    return (null, $"Site:Logo has the attribute '{attribute.Name}', which a logo may not (no event handlers or styles).");
                }

                var value = attribute.Value.Trim();
                if (local == "href" && !value.StartsWith('#'))
                {
                    return (null, "Site:Logo refers to something outside itself (href): a logo must be self-contained.");
                }

                if (value.Contains("url(", StringComparison.OrdinalIgnoreCase) && !value.Replace(" ", string.Empty, StringComparison.Ordinal).Contains("url(#", StringComparison.OrdinalIgnoreCase))
                {
                    return (null, "Site:Logo refers to something outside itself (url(...)): a logo must be self-contained.");
                }
            }
        }

        // Written anew without the source's prefixes: xlink:href becomes href (SVG 2), understood by every current browser.
        foreach (var element in root.DescendantsAndSelf())
        {
            element.Attributes().Where(a => a.IsNamespaceDeclaration).Remove();
            foreach (var link in element.Attributes(XName.Get("href", XlinkNamespace)).ToList())
            {
                link.Remove();
                element.SetAttributeValue("href", link.Value);
            }
        }

        root.SetAttributeValue("aria-hidden", "true");
        root.SetAttributeValue("focusable", "false");
        return (root.ToString(SaveOptions.DisableFormatting), null);
    }
}
