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

    /// <summary>
    /// How well the terms (a query first, then its synonym variants, <see cref="SearchSynonyms.Expand"/>) match, best 0:
    /// the name holds the query as typed (0) or a variant (1), a keyword holds one (2), the rest of the item does (3);
    /// null when nothing matches. Results are ordered by it, so 生孩子 lists the birth certificate before a notary service
    /// whose description happens to mention births.
    /// </summary>
    public int? MatchRank(IReadOnlyList<string> terms)
    {
        if (terms.Count == 0)
        {
            return null;
        }

        if (NameHas(terms[0]))
        {
            return 0;
        }

        if (terms.Any(NameHas))
        {
            return 1;
        }

        if (terms.Any(t => Guide.Keywords.Any(k => Contains(k, t))))
        {
            return 2;
        }

        return terms.Any(Matches) ? 3 : null;
    }

    private bool NameHas(string term) => Contains(Name.Zh, term) || Contains(Name.En, term);

    // Chinese has no word breaks, so a substring match is what lets 驾驶 find 驾驶证.
    private static bool Contains(string text, string query) => text.Contains(query, StringComparison.OrdinalIgnoreCase);
}

public sealed record ServicePage(IReadOnlyList<EffectiveServiceItem> Items, int Total, int Page, int PageSize);
