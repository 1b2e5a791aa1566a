using System.Globalization;
using CityService.Core.Common;
using Markdig;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace CityService.Web.Features.Site;

/// <summary>The documents a deployment publishes about itself.</summary>
public enum PolicyKind
{
    Privacy,
    Terms,
    Accessibility,
    About,
}

/// <summary>One document in both languages: its version and effective date (the same in both), titles and sanitised HTML.</summary>
public sealed record PolicyDocument(PolicyKind Kind, string Version, DateOnly Effective, LocalizedText Title, LocalizedText Html)
{
    public string Slug => Kind.ToString().ToLowerInvariant();

    public string Url => "/" + Slug;
}

/// <summary>
/// The policy documents: versioned Markdown, one file a language (<c>privacy.zh.md</c>, <c>privacy.en.md</c>), each starting
/// with front matter (<c>version</c>, <c>effective</c>, <c>title</c>). The shipped ones are embedded; an operator replaces
/// any of them with files in <c>Site:PoliciesPath</c>. Rendered once at start with Markdig, raw HTML off (it is shown as
/// text) and links kept to http(s), mailto, tel and local addresses. Both languages must carry the same version and date.
/// </summary>
public sealed class PolicyDocuments
{
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder().DisableHtml().UsePipeTables().UseAutoIdentifiers().Build();

    private readonly Dictionary<PolicyKind, PolicyDocument> _documents;

    public PolicyDocuments(string? operatorFolder)
    {
        _documents = Enum.GetValues<PolicyKind>().ToDictionary(k => k, k => Load(k, operatorFolder));
    }

    public PolicyDocument this[PolicyKind kind] => _documents[kind];

    public IReadOnlyCollection<PolicyDocument> All => _documents.Values;

    private static PolicyDocument Load(PolicyKind kind, string? folder)
    {
        var slug = kind.ToString().ToLowerInvariant();
        var zh = Parse(Read(slug + ".zh.md", folder), slug + ".zh.md");
        var en = Parse(Read(slug + ".en.md", folder), slug + ".en.md");
        if (zh.Version != en.Version || zh.Effective != en.Effective)
        {
            throw new InvalidOperationException($"Policy '{slug}': the Chinese and English documents must have the same version and effective date ({zh.Version} {zh.Effective:yyyy-MM-dd} vs {en.Version} {en.Effective:yyyy-MM-dd}).");
        }

        return new PolicyDocument(kind, zh.Version, zh.Effective, new(zh.Title, en.Title), new(zh.Html, en.Html));
    }

    private static string Read(string file, string? folder)
    {
        if (folder is not null && File.Exists(Path.Combine(folder, file)))
        {
            return File.ReadAllText(Path.Combine(folder, file));
        }

        using var stream = typeof(PolicyDocuments).Assembly.GetManifestResourceStream("policies." + file)
            ?? throw new InvalidOperationException($"The shipped policy document {file} is missing from the build.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>Front matter (<c>key: value</c> lines between two <c>---</c> lines), then the Markdown body.</summary>
    internal static (string Version, DateOnly Effective, string Title, string Html) Parse(string text, string name)
    {
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        if (lines.Length < 3 || lines[0].Trim() != "---")
        {
            throw new InvalidOperationException($"Policy document {name} must start with front matter (---, version:, effective:, title:, ---).");
        }

        var end = Array.FindIndex(lines, 1, l => l.Trim() == "---");
        if (end < 0)
        {
            throw new InvalidOperationException($"Policy document {name}: its front matter has no closing ---.");
        }

        var meta = lines[1..end]
            .Select(l => l.Split(':', 2))
            .Where(p => p.Length == 2)
            .ToDictionary(p => p[0].Trim(), p => p[1].Trim().Trim('"'), StringComparer.Ordinal);
        if (!meta.TryGetValue("version", out var version) || version.Length is 0 or > 40)
        {
            throw new InvalidOperationException($"Policy document {name} needs a version (at most 40 characters) in its front matter.");
        }

        if (!meta.TryGetValue("effective", out var effectiveText) || !DateOnly.TryParseExact(effectiveText, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var effective))
        {
            throw new InvalidOperationException($"Policy document {name} needs an effective date (effective: yyyy-MM-dd) in its front matter.");
        }

        if (!meta.TryGetValue("title", out var title) || title.Length == 0)
        {
            throw new InvalidOperationException($"Policy document {name} needs a title in its front matter.");
        }

        return (version, effective, title, Render(string.Join('\n', lines[(end + 1)..])));
    }

    /// <summary>Markdown to HTML without raw HTML; a link to anything but http(s), mailto, tel or a local address loses its target.</summary>
    internal static string Render(string markdown)
    {
        var document = Markdown.Parse(markdown, Pipeline);
        foreach (var link in document.Descendants<LinkInline>())
        {
            if (!SafeUrl(link.Url))
            {
                link.Url = "#";
            }
        }

        foreach (var heading in document.Descendants<HeadingBlock>())
        {
            heading.Level = Math.Clamp(heading.Level + 1, 2, 6); // the page's title is the one h1
        }

        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        var renderer = new Markdig.Renderers.HtmlRenderer(writer);
        Pipeline.Setup(renderer);
        renderer.Render(document);
        return writer.ToString();
    }

    private static bool SafeUrl(string? url) =>
        url is null
        || (url.StartsWith('/') && !url.StartsWith("//", StringComparison.Ordinal))
        || url.StartsWith('#')
        || url.StartsWith("https://", StringComparison.OrdinalIgnoreCase)
        || url.StartsWith("http://", StringComparison.OrdinalIgnoreCase)
        || url.StartsWith("mailto:", StringComparison.OrdinalIgnoreCase)
        || url.StartsWith("tel:", StringComparison.OrdinalIgnoreCase);
}
