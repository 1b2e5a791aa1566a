using System.Net;
using AngleSharp.Html.Dom;
using CityService.Tests.Infrastructure;

namespace CityService.Tests.Home;

/// <summary>The server-rendered pages as plain HTML (no JavaScript): what a person without scripts gets.</summary>
public abstract class PageTests(AppFixture app)
{
    private readonly HttpClient _client = app.Client();

    private Task<IHtmlDocument> Page(string url) => HtmlForms.Page(_client, url);

    [Fact]
    public async Task Home_lists_cities_grouped_by_province_in_chinese_by_default()
    {
        var doc = await Page("/");
        Assert.Equal("zh-CN", doc.DocumentElement.GetAttribute("lang"));
        Assert.Equal("选择城市", doc.QuerySelector("h1")!.TextContent.Trim());
        var cities = doc.QuerySelectorAll("a[data-city]").Select(a => a.GetAttribute("data-city")).ToList();
        Assert.Contains("330100", cities);
        Assert.Contains("419001", cities);
        Assert.Contains("浙江省", doc.QuerySelectorAll("h3").Select(h => h.TextContent));
        var locate = doc.QuerySelector("button#locate")!;
        Assert.True(locate.HasAttribute("hidden")); // shown only when JavaScript can use it
    }

    [Fact]
    public async Task Choosing_a_city_shows_twelve_field_tiles_with_the_apis_counts()
    {
        var doc = await Page("/?city=330100");
        Assert.Contains("杭州市", doc.QuerySelector("h1")!.TextContent, StringComparison.Ordinal);
        var tiles = doc.QuerySelectorAll("a.tile[data-field]").ToList();
        Assert.Equal(12, tiles.Count);
        var counts = (await (await _client.GetAsync("/api/regions/330100/fields")).Json()).EnumerateArray()
            .ToDictionary(f => f.GetProperty("field").GetString()!, f => f.GetProperty("count").GetInt32());
        foreach (var tile in tiles)
        {
            var expected = counts[tile.GetAttribute("data-field")!];
            Assert.Equal($"{expected} 项", tile.QuerySelector(".tile-count")!.TextContent.Trim());
        }
    }

    [Fact]
    public async Task The_chosen_city_is_remembered()
    {
        var first = await _client.GetAsync("/?city=330200");
        var cookie = first.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("cs-city=", StringComparison.Ordinal));
        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.Add("Cookie", cookie.Split(';')[0]);
        var doc = HtmlForms.Parse(await (await _client.SendAsync(request)).Content.ReadAsStringAsync());
        Assert.Contains("宁波市", doc.QuerySelector("h1")!.TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_service_list_searches_with_a_plain_get_form()
    {
        var doc = await Page("/city/330100/services?q=" + Uri.EscapeDataString("驾驶"));
        var form = doc.QuerySelector("form[role=search]") as IHtmlFormElement;
        Assert.Equal("get", form!.Method, ignoreCase: true);
        Assert.NotNull(doc.QuerySelector("label[for=q]"));
        Assert.Contains(doc.QuerySelectorAll("a[data-service]"), a => a.TextContent.Contains("驾驶证", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_service_list_pages_and_filters_by_field()
    {
        var doc = await Page("/city/330100/services");
        Assert.Equal(20, doc.QuerySelectorAll("a[data-service]").Length);
        var next = doc.QuerySelector("a[rel=next]")!.GetAttribute("href")!;
        var second = await Page(next);
        Assert.NotEqual(doc.QuerySelector("a[data-service]")!.TextContent, second.QuerySelector("a[data-service]")!.TextContent);

        var tax = await Page("/city/330100/services?field=tax");
        Assert.All(tax.QuerySelectorAll(".services .meta span:first-child"), s => Assert.Equal("税务服务", s.TextContent));
    }

    [Fact]
    public async Task The_guide_page_shows_the_effective_guide()
    {
        var doc = await Page("/city/330100/services/TR-0001");
        Assert.Equal("驾驶证期满换证", doc.QuerySelector("h1")!.TextContent.Trim());
        var terms = doc.QuerySelectorAll("dt").Select(d => d.TextContent.Trim()).ToList();
        Assert.Superset(new HashSet<string> { "实施部门", "收费标准", "设定依据", "承诺办结时限", "到现场次数", "网上办理方式" }, terms.ToHashSet());
        Assert.Contains("申请材料", doc.QuerySelectorAll("h2").Select(h => h.TextContent.Trim()));
        Assert.Contains("即办", doc.QuerySelectorAll("dd").Select(d => d.TextContent.Trim())); // Hangzhou: 0 days
        var ningbo = await Page("/city/330200/services/TR-0001");
        Assert.Contains("1 个工作日", ningbo.QuerySelectorAll("dd").Select(d => d.TextContent.Trim()));
    }

    [Fact]
    public async Task Switching_to_english_keeps_the_page_and_shows_english()
    {
        var doc = await Page("/city/330100/services/TR-0001");
        var link = doc.QuerySelector("#lang-switch")!.GetAttribute("href")!;
        var switched = await _client.GetAsync(link);
        Assert.Equal(HttpStatusCode.Redirect, switched.StatusCode);
        Assert.Equal("/city/330100/services/TR-0001", switched.Headers.Location!.OriginalString);
        var cookie = switched.Headers.GetValues("Set-Cookie").Single().Split(';')[0];

        using var request = new HttpRequestMessage(HttpMethod.Get, "/city/330100/services/TR-0001");
        request.Headers.Add("Cookie", cookie);
        var english = HtmlForms.Parse(await (await _client.SendAsync(request)).Content.ReadAsStringAsync());
        Assert.Equal("en", english.DocumentElement.GetAttribute("lang"));
        Assert.Equal("Driving licence renewal", english.QuerySelector("h1")!.TextContent.Trim());
        Assert.Contains("Required materials", english.QuerySelectorAll("h2").Select(d => d.TextContent.Trim()));
    }

    [Fact]
    public async Task The_language_switch_never_redirects_off_site()
    {
        var response = await _client.GetAsync("/lang/en?returnUrl=" + Uri.EscapeDataString("https://evil.example/"));
        Assert.Equal("/", response.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task Locate_redirects_to_the_city_or_back_with_a_notice()
    {
        var found = await _client.GetAsync("/locate?lat=30.26&lon=120.13");
        Assert.Equal("/?city=330100", found.Headers.Location!.OriginalString);
        var none = await _client.GetAsync("/locate?lat=0&lon=0");
        Assert.Equal("/?located=none", none.Headers.Location!.OriginalString);
        var notice = await Page("/?located=none");
        Assert.NotNull(notice.QuerySelector(".notice"));
    }

    [Theory]
    [InlineData("/city/999999/services")]
    [InlineData("/city/330100/services/ZZ-0000")]
    [InlineData("/?city=330106")]
    [InlineData("/no/such/page")]
    public async Task Unknown_pages_are_a_friendly_404_page(string url)
    {
        var response = await _client.GetAsync(url);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var doc = HtmlForms.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("出错了", doc.QuerySelector("h1")!.TextContent.Trim());
    }

    [Fact]
    public async Task Pages_are_built_for_phones_and_assistive_technology()
    {
        foreach (var url in new[] { "/", "/?city=330100", "/city/330100/services", "/city/330100/services/EE-0001" })
        {
            var doc = await Page(url);
            Assert.Contains("width=device-width", doc.QuerySelector("meta[name=viewport]")!.GetAttribute("content"), StringComparison.Ordinal);
            Assert.NotNull(doc.QuerySelector("a.skip[href='#main']"));
            Assert.NotNull(doc.QuerySelector("main#main"));
            Assert.Single(doc.QuerySelectorAll("h1"));
            foreach (var input in doc.QuerySelectorAll("input:not([type=hidden]), select"))
            {
                Assert.NotNull(doc.QuerySelector($"label[for='{input.Id}']"));
            }
        }
    }
}

public sealed class PageTests_Sqlite(SqliteApp app) : PageTests(app), IClassFixture<SqliteApp>;

public sealed class PageTests_Postgres(PostgresApp app) : PageTests(app), IClassFixture<PostgresApp>;
