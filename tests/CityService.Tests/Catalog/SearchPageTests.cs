using AngleSharp.Html.Dom;
using CityService.Tests.Infrastructure;

namespace CityService.Tests.Catalog;

/// <summary>The search pages: before a city is chosen (all cities) and in a city; life events come first.</summary>
public abstract class SearchPageTests(AppFixture app)
{
    private readonly HttpClient _client = app.Client();

    private Task<IHtmlDocument> Page(string url) => HtmlForms.Page(_client, url);

    private static string Q(string q) => Uri.EscapeDataString(q);

    [Fact]
    public async Task Searching_without_a_city_finds_national_items_and_says_where_they_are_offered()
    {
        var doc = await Page("/search?q=" + Q("驾驶证"));
        Assert.Equal("“驾驶证”的搜索结果", doc.QuerySelector("h1")!.TextContent.Trim());
        Assert.Equal("驾驶证", ((IHtmlInputElement)doc.QuerySelector("input#q")!).Value);
        var renewal = doc.QuerySelector(".found-services li[data-service='TR-0001']")!;
        Assert.Equal("驾驶证期满换证", renewal.QuerySelector(".service-name")!.TextContent.Trim());
        Assert.Equal("全国都能办", renewal.QuerySelector(".offered")!.TextContent.Trim());
        var codes = doc.QuerySelectorAll(".found-services li[data-service]").Select(li => li.GetAttribute("data-service")).ToList();
        Assert.Equal(codes.Count, codes.Distinct().Count()); // one entry per item, however many regions offer it
    }

    [Fact]
    public async Task A_provincial_item_says_which_province_offers_it()
    {
        var doc = await Page("/search?q=" + Q("灵活就业"));
        Assert.Equal("浙江省可办", doc.QuerySelector(".found-services li[data-service='SS-3301'] .offered")!.TextContent.Trim());
    }

    [Fact]
    public async Task The_common_cities_and_the_filtered_cities_keep_the_search()
    {
        var doc = await Page("/search?q=" + Q("驾驶证"));
        Assert.Equal("/city/330100/services?q=" + Q("驾驶证"), doc.QuerySelector(".common-cities a[data-city='330100']")!.GetAttribute("href"));
        var hidden = doc.QuerySelector("form.city-filter input[type=hidden][name=q]") as IHtmlInputElement;
        Assert.Equal("驾驶证", hidden!.Value);
        var filtered = await Page("/search?q=" + Q("驾驶证") + "&cities=" + Q("宁波"));
        Assert.Equal(["/city/330200/services?q=" + Q("驾驶证")], filtered.QuerySelectorAll(".city-matches a").Select(a => a.GetAttribute("href")));

        var hangzhou = await Page("/city/330100/services?q=" + Q("驾驶证"));
        Assert.Contains(hangzhou.QuerySelectorAll("a[data-service]"), a => a.GetAttribute("data-service") == "TR-0001");
    }

    [Fact]
    public async Task Life_events_come_first_then_the_services()
    {
        var doc = await Page("/search?q=" + Q("生孩子"));
        var baby = doc.QuerySelector(".found-events a[data-event='having-a-baby']")!;
        Assert.Equal("/events/having-a-baby", baby.GetAttribute("href"));
        var services = doc.QuerySelectorAll(".found-services li[data-service]").Select(li => li.GetAttribute("data-service")).ToList();
        Assert.Equal("HC-0004", services[0]); // a name match ranks before a mention in a description (CJ-0002's 出生)
        Assert.True(services.IndexOf("CJ-0002") is -1 or > 0);
        var headings = doc.QuerySelectorAll("main h2").Select(h => h.TextContent.Trim()).ToList();
        Assert.True(headings.IndexOf("一件事") < headings.IndexOf("服务事项"), string.Join(" / ", headings));

        var city = await Page("/city/330100/services?q=" + Q("生孩子"));
        Assert.Equal("/city/330100/events/having-a-baby", city.QuerySelector(".found-events a[data-event='having-a-baby']")!.GetAttribute("href"));
        Assert.Contains(city.QuerySelectorAll("ul.services a[data-service]"), a => a.GetAttribute("data-service") == "HC-0004");
    }

    [Fact]
    public async Task An_empty_or_over_long_search_is_a_page_not_an_error()
    {
        var empty = await Page("/search");
        Assert.Empty(empty.QuerySelectorAll(".found-services li"));
        Assert.NotEmpty(empty.QuerySelectorAll(".common-cities a"));
        var nothing = await Page("/search?q=zzzzqqq");
        Assert.Contains("没有找到", nothing.QuerySelector("main")!.TextContent, StringComparison.Ordinal);
        var longer = await Page("/search?q=" + new string('驾', 150));
        Assert.NotNull(longer.QuerySelector("h1"));
    }

    [Fact]
    public async Task The_search_reads_in_english()
    {
        var doc = HtmlForms.Parse(await (await app.English()).GetStringAsync("/search?q=passport"));
        Assert.Equal("Results for “passport”", doc.QuerySelector("h1")!.TextContent.Trim());
        Assert.Equal("Offered nationwide", doc.QuerySelector(".found-services li[data-service='EE-0001'] .offered")!.TextContent.Trim());
        Assert.Equal("Passports and permits", doc.QuerySelector(".found-services li[data-service='EE-0001'] .meta span")!.TextContent.Trim());
    }
}

public sealed class SearchPageTests_Sqlite(SqliteApp app) : SearchPageTests(app), IClassFixture<SqliteApp>;

public sealed class SearchPageTests_Postgres(PostgresApp app) : SearchPageTests(app), IClassFixture<PostgresApp>;
