using System.Reflection;
using PdfSharp.Fonts;

namespace CityService.Core.Documents.Pdf;

/// <summary>
/// The one font of the hard copies: WenQuanYi Micro Hei (Apache-2.0, Fonts/NOTICE), shipped as an embedded resource so a
/// fresh machine without CJK fonts renders the same PDF. It has Latin, digits and CJK in TrueType outlines (PDFsharp
/// needs glyf, not CFF), so one face covers every string; PDFsharp embeds the subset a document uses, with a ToUnicode
/// map, so the text stays extractable. It has no bold face: bold is simulated.
/// </summary>
public sealed class PdfFonts : IFontResolver
{
    public const string Family = "WenQuanYi Micro Hei";

    private const string Face = "wqy-microhei";

    private static readonly Lazy<byte[]> Bytes = new(() =>
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("fonts.wqy-microhei.ttf")
            ?? throw new InvalidOperationException("The embedded font fonts.wqy-microhei.ttf is missing from CityService.Core.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    });

    private static readonly Lock Gate = new();

    /// <summary>Installs the resolver in PDFsharp's process-wide settings once (PDFsharp refuses a change after first use).</summary>
    public static void Install()
    {
        lock (Gate)
        {
            if (GlobalFontSettings.FontResolver is not PdfFonts)
            {
                GlobalFontSettings.FontResolver = new PdfFonts();
            }
        }
    }

    public FontResolverInfo? ResolveTypeface(string familyName, bool bold, bool italic) => new(Face, bold, italic);

    public byte[]? GetFont(string faceName) => faceName == Face ? Bytes.Value : null;
}
