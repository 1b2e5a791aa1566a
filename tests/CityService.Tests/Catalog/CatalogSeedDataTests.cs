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
    public void Every_item_has_conditions_steps_and_faq_in_both_languages()
    {
        static void Bilingual(LocalizedText t, string code) =>
            Assert.False(string.IsNullOrWhiteSpace(t.Zh) || string.IsNullOrWhiteSpace(t.En) || t.Zh == t.En, code);

        Assert.All(Data.Items, i =>
        {
            Assert.True(i.Conditions is { Count: >= 1 }, $"{i.Code}: no conditions");
            Assert.True(i.Steps is { Count: >= 2 }, $"{i.Code}: fewer than two steps");
            Assert.True(i.Faq is { Count: >= 1 }, $"{i.Code}: no FAQ");
            Assert.All(i.Conditions!, c => Bilingual(c, i.Code));
            Assert.All(i.Steps!, s => Bilingual(s, i.Code));
            Assert.All(i.Faq!, f =>
            {
                Bilingual(f.Question, i.Code);
                Bilingual(f.Answer, i.Code);
                Assert.EndsWith("？", f.Question.Zh, StringComparison.Ordinal);
                Assert.EndsWith("?", f.Question.En, StringComparison.Ordinal);
            });

            // Steps do not name days or the department: overrides change those, and the guide shows them apart.
            Assert.All(i.Steps!, s => Assert.DoesNotMatch("[0-9]+ ?个?工作日|working days", s.Zh + s.En));
        });
    }

    [Theory]
    [InlineData("TR-0001")] // driving licence
    [InlineData("TR-0002")]
    [InlineData("PO-0001")] // ID card
    [InlineData("PO-0002")]
    [InlineData("PO-0005")] // household registration
    [InlineData("SS-0001")] // social security
    [InlineData("SS-0003")]
    [InlineData("HF-0002")] // provident fund
    [InlineData("HF-0003")]
    [InlineData("HF-0004")]
    [InlineData("CA-0001")] // marriage
    [InlineData("EE-0001")] // passport
    [InlineData("EE-0002")]
    [InlineData("HC-0004")] // newborn
    [InlineData("PO-3302")]
    public void The_most_used_items_answer_at_least_two_questions(string code)
    {
        var item = Data.Items.Single(i => i.Code == code);
        Assert.True(item.Faq!.Count >= 2, $"{code}: {item.Faq.Count} questions");
        Assert.True(item.Steps!.Count >= 3, $"{code}: {item.Steps.Count} steps");
    }

    [Fact]
    public void Halls_belong_to_known_regions_and_cover_hangzhou_and_every_city_with_departments()
    {
        Assert.Equal(Data.Halls.Count, Data.Halls.Select(h => (h.Region, h.Code)).Distinct().Count());
        Assert.All(Data.Halls, h =>
        {
            Assert.NotNull(Regions.Find(h.Region));
            Assert.Matches("^[A-Z][A-Z0-9]{1,15}$", h.Code);
            foreach (var text in new[] { h.Name, h.Address, h.Hours })
            {
                Assert.False(string.IsNullOrWhiteSpace(text.Zh) || string.IsNullOrWhiteSpace(text.En), $"{h.Region}/{h.Code}");
            }

            Assert.Matches("^[0-9][0-9-]{3,15}$", h.Phone);
        });

        var withHalls = Data.Halls.Select(h => h.Region).ToHashSet();
        var hangzhouAndBelow = Regions.ChildrenOf("330100").Select(r => r.Code).Append("330100").ToList();
        Assert.True(hangzhouAndBelow.Count > 10);
        Assert.All(hangzhouAndBelow, code => Assert.Contains(code, withHalls));
        var citiesWithDepartments = Data.Departments.Select(d => Regions.Find(d.Region)!)
            .Where(r => r.IsCity || r.Level == RegionLevel.County).Select(r => r.Code).Distinct();
        Assert.All(citiesWithDepartments, code => Assert.Contains(code, withHalls));
    }

    [Fact]
    public void Phones_are_dialable_numbers()
    {
        var phones = Data.Departments.Select(d => d.Phone)
            .Concat(Data.Items.SelectMany(i => new[] { i.EnquiryPhone, i.ComplaintPhone }))
            .Concat(Data.Overrides.SelectMany(o => new[] { o.EnquiryPhone, o.ComplaintPhone }))
            .OfType<string>().ToList();
        Assert.NotEmpty(phones);
        Assert.All(phones, p => Assert.Matches("^[0-9][0-9-]{3,15}$", p));
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
