using System.Text.RegularExpressions;
using CityService.Core.Catalog;
using CityService.Core.Common;
using CityService.Core.Regions;

namespace CityService.Tests.Catalog;

/// <summary>The shipped demo catalog is consistent: what the seeder loads must make sense before any database sees it.</summary>
public sealed partial class CatalogSeedDataTests
{
    private static readonly CatalogSeedData Data = CatalogSeedData.Load();
    private static readonly RegionDirectory Regions = new(RegionReferenceData.Load());

    [Fact]
    public void At_least_100_items_over_all_12_fields()
    {
        Assert.True(Data.Items.Count >= 100, $"{Data.Items.Count} items");
        Assert.Equal(12, Data.Items.Select(i => i.Field).Distinct().Count());
        Assert.All(ServiceFields.Ordered, f => Assert.True(Data.Items.Count(i => i.Field == f) >= 5, f.Slug()));
    }

    [Fact]
    public void Codes_are_unique_well_formed_and_match_their_field()
    {
        Assert.Equal(Data.Items.Count, Data.Items.Select(i => i.Code).Distinct().Count());
        Assert.All(Data.Items, i =>
        {
            Assert.True(CatalogReader.IsWellFormedServiceCode(i.Code), i.Code);
            Assert.Matches(CodePattern(), i.Code);
        });
    }

    [Fact]
    public void Departments_exist_in_the_items_region_or_above()
    {
        var departments = Data.Departments.Select(d => (d.Region, d.Code)).ToHashSet();
        Assert.Equal(Data.Departments.Count, departments.Count);
        Assert.All(Data.Departments, d => Assert.NotNull(Regions.Find(d.Region)));
        Assert.All(Data.Items, i =>
        {
            Assert.Contains((i.DepartmentRegion, i.Department), departments);
            Assert.Contains(i.DepartmentRegion, Regions.SelfAndAncestorCodes(i.Region));
        });
        Assert.All(Data.Overrides.Where(o => o.Department is not null), o =>
        {
            Assert.Contains((o.DepartmentRegion ?? o.Region, o.Department!), departments);
            Assert.Contains(o.DepartmentRegion ?? o.Region, Regions.SelfAndAncestorCodes(o.Region));
        });
    }

    [Fact]
    public void Overrides_target_items_their_region_inherits()
    {
        var items = Data.Items.ToDictionary(i => i.Code);
        Assert.All(Data.Overrides, o =>
        {
            Assert.True(items.TryGetValue(o.Service, out var item), o.Service);
            Assert.Contains(item!.Region, Regions.SelfAndAncestorCodes(o.Region));
        });
        Assert.Contains(Data.Overrides, o => o.Enabled == false);
        Assert.Contains(Data.Overrides, o => o.Enabled == true);
        Assert.Contains(Data.Overrides, o => o.PromisedDays is not null);
    }

    [Fact]
    public void Guides_are_complete_and_bilingual()
    {
        Assert.All(Data.Items, i =>
        {
            Assert.False(string.IsNullOrWhiteSpace(i.NameZh) || string.IsNullOrWhiteSpace(i.NameEn), i.Code);
            Assert.False(string.IsNullOrWhiteSpace(i.DescriptionZh) || string.IsNullOrWhiteSpace(i.DescriptionEn), i.Code);
            Assert.False(string.IsNullOrWhiteSpace(i.LegalBasis.Zh) || string.IsNullOrWhiteSpace(i.LegalBasis.En), i.Code);
            Assert.All(i.Materials, m => Assert.False(string.IsNullOrWhiteSpace(m.Zh) || string.IsNullOrWhiteSpace(m.En), i.Code));
            Assert.InRange(i.PromisedDays, 0, 365);
            Assert.NotEmpty(i.Keywords);
            Assert.Equal(i.Online.Contains(OnlineMode.ExternalLink), i.ExternalUrl is not null);
            Assert.True(i.Fee.Kind != FeeKind.Fixed || i.Fee.Fen > 0, i.Code);
        });
    }

    [Fact]
    public void Money_is_formatted_from_integer_fen_whatever_the_culture()
    {
        var saved = System.Globalization.CultureInfo.CurrentCulture;
        try
        {
            System.Globalization.CultureInfo.CurrentCulture = new System.Globalization.CultureInfo("de-DE");
            Assert.Equal("¥120.00", new Money(12_000).ToString());
            Assert.Equal("¥0.05", new Money(5).ToString());
            Assert.Equal("-¥1.50", new Money(-150).ToString());
            Assert.Equal(new Money(300), Money.FromYuan(3));
        }
        finally
        {
            System.Globalization.CultureInfo.CurrentCulture = saved;
        }
    }

    [Fact]
    public void Field_slugs_round_trip()
    {
        Assert.All(ServiceFields.Ordered, f => Assert.Equal(f, ServiceFields.FromSlug(f.Slug())));
        Assert.Equal(ServiceField.ExitEntry, ServiceFields.FromSlug("EXIT-ENTRY"));
        Assert.Null(ServiceFields.FromSlug("weather"));
        Assert.Equal(["social-security", "transportation", "policing", "civil-affairs", "criminal-justice", "tax", "healthcare", "utilities", "housing-fund", "education", "tourism", "exit-entry"],
            ServiceFields.Ordered.Select(f => f.Slug()));
    }

    [GeneratedRegex("^[A-Z]{2}-([0-9]{4}|[0-9]{6}-[0-9]{2})$")]
    private static partial Regex CodePattern();
}
