using System.Text.Json;
using CityService.Core.Catalog;
using CityService.Core.Common;
using CityService.Core.Storage;
using CityService.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace CityService.Tests.Catalog;

/// <summary>
/// The guide's sections beyond materials and fee (conditions, steps, halls, phones, FAQ) through
/// GET /api/regions/{code}/services/{serviceCode}: their shape, their inheritance down the regions,
/// and a city's or county's override of each of them, nearest first, field by field.
/// </summary>
public abstract class GuideSectionTests(AppFixture app)
{
    private readonly HttpClient _client = app.Client();

    private async Task<JsonElement> Guide(string region, string service) =>
        (await (await _client.GetAsync($"/api/regions/{region}/services/{service}")).Json()).GetProperty("guide");

    private static string[] Zh(JsonElement list) => list.EnumerateArray().Select(t => t.GetProperty("zh").GetString()!).ToArray();

    private static string[] Questions(JsonElement guide) =>
        guide.GetProperty("faq").EnumerateArray().Select(f => f.GetProperty("question").GetProperty("zh").GetString()!).ToArray();

    private static string[] Halls(JsonElement guide) =>
        guide.GetProperty("halls").EnumerateArray().Select(h => h.GetProperty("regionCode").GetString() + "/" + h.GetProperty("code").GetString()).ToArray();

    private async Task Change(Action<CityDbContext> change)
    {
        using (var scope = app.App.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<CityDbContext>();
            change(db);
            await db.SaveChangesAsync();
        }

        app.Service<CatalogReader>().Invalidate();
    }

    [Fact]
    public async Task The_guide_answers_with_every_section_in_both_languages()
    {
        var guide = await Guide("330100", "EE-0001");
        foreach (var section in new[] { "conditions", "steps" })
        {
            Assert.True(guide.GetProperty(section).GetArrayLength() >= 2, section);
            Assert.All(guide.GetProperty(section).EnumerateArray(), t =>
            {
                Assert.False(string.IsNullOrWhiteSpace(t.GetProperty("zh").GetString()));
                Assert.False(string.IsNullOrWhiteSpace(t.GetProperty("en").GetString()));
            });
        }

        var faq = guide.GetProperty("faq")[0];
        Assert.EndsWith("？", faq.GetProperty("question").GetProperty("zh").GetString(), StringComparison.Ordinal);
        Assert.False(string.IsNullOrWhiteSpace(faq.GetProperty("answer").GetProperty("en").GetString()));

        var hall = guide.GetProperty("halls")[0];
        Assert.Equal("EXIT", hall.GetProperty("code").GetString()); // the exit-entry hall before the general centre
        foreach (var part in new[] { "name", "address", "hours" })
        {
            Assert.False(string.IsNullOrWhiteSpace(hall.GetProperty(part).GetProperty("zh").GetString()), part);
            Assert.False(string.IsNullOrWhiteSpace(hall.GetProperty(part).GetProperty("en").GetString()), part);
        }

        Assert.Equal("12367", hall.GetProperty("phone").GetString());
        Assert.Equal("12367", guide.GetProperty("phones").GetProperty("enquiry").GetString()); // the immigration administration's
        Assert.Equal("12345", guide.GetProperty("phones").GetProperty("complaint").GetString());
    }

    [Fact]
    public async Task Halls_come_from_the_nearest_region_that_has_one_for_the_field()
    {
        Assert.Equal(["330100/EXIT", "330100/CENTER"], Halls(await Guide("330100", "EE-0001")));
        Assert.Equal(["330100/VMO", "330100/CENTER"], Halls(await Guide("330100", "TR-0002")));
        Assert.Equal(["330100/CENTER"], Halls(await Guide("330100", "PO-0001")));
        Assert.Equal(["330106/CENTER"], Halls(await Guide("330106", "EE-0001"))); // Xihu District's own centre hides the city's
        Assert.Equal(["330200/CENTER"], Halls(await Guide("330200", "EE-0001")));
        Assert.Empty(Halls(await Guide("320100", "EE-0001"))); // Nanjing: none listed in its chain
    }

    [Fact]
    public async Task A_region_without_a_hall_for_the_field_inherits_its_citys()
    {
        await Change(db => db.ServiceHalls.Add(new ServiceHall("330205", "VMO", new LocalizedText("江北车管分所", "Jiangbei vehicle office"),
            new LocalizedText("江北区某路1号", "1 Some Road, Jiangbei"), new LocalizedText("每天 9:00–17:00", "Every day 9:00–17:00"), "0574-12345",
            [ServiceField.Transportation])));

        Assert.Equal(["330205/VMO"], Halls(await Guide("330205", "TR-0002")));   // the district's hall for its field
        Assert.Equal(["330200/CENTER"], Halls(await Guide("330205", "PO-0001"))); // other fields: Ningbo's centre
        Assert.Equal(["330200/CENTER"], Halls(await Guide("330200", "TR-0002"))); // the city does not see the district's
    }

    [Fact]
    public async Task Seeded_override_replaces_conditions_steps_and_complaint_number_in_the_city_and_below()
    {
        var national = await Guide("330200", "TR-0001");
        foreach (var region in new[] { "330100", "330106" })
        {
            var hangzhou = await Guide(region, "TR-0001");
            Assert.Contains(Zh(hangzhou.GetProperty("conditions")), c => c.Contains("杭州市", StringComparison.Ordinal));
            Assert.Contains(Zh(hangzhou.GetProperty("steps")), s => s.Contains("杭州市", StringComparison.Ordinal));
            Assert.Equal("0571-12345", hangzhou.GetProperty("phones").GetProperty("complaint").GetString());
            Assert.Equal(Questions(national), Questions(hangzhou)); // not overridden: inherited
        }

        Assert.DoesNotContain(Zh(national.GetProperty("conditions")), c => c.Contains("杭州市", StringComparison.Ordinal));
        Assert.Equal("12345", national.GetProperty("phones").GetProperty("complaint").GetString());
    }

    [Fact]
    public async Task Each_new_section_can_be_overridden_and_the_nearer_override_wins()
    {
        await Change(db =>
        {
            var city = new ServiceOverride("330200", "TR-0002", app.Time.GetUtcNow());
            city.ChangeGuide(new GuidePatch(Materials: null)
            {
                Conditions = [new LocalizedText("宁波条件", "Ningbo condition")],
                Steps = [new LocalizedText("宁波第一步", "Ningbo step 1"), new LocalizedText("宁波第二步", "Ningbo step 2")],
                Faq = [new FaqEntry(new LocalizedText("宁波问？", "Ningbo question?"), new LocalizedText("宁波答", "Ningbo answer"))],
                EnquiryPhone = "0574-11111",
                ComplaintPhone = "0574-12345",
            }, app.Time.GetUtcNow());
            var district = new ServiceOverride("330203", "TR-0002", app.Time.GetUtcNow());
            district.ChangeGuide(new GuidePatch(Materials: null)
            {
                Faq = [new FaqEntry(new LocalizedText("海曙问？", "Haishu question?"), new LocalizedText("海曙答", "Haishu answer"))],
                EnquiryPhone = "0574-22222",
            }, app.Time.GetUtcNow());
            db.ServiceOverrides.AddRange(city, district);
        });

        var ningbo = await Guide("330200", "TR-0002");
        Assert.Equal(["宁波条件"], Zh(ningbo.GetProperty("conditions")));
        Assert.Equal(["宁波第一步", "宁波第二步"], Zh(ningbo.GetProperty("steps")));
        Assert.Equal("宁波问？", ningbo.GetProperty("faq")[0].GetProperty("question").GetProperty("zh").GetString());
        Assert.Equal("0574-11111", ningbo.GetProperty("phones").GetProperty("enquiry").GetString());
        Assert.Equal("0574-12345", ningbo.GetProperty("phones").GetProperty("complaint").GetString());

        var jiangbei = await Guide("330205", "TR-0002"); // another district: the city's override only
        Assert.Equal(["宁波条件"], Zh(jiangbei.GetProperty("conditions")));
        Assert.Equal("0574-11111", jiangbei.GetProperty("phones").GetProperty("enquiry").GetString());

        var haishu = await Guide("330203", "TR-0002"); // its own FAQ and number, the city's for the rest
        Assert.Equal("海曙问？", Assert.Single(haishu.GetProperty("faq").EnumerateArray()).GetProperty("question").GetProperty("zh").GetString());
        Assert.Equal("0574-22222", haishu.GetProperty("phones").GetProperty("enquiry").GetString());
        Assert.Equal("0574-12345", haishu.GetProperty("phones").GetProperty("complaint").GetString());
        Assert.Equal(["宁波第一步", "宁波第二步"], Zh(haishu.GetProperty("steps")));

        var hangzhou = await Guide("330100", "TR-0002"); // elsewhere: the national guide
        Assert.DoesNotContain("宁波条件", Zh(hangzhou.GetProperty("conditions")));
        Assert.Null(hangzhou.GetProperty("phones").GetProperty("enquiry").GetString()); // the Ministry lists no number of its own
    }
}

public sealed class GuideSectionTests_Sqlite(SqliteApp app) : GuideSectionTests(app), IClassFixture<SqliteApp>;

public sealed class GuideSectionTests_Postgres(PostgresApp app) : GuideSectionTests(app), IClassFixture<PostgresApp>;
