using System.Net;
using CityService.Tests.Infrastructure;

namespace CityService.Tests.LifeEvents;

/// <summary>Life events over HTTP: the API and the pages, each event listing the services the city offers.</summary>
public abstract class LifeEventApiTests(AppFixture app)
{
    private readonly HttpClient _client = app.Client();

    private async Task<string[]> ServiceCodes(string region, string lifeEvent)
    {
        var json = await (await _client.GetAsync($"/api/regions/{region}/life-events/{lifeEvent}")).Json();
        return json.GetProperty("services").EnumerateArray().Select(s => s.GetProperty("code").GetString()!).ToArray();
    }

    [Fact]
    public async Task The_list_names_each_event_in_both_languages_with_the_services_the_region_offers()
    {
        var json = await (await _client.GetAsync("/api/regions/330100/life-events")).Json();
        var items = json.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(json.GetProperty("total").GetInt32(), items.Count);
        var baby = items.Single(i => i.GetProperty("code").GetString() == "having-a-baby");
        Assert.Equal("生孩子", baby.GetProperty("nameZh").GetString());
        Assert.Equal("Having a baby", baby.GetProperty("nameEn").GetString());
        Assert.Equal((await ServiceCodes("330100", "having-a-baby")).Length, baby.GetProperty("serviceCount").GetInt32());
    }

    [Fact]
    public async Task An_event_lists_its_services_in_order_skipping_those_the_city_does_not_offer()
    {
        var hangzhou = await ServiceCodes("330100", "having-a-baby");
        Assert.Equal("PO-3302", hangzhou[0]); // Zhejiang's birth bundle comes first
        Assert.Contains("HC-0004", hangzhou);
        var nanjing = await ServiceCodes("320100", "having-a-baby");
        Assert.DoesNotContain("PO-3302", nanjing); // a Zhejiang item: not offered in Jiangsu
        Assert.Equal("HC-0004", nanjing[0]);
    }

    [Fact]
    public async Task A_region_override_adds_a_local_service_for_the_region_and_below()
    {
        Assert.Contains("TR-440100-01", await ServiceCodes("440100", "getting-a-car")); // Guangzhou's car quota
        Assert.DoesNotContain("TR-440100-01", await ServiceCodes("330100", "getting-a-car"));
        Assert.Contains("ED-330110-01", await ServiceCodes("330110", "starting-school")); // Yuhang's kindergarten enrolment
        Assert.DoesNotContain("ED-330110-01", await ServiceCodes("330100", "starting-school"));
    }

    [Fact]
    public async Task Unknown_and_malformed_events_and_regions_are_problems_in_both_languages()
    {
        var unknown = await (await _client.GetAsync("/api/regions/330100/life-events/no-such-event")).AssertProblem(HttpStatusCode.NotFound, "event", "life-event.not-found");
        Assert.Contains("no-such-event", unknown.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await (await _client.GetAsync("/api/regions/330100/life-events/Not_An_Event")).AssertProblem(HttpStatusCode.BadRequest, "event", "life-event.code-malformed");
        await (await _client.GetAsync("/api/regions/999999/life-events")).AssertProblem(HttpStatusCode.NotFound, "code");
        await (await _client.GetAsync("/api/regions/33/life-events/having-a-baby")).AssertProblem(HttpStatusCode.BadRequest, "code");
    }

    [Fact]
    public async Task The_event_page_lists_the_citys_services_under_a_breadcrumb_trail()
    {
        var doc = await HtmlForms.Page(_client, "/city/330100/events/having-a-baby");
        Assert.Equal("生孩子", doc.QuerySelector("h1")!.TextContent.Trim());
        var links = doc.QuerySelectorAll("ol.event-steps a[data-service]").Select(a => a.GetAttribute("href")).ToList();
        Assert.Equal((await ServiceCodes("330100", "having-a-baby")).Select(c => $"/city/330100/services/{c}"), links);
        var crumbs = doc.QuerySelectorAll(".crumbs li").Select(li => li.TextContent.Trim()).ToList();
        Assert.Equal(["首页", "杭州市", "生孩子"], crumbs);
    }

    [Fact]
    public async Task The_event_page_without_a_city_offers_the_cities_to_see_it_in()
    {
        var doc = await HtmlForms.Page(_client, "/events/having-a-baby");
        Assert.Equal("生孩子", doc.QuerySelector("h1")!.TextContent.Trim());
        Assert.Contains("/city/330100/events/having-a-baby", doc.QuerySelectorAll(".common-cities a").Select(a => a.GetAttribute("href")));
        var filtered = await HtmlForms.Page(_client, "/events/having-a-baby?cities=" + Uri.EscapeDataString("宁波"));
        Assert.Equal(["/city/330200/events/having-a-baby"], filtered.QuerySelectorAll(".city-matches a").Select(a => a.GetAttribute("href")));
    }

    [Fact]
    public async Task English_readers_get_the_event_in_english()
    {
        var doc = HtmlForms.Parse(await (await app.English()).GetStringAsync("/city/330100/events/having-a-baby"));
        Assert.Equal("Having a baby", doc.QuerySelector("h1")!.TextContent.Trim());
        Assert.StartsWith("What to do in Hangzhou", doc.QuerySelector("h2")!.TextContent.Trim(), StringComparison.Ordinal);
        Assert.Contains("Having a baby", doc.Title, StringComparison.Ordinal);
    }
}

public sealed class LifeEventApiTests_Sqlite(SqliteApp app) : LifeEventApiTests(app), IClassFixture<SqliteApp>;

public sealed class LifeEventApiTests_Postgres(PostgresApp app) : LifeEventApiTests(app), IClassFixture<PostgresApp>;
