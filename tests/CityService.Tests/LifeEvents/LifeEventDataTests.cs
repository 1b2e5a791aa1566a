using CityService.Core.Catalog;
using CityService.Core.LifeEvents;
using CityService.Core.Regions;

namespace CityService.Tests.LifeEvents;

/// <summary>The shipped life events make sense against the shipped catalog and regions, and overrides inherit downwards.</summary>
public sealed class LifeEventDataTests
{
    private static readonly LifeEventData Data = LifeEventDirectory.LoadData();
    private static readonly CatalogSeedData Catalog = CatalogSeedData.Load();
    private static readonly RegionDirectory Regions = new(RegionReferenceData.Load());

    [Fact]
    public void The_events_a_citizen_expects_are_there_in_both_languages()
    {
        var codes = Data.Events.Select(e => e.Code).ToList();
        Assert.Superset(
            new HashSet<string> { "having-a-baby", "getting-married", "starting-a-business", "retiring", "buying-a-home", "moving-household-registration", "going-abroad", "starting-school", "after-a-death" },
            codes.ToHashSet());
        Assert.Equal(codes.Count, codes.Distinct().Count());
        Assert.All(Data.Events, e =>
        {
            Assert.True(LifeEventDirectory.IsWellFormedCode(e.Code), e.Code);
            Assert.False(string.IsNullOrWhiteSpace(e.Name.Zh) || string.IsNullOrWhiteSpace(e.Name.En), e.Code);
            Assert.False(string.IsNullOrWhiteSpace(e.Description.Zh) || string.IsNullOrWhiteSpace(e.Description.En), e.Code);
            Assert.NotEmpty(e.Services);
        });
        Assert.Equal("生孩子", Data.Events.Single(e => e.Code == "having-a-baby").Name.Zh);
    }

    [Fact]
    public void Every_service_code_and_region_named_exists()
    {
        var items = Catalog.Items.Select(i => i.Code).ToHashSet(StringComparer.Ordinal);
        Assert.All(Data.Events.SelectMany(e => e.Services.Select(s => (e.Code, s))), x => Assert.True(items.Contains(x.s), $"{x.Code}: {x.s}"));
        Assert.All(Data.Overrides, o =>
        {
            Assert.NotNull(Regions.Find(o.Region));
            Assert.All((o.Add ?? []).Concat(o.Remove ?? []), s => Assert.True(items.Contains(s), $"{o.Region}/{o.Event}: {s}"));
        });
    }

    [Fact]
    public void Overrides_apply_to_the_region_and_below_farthest_first()
    {
        LifeEvent[] events = [new("moving", new("搬家", "Moving"), new("说明", "About"), [], ["PO-0005", "SS-0005"])];
        LifeEventOverride[] overrides =
        [
            new("330000", "moving", Add: ["PO-3301"]),           // Zhejiang adds its residence permit
            new("330100", "moving", Remove: ["SS-0005"]),        // Hangzhou drops a service
            new("330200", "moving", Enabled: false),             // Ningbo disables the event
            new("330203", "moving", Enabled: true),              // ... and a district of Ningbo enables it again
        ];
        var directory = new LifeEventDirectory(events, overrides, Regions);

        Assert.Equal(["PO-0005", "SS-0005"], directory.ForRegion("320100").Single().Services);
        Assert.Equal(["PO-0005", "SS-0005", "PO-3301"], directory.ForRegion("330300").Single().Services);
        Assert.Equal(["PO-0005", "PO-3301"], directory.ForRegion("330100").Single().Services);
        Assert.Equal(["PO-0005", "PO-3301"], directory.ForRegion("330106").Single().Services); // Xihu inherits Hangzhou's
        Assert.Empty(directory.ForRegion("330200"));
        Assert.Equal(LifeEventErrors.NotFound, directory.Get("330200", "moving").Error!.Code);
        Assert.Single(directory.ForRegion("330203"));
    }

    [Theory]
    [InlineData("Having-A-Baby")]
    [InlineData("having_a_baby")]
    [InlineData("")]
    [InlineData(null)]
    public void A_malformed_event_code_is_an_invalid_input(string? code)
    {
        var directory = LifeEventDirectory.Load(Regions);
        var result = directory.Get("330100", code);
        Assert.Equal(LifeEventErrors.CodeMalformed, result.Error!.Code);
        Assert.Equal("event", result.Error.Parameter);
    }

    [Fact]
    public void Bad_data_stops_the_start()
    {
        LifeEvent e = new("a-b", new("甲", "A"), new("甲", "A"), [], ["PO-0005"]);
        Assert.Throws<InvalidOperationException>(() => new LifeEventDirectory([e, e], [], Regions));
        Assert.Throws<InvalidOperationException>(() => new LifeEventDirectory([e], [new("330100", "no-such-event")], Regions));
        Assert.Throws<InvalidOperationException>(() => new LifeEventDirectory([e with { Code = "A B" }], [], Regions));
    }

    [Theory]
    [InlineData("生孩子", "having-a-baby")]
    [InlineData("我要生孩子", "having-a-baby")]
    [InlineData("新生儿", "having-a-baby")]
    [InlineData("baby", "having-a-baby")]
    [InlineData("结婚", "getting-married")]
    [InlineData("退休", "retiring")]
    [InlineData("户口", "moving-household-registration")]
    public void Search_finds_events_by_name_synonym_or_a_sentence_naming_them(string query, string expected)
    {
        var directory = LifeEventDirectory.Load(Regions);
        Assert.Contains(expected, directory.Search("330100", SearchSynonyms.Default.Expand(query)).Select(e => e.Code));
    }
}
