using CityService.Core.Catalog;
using CityService.Core.LifeEvents;
using CityService.Core.Regions;
using CityService.Web.Features.Home;
using CityService.Web.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace CityService.Web.Features.Catalog;

/// <summary>
/// The search before a city is chosen: life events first, then the national and provincial items (each saying where
/// it is offered), and the city chooser whose links open the same search in the chosen city.
/// </summary>
[AllowAnonymous]
public sealed class SearchModel(RegionDirectory regions, CatalogReader catalog, LifeEventDirectory events, CityChooser chooser, Texts texts) : PageModel
{
    public string? Query { get; private set; }

    public IReadOnlyList<LifeEvent> Events { get; private set; } = [];

    public IReadOnlyList<EffectiveServiceItem> Items { get; private set; } = [];

    public CityChoice Choice { get; private set; } = null!;

    public async Task<IActionResult> OnGetAsync([FromQuery] string? q, [FromQuery] string? cities, CancellationToken ct)
    {
        Query = q?.Trim() is { Length: > 0 } given ? (given.Length > CatalogReader.MaxQueryLength ? given[..CatalogReader.MaxQueryLength] : given) : null;
        if (Query is not null)
        {
            Items = (await catalog.SearchEverywhereAsync(Query, ct)).Value ?? [];
            Events = events.Search(CatalogReader.NationalCode, SearchSynonyms.Default.Expand(Query));
        }

        var keep = Query is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["q"] = Query };
        Choice = chooser.Build(texts["search.choose"], cities, c => CityService.Web.Features.Shared.PageHelpers.ServicesUrl(c.Code, q: Query), "/search", keep);
        return Page();
    }

    /// <summary>Where an item is offered, in words: nationwide, or the province that defines it.</summary>
    public string OfferedIn(EffectiveServiceItem item) =>
        item.DefinedIn == CatalogReader.NationalCode || regions.Find(item.DefinedIn) is not { } region
            ? texts["search.offered.national"]
            : texts.Format("search.offered.in", Texts.Pick(region.NameZh, region.NameEn));
}
