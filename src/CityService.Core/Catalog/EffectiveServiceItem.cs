using CityService.Core.Common;
using CityService.Core.Identity;

namespace CityService.Core.Catalog;

public sealed record DepartmentRef(string RegionCode, string Code, LocalizedText Name);

/// <summary>A service item as a given region sees it: the nearest definition with every override down the chain applied.</summary>
public sealed record EffectiveServiceItem(
    string Code,
    ServiceField Field,
    string DefinedIn,
    IReadOnlyList<string> OverriddenIn,
    DepartmentRef Department,
    LocalizedText Name,
    LocalizedText Description,
    ServiceGuide Guide,
    AssuranceLevel RequiredLevel,
    DateTimeOffset UpdatedAt)
{
    public bool Matches(string query) =>
        Contains(Code, query) || Contains(Name.Zh, query) || Contains(Name.En, query)
        || Contains(Description.Zh, query) || Contains(Description.En, query)
        || Contains(Department.Name.Zh, query) || Contains(Department.Name.En, query)
        || Guide.Keywords.Any(k => Contains(k, query));

    /// <summary>Whether any of the terms (a query and its synonym variants, <see cref="SearchSynonyms.Expand"/>) matches.</summary>
    public bool MatchesAny(IReadOnlyList<string> terms) => terms.Any(Matches);

    // Chinese has no word breaks, so a substring match is what lets 驾驶 find 驾驶证.
    private static bool Contains(string text, string query) => text.Contains(query, StringComparison.OrdinalIgnoreCase);
}

public sealed record ServicePage(IReadOnlyList<EffectiveServiceItem> Items, int Total, int Page, int PageSize);
