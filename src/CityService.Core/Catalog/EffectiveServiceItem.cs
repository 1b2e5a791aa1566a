using CityService.Core.Common;
using CityService.Core.Identity;

namespace CityService.Core.Catalog;

public sealed record DepartmentRef(string RegionCode, string Code, LocalizedText Name, string? Phone = null);

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
    /// <summary>The 12345 government service hotline, every region's complaint number unless a guide names another.</summary>
    public const string Hotline = "12345";

    /// <summary>Where to handle it in person: the halls of the nearest region (this one first) that has any for the item's field.</summary>
    public IReadOnlyList<HallRef> Halls { get; init; } = [];

    /// <summary>The guide's enquiry number, else the department's; null when neither has one.</summary>
    public string? EnquiryPhone => Guide.EnquiryPhone ?? Department.Phone;

    public string ComplaintPhone => Guide.ComplaintPhone ?? Hotline;

    public bool Matches(string query) =>
        Contains(Code, query) || Contains(Name.Zh, query) || Contains(Name.En, query)
        || Contains(Description.Zh, query) || Contains(Description.En, query)
        || Contains(Department.Name.Zh, query) || Contains(Department.Name.En, query)
        || Guide.Keywords.Any(k => Contains(k, query));

    // Chinese has no word breaks, so a substring match is what lets 驾驶 find 驾驶证.
    private static bool Contains(string text, string query) => text.Contains(query, StringComparison.OrdinalIgnoreCase);
}

public sealed record ServicePage(IReadOnlyList<EffectiveServiceItem> Items, int Total, int Page, int PageSize);
