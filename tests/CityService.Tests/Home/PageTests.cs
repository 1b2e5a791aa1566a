using System.Net;
using AngleSharp.Html.Dom;
using CityService.Core.Regions;
using CityService.Tests.Infrastructure;
using CityService.Web.Features.Home;

namespace CityService.Tests.Home;

/// <summary>The server-rendered pages as plain HTML (no JavaScript): what a person without scripts gets.</summary>
public abstract class PageTests(AppFixture app)
{
    private readonly HttpClient _client = app.Client();

    private Task<IHtmlDocument> Page(string url) => HtmlForms.Page(_client, url);

    [Fact]
    public async Task Home_opens_with_a_search_over_all_cities_and_lists_cities_grouped_by_province_in_chinese_by_default()
    {
        var doc = await Page("/");
        Assert.Equal("zh-CN", doc.DocumentElement.GetAttribute("lang"));
        Assert.Equal("找服务、办事情", doc.QuerySelector("h1")!.TextContent.Trim());
        var search = (IHtmlFormElement)doc.QuerySelector("form[role=search]")!;
        Assert.Equal("/search", search.GetAttribute("action"));
        Assert.Equal("get", search.Method, ignoreCase: true);
        Assert.Same(search, doc.QuerySelector("main form")); // the search comes first

        var cities = doc.QuerySelectorAll(".city-groups a[data-city]").Select(a => a.GetAttribute("data-city")).ToList();
        Assert.Equal(app.Service<RegionDirectory>().Cities.Select(c => c.Code).Order(), cities.Order());
        Assert.Contains("330100", cities);
        Assert.Contains("419001", cities);
        var zhejiang = doc.QuerySelector("details[data-group='330000']")!;
        Assert.StartsWith("浙江省", zhejiang.QuerySelector("summary")!.TextContent.Trim(), StringComparison.Ordinal);
        Assert.False(zhejiang.HasAttribute("open")); // collapsed: hundreds of cities are no wall
        var locate = doc.QuerySelector("button#locate")!;
        Assert.True(locate.HasAttribute("hidden")); // shown only when JavaScript can use it
    }

    [Fact]
    public async Task The_common_cities_are_the_configured_ones_the_directory_knows_in_order()
    {
        var regions = app.Service<RegionDirectory>();
        var expected = HomeOptions.DefaultCommonCities.Where(c => regions.Find(c) is { IsCity: true }).ToList();
        var doc = await Page("/");
        Assert.Equal(expected, doc.QuerySelectorAll(".common-cities a[data-city]").Select(a => a.GetAttribute("data-city")));
        Assert.Equal("热门城市", doc.GetElementById(doc.QuerySelector(".common-cities")!.GetAttribute("aria-labelledby")!)!.TextContent.Trim());
        Assert.Contains("330100", expected);
        Assert.Equal("/?city=330100", doc.QuerySelector(".common-cities a[data-city='330100']")!.GetAttribute("href"));
    }

    [Theory]
    [InlineData("杭", "330100", "330200")]
    [InlineData("hang", "330100", "330200")]
    [InlineData("HangZhou", "330100", "330200")]
    [InlineData("xian", "610100", "330100")]  // Xi'an, without the apostrophe
    [InlineData("浙江", "331100", "320100")]  // a province's name finds its cities
    [InlineData("zhejiang", "330200", "320100")]
    public async Task The_city_filter_works_without_javascript(string filter, string found, string notFound)
    {
        var doc = await Page("/?cities=" + Uri.EscapeDataString(filter));
        var form = doc.QuerySelector("form.city-filter") as IHtmlFormElement;
        Assert.Equal("get", form!.Method, ignoreCase: true);
        Assert.Equal(filter, ((IHtmlInputElement)doc.QuerySelector("input#cities")!).Value);
        Assert.NotNull(doc.QuerySelector("label[for=cities]"));
        var matches = doc.QuerySelectorAll(".city-matches a[data-city]").Select(a => a.GetAttribute("data-city")).ToList();
        Assert.Contains(found, matches);
        Assert.DoesNotContain(notFound, matches);
    }

    [Fact]
    public async Task A_filter_that_matches_no_city_says_so()
    {
        var doc = await Page("/?cities=qqqq");
        Assert.Empty(doc.QuerySelectorAll(".city-matches a"));
        Assert.Contains("qqqq", doc.QuerySelector(".choose p.total")!.TextContent, StringComparison.Ordinal);
        Assert.NotEmpty(doc.QuerySelectorAll(".city-groups a[data-city]")); // the full list is still there
    }

    [Fact]
    public async Task Life_events_are_an_entry_on_the_home_page_with_and_without_a_city()
    {
        var national = await Page("/");
        Assert.Equal("/events/having-a-baby", national.QuerySelector("a.event-tile[data-event='having-a-baby']")!.GetAttribute("href"));
        var hangzhou = await Page("/?city=330100");
        var baby = hangzhou.QuerySelector("a.event-tile[data-event='having-a-baby']")!;
        Assert.Equal("/city/330100/events/having-a-baby", baby.GetAttribute("href"));
        Assert.Equal("生孩子", baby.QuerySelector(".tile-name")!.TextContent.Trim());
        Assert.True(hangzhou.QuerySelectorAll("a.event-tile").Length >= 10);
    }

    [Fact]
    public async Task Field_tiles_carry_an_icon_hidden_from_screen_readers_and_english_names_a_person_would_say()
    {
        var doc = await Page("/?city=330100");
        Assert.All(doc.QuerySelectorAll("a.tile[data-field]"), tile =>
        {
            var svg = tile.QuerySelector("svg")!;
            Assert.Equal("true", svg.GetAttribute("aria-hidden"));
            Assert.Equal("currentColor", svg.GetAttribute("stroke"));
        });
        Assert.Equal(12, doc.QuerySelectorAll("a.tile[data-field] svg").Select(s => s.InnerHtml).Distinct().Count()); // one per field

        var english = HtmlForms.Parse(await (await app.English()).GetStringAsync("/?city=330100"));
        var names = english.QuerySelectorAll("a.tile[data-field]").ToDictionary(t => t.GetAttribute("data-field")!, t => t.QuerySelector(".tile-name")!.TextContent.Trim());
        Assert.Equal("Public security", names["policing"]);
        Assert.Equal("Legal services", names["criminal-justice"]);
        Assert.Equal("Social security", names["social-security"]);
        Assert.Equal("Transport", names["transportation"]);
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
    [InlineData("/city/330100/events/no-such-event")]
    [InlineData("/city/330100/events/BAD_CODE")]
    [InlineData("/city/999999/events/having-a-baby")]
    [InlineData("/events/no-such-event")]
    [InlineData("/no/such/page")]
    public async Task Unknown_pages_are_a_friendly_404_page(string url)
    {
        var response = await _client.GetAsync(url);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var doc = HtmlForms.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("没有找到", doc.QuerySelector("h1")!.TextContent.Trim()); // the not-found page says what was not found (AccessPageTests)
    }

    [Fact]
    public async Task Pages_are_built_for_phones_and_assistive_technology()
    {
        foreach (var url in new[]
        {
            "/", "/?city=330100", "/?cities=hang", "/city/330100/services", "/city/330100/services/EE-0001", "/search?q=%E9%A9%BE%E9%A9%B6%E8%AF%81",
            "/city/330100/events/having-a-baby", "/events/having-a-baby",
        })
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
