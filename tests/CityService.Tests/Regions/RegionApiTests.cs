using System.Net;
using System.Text.Json;
using CityService.Tests.Infrastructure;

namespace CityService.Tests.Regions;

public abstract class RegionApiTests(AppFixture app)
{
    private readonly HttpClient _client = app.Client();

    [Fact]
    public async Task A_region_is_found_by_code_with_its_ancestors()
    {
        var json = await (await _client.GetAsync("/api/regions/330106")).Json();
        Assert.Equal("西湖区", json.GetProperty("nameZh").GetString());
        Assert.Equal("Xihu District", json.GetProperty("nameEn").GetString());
        Assert.Equal("county", json.GetProperty("level").GetString());
        var ancestors = json.GetProperty("ancestors").EnumerateArray().Select(a => a.GetProperty("code").GetString()).ToArray();
        Assert.Equal("100000,330000,330100", string.Join(",", ancestors));
    }

    [Fact]
    public async Task Children_of_Hangzhou_are_its_thirteen_districts_and_counties()
    {
        var json = await (await _client.GetAsync("/api/regions/330100/children")).Json();
        Assert.Equal(13, json.GetProperty("total").GetInt32());
        Assert.Contains(json.GetProperty("items").EnumerateArray(), r => r.GetProperty("nameEn").GetString() == "Chun'an County");
    }

    [Fact]
    public async Task Every_province_hangs_under_the_national_level()
    {
        var json = await (await _client.GetAsync("/api/regions/100000/children")).Json();
        Assert.Equal(31, json.GetProperty("total").GetInt32());
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("12345")]
    [InlineData("1234567")]
    [InlineData("33010%20")]
    [InlineData("３３０１００")]
    public async Task A_malformed_code_is_a_400_naming_the_code(string code)
    {
        await (await _client.GetAsync($"/api/regions/{code}")).AssertProblem(HttpStatusCode.BadRequest, "code", "region.code-malformed");
        await (await _client.GetAsync($"/api/regions/{code}/children")).AssertProblem(HttpStatusCode.BadRequest, "code");
    }

    [Fact]
    public async Task An_unknown_code_is_a_404()
    {
        await (await _client.GetAsync("/api/regions/999999")).AssertProblem(HttpStatusCode.NotFound, code: "region.not-found");
        await (await _client.GetAsync("/api/regions/999999/children")).AssertProblem(HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("30.2590", "120.1300", "330100")] // West Lake, Hangzhou
    [InlineData("29.8700", "121.5500", "330200")] // Ningbo centre
    [InlineData("31.2304", "121.4737", "310000")] // People's Square, Shanghai
    [InlineData("38.7100", "116.1000", "130982")] // Renqiu
    [InlineData("35.0700", "112.6000", "419001")] // Jiyuan
    public async Task Locate_places_a_point_in_the_nearest_city(string lat, string lon, string expected)
    {
        var json = await (await _client.GetAsync($"/api/regions/locate?lat={lat}&lon={lon}")).Json();
        Assert.Equal(expected, json.GetProperty("region").GetProperty("code").GetString());
        Assert.True(json.GetProperty("distanceKm").GetDouble() < 30);
    }

    [Fact]
    public async Task Locate_far_from_any_city_is_a_404()
    {
        // The East China Sea, about 300 km from Shanghai.
        await (await _client.GetAsync("/api/regions/locate?lat=30.0&lon=125.0")).AssertProblem(HttpStatusCode.NotFound, code: "region.no-city-nearby");
    }

    [Theory]
    [InlineData("lat=91&lon=120", "lat")]
    [InlineData("lat=-90.5&lon=120", "lat")]
    [InlineData("lat=30&lon=180.01", "lon")]
    [InlineData("lat=30&lon=-200", "lon")]
    [InlineData("lat=abc&lon=120", "lat")]
    [InlineData("lat=30&lon=1e999", "lon")]
    [InlineData("lat=NaN&lon=120", "lat")]
    [InlineData("lon=120", "lat")]
    [InlineData("lat=30", "lon")]
    [InlineData("lat=30,5&lon=120", "lat")]
    public async Task Locate_with_bad_coordinates_is_a_400_naming_the_parameter(string query, string parameter)
    {
        await (await _client.GetAsync($"/api/regions/locate?{query}")).AssertProblem(HttpStatusCode.BadRequest, parameter);
    }

    [Theory]
    [InlineData("30.0498", "101.9638", "513300", "513301")] // Kangding, Garze
    [InlineData("39.4704", "75.9898", "653100", "653101")] // Kashgar
    [InlineData("30.1675", "120.2588", "330100", "330109")] // Xiaoshan
    public async Task Locate_anywhere_in_china_names_the_city_and_county(string lat, string lon, string city, string county)
    {
        var json = await (await _client.GetAsync($"/api/regions/locate?lat={lat}&lon={lon}")).Json();
        Assert.Equal(city, json.GetProperty("region").GetProperty("code").GetString());
        Assert.Equal(county, json.GetProperty("county").GetProperty("code").GetString());
        Assert.Equal("nearest-seat", json.GetProperty("method").GetString());
    }

    [Fact]
    public async Task Locate_in_lhasa_names_the_city_where_no_county_seat_is_known()
    {
        var json = await (await _client.GetAsync("/api/regions/locate?lat=29.6525&lon=91.1721")).Json();
        Assert.Equal("540100", json.GetProperty("region").GetProperty("code").GetString());
        Assert.Equal(JsonValueKind.Null, json.GetProperty("county").ValueKind);
    }

    [Theory]
    [InlineData("37.5665", "126.9780")] // Seoul
    [InlineData("47.9186", "106.9177")] // Ulaanbaatar
    public async Task Locate_abroad_is_a_404(string lat, string lon) =>
        await (await _client.GetAsync($"/api/regions/locate?lat={lat}&lon={lon}")).AssertProblem(HttpStatusCode.NotFound, code: "region.no-city-nearby");

    [Theory]
    [InlineData("540102")] // 城关区, Lhasa
    [InlineData("653101")] // 喀什市
    [InlineData("654326")] // 吉木乃县, Altay, on the Kazakh border
    [InlineData("513338")] // 得荣县, Garze, western Sichuan
    [InlineData("469028")] // 陵水黎族自治县, directly under Hainan
    public async Task A_far_away_county_shows_every_national_and_provincial_item(string county)
    {
        var json = await (await _client.GetAsync($"/api/regions/{county}")).Json();
        var province = json.GetProperty("ancestors")[1].GetProperty("code").GetString();
        var own = await Codes($"/api/regions/{county}/services?pageSize=100");
        Assert.NotEmpty(own);
        Assert.Superset(await Codes("/api/regions/100000/services?pageSize=100"), own);
        Assert.Superset(await Codes($"/api/regions/{province}/services?pageSize=100"), own);
    }

    [Theory]
    [InlineData("hang", "330100")]
    [InlineData("杭", "330100")]
    [InlineData("Lhasa", "540100")]
    public async Task Cities_are_filtered_by_name(string q, string first)
    {
        var json = await (await _client.GetAsync($"/api/cities?q={Uri.EscapeDataString(q)}")).Json();
        Assert.Equal(first, json.GetProperty("items")[0].GetProperty("code").GetString());
        Assert.True(json.GetProperty("total").GetInt32() < 371);
    }

    [Fact]
    public async Task Cities_list_holds_the_municipalities_zhejiang_and_pilot_counties()
    {
        var json = await (await _client.GetAsync("/api/cities")).Json();
        var codes = json.GetProperty("items").EnumerateArray().Select(c => c.GetProperty("code").GetString()).ToHashSet();
        Assert.Superset(new HashSet<string?> { "110000", "310000", "500000", "330100", "331100", "610100", "130982", "430621", "419001" }, codes);
        Assert.DoesNotContain("330106", codes);
        Assert.Equal(371, codes.Count);
    }

    [Fact]
    public async Task Errors_follow_the_callers_language()
    {
        var english = app.Client("en");
        var json = await (await english.GetAsync("/api/regions/999999")).AssertProblem(HttpStatusCode.NotFound);
        Assert.Equal("There is no region with code 999999.", json.GetProperty("detail").GetString());
        var chinese = await (await _client.GetAsync("/api/regions/999999")).AssertProblem(HttpStatusCode.NotFound);
        Assert.Equal("没有代码为 999999 的地区。", chinese.GetProperty("detail").GetString());
    }

    private async Task<HashSet<string?>> Codes(string path)
    {
        var json = await (await _client.GetAsync(path)).Json();
        Assert.True(json.GetProperty("total").GetInt32() <= 100, path);
        return json.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("code").GetString()).ToHashSet();
    }
}

public sealed class RegionApiTests_Sqlite(SqliteApp app) : RegionApiTests(app), IClassFixture<SqliteApp>;

public sealed class RegionApiTests_Postgres(PostgresApp app) : RegionApiTests(app), IClassFixture<PostgresApp>;
