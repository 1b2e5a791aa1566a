using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using CityService.Tests.Infrastructure;

namespace CityService.Tests.Catalog;

public abstract class CatalogApiTests(AppFixture app)
{
    private readonly HttpClient _client = app.Client();

    private async Task<string[]> Codes(string region, string query = "pageSize=100")
    {
        var json = await (await _client.GetAsync($"/api/regions/{region}/services?{query}")).Json();
        return json.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("code").GetString()!).ToArray();
    }

    [Fact]
    public async Task The_list_has_items_and_total_in_camel_case()
    {
        var json = await (await _client.GetAsync("/api/regions/330100/services")).Json();
        Assert.True(json.GetProperty("total").GetInt32() >= 80);
        Assert.Equal(20, json.GetProperty("items").GetArrayLength());
        var first = json.GetProperty("items")[0];
        Assert.True(first.TryGetProperty("nameZh", out _));
        Assert.True(first.TryGetProperty("promisedDays", out _));
    }

    [Fact]
    public async Task Part_of_a_chinese_word_finds_the_item()
    {
        var json = await (await _client.GetAsync("/api/regions/330100/services?q=" + Uri.EscapeDataString("驾驶"))).Json();
        var names = json.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("nameZh").GetString()!).ToArray();
        Assert.Contains(names, n => n.Contains("驾驶证", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("passport", "EE-0001")]
    [InlineData("PASSPORT", "EE-0001")]
    [InlineData("driving licence", "TR-0001")]
    [InlineData("护照", "EE-0001")]
    public async Task English_and_chinese_text_match_regardless_of_case(string q, string expected)
    {
        Assert.Contains(expected, await Codes("330100", "pageSize=100&q=" + Uri.EscapeDataString(q)));
    }

    [Fact]
    public async Task Field_filters_the_list()
    {
        var json = await (await _client.GetAsync("/api/regions/330100/services?field=transportation&pageSize=100")).Json();
        Assert.All(json.GetProperty("items").EnumerateArray(), i => Assert.Equal("transportation", i.GetProperty("field").GetString()));
        Assert.True(json.GetProperty("total").GetInt32() >= 5);
    }

    [Fact]
    public async Task Paging_walks_the_whole_list_without_repeats()
    {
        var total = (await (await _client.GetAsync("/api/regions/330100/services?pageSize=7")).Json()).GetProperty("total").GetInt32();
        var seen = new List<string>();
        for (var page = 1; page <= (total + 6) / 7; page++)
        {
            seen.AddRange(await Codes("330100", $"pageSize=7&page={page}"));
        }

        Assert.Equal(total, seen.Count);
        Assert.Equal(total, seen.Distinct().Count());
    }

    [Fact]
    public async Task Provincial_items_are_inherited_by_cities_and_counties_but_not_other_provinces()
    {
        Assert.Contains("UT-3301", await Codes("330100"));   // Zhejiang item in Hangzhou
        Assert.Contains("UT-3301", await Codes("330106"));   // ... and in Xihu District
        Assert.DoesNotContain("UT-3301", await Codes("320100")); // not in Nanjing
        Assert.Contains("TR-330100-01", await Codes("330100")); // Hangzhou's own item
        Assert.DoesNotContain("TR-330100-01", await Codes("330200")); // not in Ningbo
    }

    [Fact]
    public async Task A_city_can_disable_an_item_and_a_district_below_can_enable_it_again()
    {
        Assert.Contains("HC-0002", await Codes("330100"));
        Assert.DoesNotContain("HC-0002", await Codes("330200")); // Ningbo disables
        Assert.DoesNotContain("HC-0002", await Codes("140100")); // Taiyuan disables
        Assert.DoesNotContain("HC-0002", await Codes("140106")); // ... so its other districts do not see it
        Assert.Contains("HC-0002", await Codes("140105"));       // Xiaodian District enables it again
        await (await _client.GetAsync("/api/regions/330200/services/HC-0002")).AssertProblem(HttpStatusCode.NotFound, "serviceCode");
    }

    [Fact]
    public async Task A_city_override_changes_guide_fields_for_the_city_and_below_only()
    {
        var hangzhou = await (await _client.GetAsync("/api/regions/330100/services/TR-0001")).Json();
        var xihu = await (await _client.GetAsync("/api/regions/330106/services/TR-0001")).Json();
        var ningbo = await (await _client.GetAsync("/api/regions/330200/services/TR-0001")).Json();
        Assert.Equal(0, hangzhou.GetProperty("guide").GetProperty("promisedDays").GetInt32());
        Assert.Equal(0, xihu.GetProperty("guide").GetProperty("promisedDays").GetInt32());
        Assert.Equal(1, ningbo.GetProperty("guide").GetProperty("promisedDays").GetInt32());
        Assert.Equal("330100", hangzhou.GetProperty("department").GetProperty("regionCode").GetString());
        Assert.Equal("330100", Assert.Single(hangzhou.GetProperty("overriddenIn").EnumerateArray()).GetString());
        Assert.Equal("100000", hangzhou.GetProperty("definedIn").GetString());

        var fee = (await (await _client.GetAsync("/api/regions/330100/services/ED-0005")).Json()).GetProperty("guide").GetProperty("fee");
        Assert.Equal("fixed", fee.GetProperty("kind").GetString());
        Assert.Equal(5000, fee.GetProperty("fen").GetInt64());
        Assert.Equal("¥50.00", fee.GetProperty("display").GetString());
    }

    [Fact]
    public async Task The_guide_has_every_part()
    {
        var json = await (await _client.GetAsync("/api/regions/330100/services/EE-0001")).Json();
        Assert.Equal("Passport application", json.GetProperty("nameEn").GetString());
        var guide = json.GetProperty("guide");
        Assert.True(guide.GetProperty("materials").GetArrayLength() > 0);
        Assert.False(string.IsNullOrEmpty(guide.GetProperty("materials")[0].GetProperty("zh").GetString()));
        Assert.Equal(12000, guide.GetProperty("fee").GetProperty("fen").GetInt64());
        Assert.False(string.IsNullOrEmpty(guide.GetProperty("legalBasis").GetProperty("en").GetString()));
        Assert.Matches("^(none|once|more)$", guide.GetProperty("visits").GetString());
        Assert.True(guide.GetProperty("keywords").GetArrayLength() > 0);
    }

    [Fact]
    public async Task Field_counts_cover_all_twelve_fields()
    {
        var json = await (await _client.GetAsync("/api/regions/330100/fields")).Json();
        Assert.Equal(12, json.GetArrayLength());
        var total = (await (await _client.GetAsync("/api/regions/330100/services")).Json()).GetProperty("total").GetInt32();
        Assert.Equal(total, json.EnumerateArray().Sum(f => f.GetProperty("count").GetInt32()));
    }

    [Fact]
    public async Task Cities_see_different_catalogs()
    {
        var counts = new List<int>();
        foreach (var city in new[] { "330100", "330200", "140100", "320100", "110000" })
        {
            counts.Add((await (await _client.GetAsync($"/api/regions/{city}/services")).Json()).GetProperty("total").GetInt32());
        }

        Assert.True(counts.Distinct().Count() >= 3, string.Join(",", counts));
    }

    [Fact]
    public async Task Reads_send_an_etag_and_answer_if_none_match_with_304()
    {
        foreach (var url in new[] { "/api/regions/330100/services?field=tax", "/api/regions/330100/services/EE-0001", "/api/regions/330100" })
        {
            var first = await _client.GetAsync(url);
            var etag = first.Headers.ETag;
            Assert.NotNull(etag);

            using var again = new HttpRequestMessage(HttpMethod.Get, url);
            again.Headers.IfNoneMatch.Add(etag);
            var second = await _client.SendAsync(again);
            Assert.Equal(HttpStatusCode.NotModified, second.StatusCode);
            Assert.Empty(await second.Content.ReadAsByteArrayAsync());

            using var stale = new HttpRequestMessage(HttpMethod.Get, url);
            stale.Headers.IfNoneMatch.Add(new EntityTagHeaderValue("\"stale\""));
            Assert.Equal(HttpStatusCode.OK, (await _client.SendAsync(stale)).StatusCode);
        }

        var other = await _client.GetAsync("/api/regions/330100/services?field=healthcare");
        Assert.NotEqual((await _client.GetAsync("/api/regions/330100/services?field=tax")).Headers.ETag, other.Headers.ETag);
    }

    [Theory]
    [InlineData("/api/regions/330100/services?page=0", "page")]
    [InlineData("/api/regions/330100/services?page=-3", "page")]
    [InlineData("/api/regions/330100/services?page=999", "page")]
    [InlineData("/api/regions/330100/services?page=abc", "page")]
    [InlineData("/api/regions/330100/services?page=99999999999999999999", "page")]
    [InlineData("/api/regions/330100/services?pageSize=0", "pageSize")]
    [InlineData("/api/regions/330100/services?pageSize=101", "pageSize")]
    [InlineData("/api/regions/330100/services?pageSize=x", "pageSize")]
    [InlineData("/api/regions/330100/services?field=weather", "field")]
    [InlineData("/api/regions/12ab56/services", "code")]
    [InlineData("/api/regions/330100/services/TR_0001", "serviceCode")]
    [InlineData("/api/regions/330100/services/%E9%A9%BE%E9%A9%B6", "serviceCode")]
    public async Task Bad_catalog_input_is_a_400_naming_the_parameter(string url, string parameter)
    {
        await (await _client.GetAsync(url)).AssertProblem(HttpStatusCode.BadRequest, parameter);
    }

    [Fact]
    public async Task A_very_long_query_is_a_400()
    {
        await (await _client.GetAsync("/api/regions/330100/services?q=" + new string('a', 500))).AssertProblem(HttpStatusCode.BadRequest, "q");
    }

    [Fact]
    public async Task Unknown_region_or_service_is_a_404()
    {
        await (await _client.GetAsync("/api/regions/999999/services")).AssertProblem(HttpStatusCode.NotFound, code: "region.not-found");
        await (await _client.GetAsync("/api/regions/330100/services/ZZ-9999")).AssertProblem(HttpStatusCode.NotFound, code: "catalog.service-not-found");
    }

    [Fact]
    public async Task A_search_with_no_hits_is_an_empty_first_page()
    {
        var json = await (await _client.GetAsync("/api/regions/330100/services?q=zzzzqqq")).Json();
        Assert.Equal(0, json.GetProperty("total").GetInt32());
        Assert.Equal(JsonValueKind.Array, json.GetProperty("items").ValueKind);
    }
}

public sealed class CatalogApiTests_Sqlite(SqliteApp app) : CatalogApiTests(app), IClassFixture<SqliteApp>;

public sealed class CatalogApiTests_Postgres(PostgresApp app) : CatalogApiTests(app), IClassFixture<PostgresApp>;
