using CityService.Web.Features.Site;

namespace CityService.Tests.Site;

/// <summary>The operator's logo and policy documents are shown inline: only what is safe gets through.</summary>
public sealed class SiteContentTests
{
    [Theory]
    [InlineData("<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>", "<script>")]
    [InlineData("<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"><path d=\"M0 0h1\"/></svg>", "onload")]
    [InlineData("<svg xmlns=\"http://www.w3.org/2000/svg\"><foreignObject><div/></foreignObject></svg>", "<foreignObject>")]
    [InlineData("<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\"><use xlink:href=\"https://evil.example/x.svg#a\"/></svg>", "outside itself")]
    [InlineData("<svg xmlns=\"http://www.w3.org/2000/svg\"><rect fill=\"url(https://evil.example/p)\" width=\"1\" height=\"1\"/></svg>", "outside itself")]
    [InlineData("<svg xmlns=\"http://www.w3.org/2000/svg\" style=\"background:red\"/>", "style")]
    [InlineData("<svg xmlns=\"http://www.w3.org/2000/svg\"><image href=\"x.png\"/></svg>", "<image>")]
    [InlineData("<!DOCTYPE svg [<!ENTITY x \"y\">]><svg xmlns=\"http://www.w3.org/2000/svg\">&x;</svg>", "not well-formed")]
    [InlineData("<html/>", "must be an <svg>")]
    public void A_logo_with_scripts_events_styles_or_outside_references_is_refused(string svg, string problem)
    {
        var (safe, refused) = SvgLogo.Sanitize(svg);
        Assert.Null(safe);
        Assert.Contains(problem, refused, StringComparison.Ordinal);
    }

    [Fact]
    public void A_plain_drawing_passes_and_is_hidden_from_screen_readers_beside_the_site_name()
    {
        var (safe, refused) = SvgLogo.Sanitize(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" viewBox=\"0 0 32 32\"><!-- c --><defs><linearGradient id=\"g\"><stop offset=\"0\" stop-color=\"#c00\"/></linearGradient></defs><rect width=\"32\" height=\"32\" fill=\"url(#g)\"/><use xlink:href=\"#g\"/></svg>");
        Assert.Null(refused);
        Assert.Contains("aria-hidden=\"true\"", safe, StringComparison.Ordinal);
        Assert.Contains("href=\"#g\"", safe, StringComparison.Ordinal);
        Assert.DoesNotContain("xlink", safe, StringComparison.Ordinal);
        Assert.DoesNotContain("<!--", safe, StringComparison.Ordinal);
    }

    [Fact]
    public void Markdown_keeps_raw_html_as_text_and_drops_script_links()
    {
        var html = PolicyDocuments.Render("# Title\n\n<script>alert(1)</script>\n\n[click](javascript:alert(1)) [ok](/privacy) [out](https://example.org/)");
        Assert.DoesNotContain("<script>", html, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;", html, StringComparison.Ordinal);
        Assert.DoesNotContain("javascript:", html, StringComparison.Ordinal);
        Assert.Contains("href=\"/privacy\"", html, StringComparison.Ordinal);
        Assert.Contains("href=\"https://example.org/\"", html, StringComparison.Ordinal);
        Assert.StartsWith("<h2", html, StringComparison.Ordinal); // the page's own title is the h1
    }

    [Theory]
    [InlineData("no front matter", "must start with front matter")]
    [InlineData("---\nversion: 1\ntitle: T\n---\nbody", "effective date")]
    [InlineData("---\neffective: 2026-12-01\ntitle: T\n---\nbody", "needs a version")]
    [InlineData("---\nversion: 1\neffective: 2026-12-01\n---\nbody", "needs a title")]
    public void A_document_without_version_date_or_title_stops_the_start(string text, string problem)
    {
        var refused = Assert.Throws<InvalidOperationException>(() => PolicyDocuments.Parse(text, "x.zh.md"));
        Assert.Contains(problem, refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_operator_document_replaces_the_shipped_one_and_both_languages_must_agree()
    {
        var folder = Directory.CreateTempSubdirectory("cs-policies-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(folder, "terms.zh.md"), "---\nversion: 2027.1\neffective: 2027-01-01\ntitle: 服务协议\n---\n本市协议。");
            File.WriteAllText(Path.Combine(folder, "terms.en.md"), "---\nversion: 2027.1\neffective: 2027-01-01\ntitle: Terms\n---\nOur terms.");
            var documents = new PolicyDocuments(folder);
            Assert.Equal("2027.1", documents[PolicyKind.Terms].Version);
            Assert.Equal("服务协议", documents[PolicyKind.Terms].Title.Zh);
            Assert.Equal("2026.1", documents[PolicyKind.Privacy].Version); // the shipped one where the operator has none

            File.WriteAllText(Path.Combine(folder, "terms.en.md"), "---\nversion: 2026.9\neffective: 2027-01-01\ntitle: Terms\n---\nOld.");
            Assert.Contains("same version", Assert.Throws<InvalidOperationException>(() => new PolicyDocuments(folder)).Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
