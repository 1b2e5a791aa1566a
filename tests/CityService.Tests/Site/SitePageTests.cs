using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CityService.Tests.Infrastructure;
using CityService.Web.Features.Site;
using static CityService.Tests.Infrastructure.HtmlForms;

namespace CityService.Tests.Site;

/// <summary>Issue 8 §1: who runs the site, in every footer, and its versioned policy documents.</summary>
public abstract class SitePageTests(AppFixture app)
{
    [Theory]
    [InlineData("/")]
    [InlineData("/signin")]
    [InlineData("/privacy")]
    [InlineData("/city/330100/services")]
    public async Task Every_page_footer_names_the_operator_its_filings_the_hotline_and_the_policies(string url)
    {
        var page = await Page(app.Browser(), url);
        Assert.Contains("演示部署（非真实运营单位）", Text(page, "#site-operator"), StringComparison.Ordinal); // demo values say so
        var icp = page.QuerySelector("footer #icp")!;
        Assert.Equal("https://beian.miit.gov.cn/", icp.GetAttribute("href"));
        Assert.Contains("非真实备案号", icp.TextContent, StringComparison.Ordinal);
        Assert.StartsWith("https://beian.mps.gov.cn/", page.QuerySelector("footer #psb")!.GetAttribute("href"), StringComparison.Ordinal);
        Assert.Contains("DEMO000000", Text(page, "#site-code"), StringComparison.Ordinal);
        Assert.Equal("tel:12345", page.QuerySelector("footer .hotline a")!.GetAttribute("href"));
        var links = page.QuerySelectorAll("footer a").Select(a => a.GetAttribute("href")).ToList();
        Assert.Superset(new HashSet<string?> { "/privacy", "/terms", "/accessibility", "/about", "/api-docs" }, links.ToHashSet());

        // The developer link moved out of the citizen navigation; the header carries the logo slot.
        Assert.Empty(page.QuerySelectorAll("header a[href^='/api-docs']"));
        Assert.Contains("开放平台", Text(page, "#api-link"), StringComparison.Ordinal);
        Assert.NotNull(page.QuerySelector("header .brand .logo svg"));
    }

    [Theory]
    [InlineData("/privacy", "zh-CN", "隐私政策", "人脸图像")]
    [InlineData("/privacy", "en", "Privacy policy", "face image")]
    [InlineData("/terms", "zh-CN", "用户协议", "实名认证")]
    [InlineData("/terms", "en", "User agreement", "verify")]
    [InlineData("/accessibility", "zh-CN", "无障碍声明", "GB/T 37668")]
    [InlineData("/accessibility", "en", "Accessibility statement", "WCAG 2.1")]
    [InlineData("/about", "en", "About us", "GeoNames")]
    public async Task Policy_pages_show_their_version_date_and_text_in_either_language(string url, string language, string title, string content)
    {
        var page = await Html(await app.Client().GetAsync(url + "?lang=" + language), HttpStatusCode.OK);
        Assert.Equal(title, Text(page, "h1"));
        Assert.Contains(TestConsents.Version, Text(page, "#policy-version"), StringComparison.Ordinal);
        Assert.Contains("2026-12-01", Text(page, "#policy-version"), StringComparison.Ordinal);
        Assert.Contains(content, page.QuerySelector("article.policy")!.TextContent, StringComparison.Ordinal);
        Assert.Single(page.QuerySelectorAll("h1")); // the documents' headings sit below the page title
        Assert.NotNull(page.QuerySelector("nav.crumbs [aria-current=page]"));
    }

    [Fact]
    public async Task The_privacy_policy_names_what_the_platform_really_stores_and_the_cookies_it_sets()
    {
        var text = (await Page(app.Browser(), "/privacy")).QuerySelector("article.policy")!.TextContent;
        foreach (var fact in new[] { "盲索引", "不保存", "cs-session", ".AspNetCore.Culture", "cs-city", "撤回", "第二十九条", "30 分钟" })
        {
            Assert.Contains(fact, text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_about_page_carries_the_geonames_attribution_and_the_operator()
    {
        var page = await Page(app.Browser(), "/about");
        Assert.Contains("GeoNames", Text(page, "#geonames-attribution"), StringComparison.Ordinal);
        Assert.Contains("CC BY 4.0", Text(page, "#geonames-attribution"), StringComparison.Ordinal);
        Assert.Contains("演示部署", Text(page, "#about-operator"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_api_lists_the_current_documents_with_their_versions()
    {
        var policies = await app.Client().GetFromJsonAsync<JsonElement>("/api/site/policies");
        var byKind = policies.EnumerateArray().ToDictionary(p => p.GetProperty("kind").GetString()!, p => p.GetProperty("version").GetString());
        Assert.Equal(TestConsents.Version, byKind["terms"]);
        Assert.Equal(TestConsents.Version, byKind["privacy"]);
        Assert.Equal(4, byKind.Count);
    }

    [Fact]
    public void Shipped_policy_versions_are_what_tests_agree_to()
    {
        var documents = app.Service<PolicyDocuments>();
        Assert.All(documents.All, d => Assert.Equal(TestConsents.Version, d.Version));
    }
}

public sealed class SitePageTests_Sqlite(SqliteApp app) : SitePageTests(app), IClassFixture<SqliteApp>;

public sealed class SitePageTests_Postgres(PostgresApp app) : SitePageTests(app), IClassFixture<PostgresApp>;
