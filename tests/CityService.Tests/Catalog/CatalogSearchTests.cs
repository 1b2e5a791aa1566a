using CityService.Tests.Infrastructure;

namespace CityService.Tests.Catalog;

/// <summary>Search finds what citizens call things (synonyms), in a city and across all cities before one is chosen.</summary>
public abstract class CatalogSearchTests(AppFixture app)
{
    private readonly HttpClient _client = app.Client();

    private async Task<string[]> Codes(string region, string q)
    {
        var json = await (await _client.GetAsync($"/api/regions/{region}/services?pageSize=100&q={Uri.EscapeDataString(q)}")).Json();
        return json.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("code").GetString()!).ToArray();
    }

    [Theory]
    [InlineData("生孩子", "HC-0004")]   // the birth certificate: its words are 出生, 新生儿
    [InlineData("生孩子", "PO-3302")]
    [InlineData("驾照", "TR-0003")]     // the driving test item says 驾驶证 only
    [InlineData("社会保险", "SS-0001")] // the card's words are 社保卡, 社会保障卡
    [InlineData("户口", "PO-3301")]     // the residence permit speaks of 户籍地
    [InlineData("户口证明", "PO-130982-01")] // Renqiu's 户籍证明开具
    [InlineData("公积金", "HF-0001")]
    [InlineData("身份证", "PO-0001")]
    [InlineData("identity card", "PO-0002")]
    public async Task A_synonym_finds_the_item(string q, string expected)
    {
        var region = expected.StartsWith("PO-130982", StringComparison.Ordinal) ? "130982" : "330100";
        Assert.Contains(expected, await Codes(region, q));
    }

    [Fact]
    public async Task Items_whose_name_matches_come_first()
    {
        var codes = await Codes("330100", "生孩子");
        Assert.Contains(codes[0], new[] { "HC-0004", "PO-3302" });
        Assert.Equal("TR-0001", (await Codes("330100", "驾驶证期满"))[0]);
    }

    [Fact]
    public async Task Synonyms_only_add_results_the_words_as_typed_still_find_theirs()
    {
        var typed = await Codes("330100", "驾驶证");
        var synonym = await Codes("330100", "驾照");
        Assert.Superset(typed.ToHashSet(), synonym.ToHashSet());
        Assert.Empty(await Codes("330100", "zzzzqqq"));
    }
}

public sealed class CatalogSearchTests_Sqlite(SqliteApp app) : CatalogSearchTests(app), IClassFixture<SqliteApp>;

public sealed class CatalogSearchTests_Postgres(PostgresApp app) : CatalogSearchTests(app), IClassFixture<PostgresApp>;
