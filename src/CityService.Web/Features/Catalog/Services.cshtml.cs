using CityService.Core.Catalog;
using CityService.Core.LifeEvents;
using CityService.Core.Regions;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace CityService.Web.Features.Catalog;

[AllowAnonymous]
public sealed class ServicesModel(RegionDirectory regions, CatalogReader catalog, LifeEventDirectory events) : PageModel
{
    public Region City { get; private set; } = null!;

    public ServiceField? Field { get; private set; }

    public string? Query { get; private set; }

    public ServicePage Result { get; private set; } = null!;

    /// <summary>The city's life events the search matches, shown before the services.</summary>
    public IReadOnlyList<LifeEvent> Events { get; private set; } = [];

    public int LastPage => Math.Max(1, (Result.Total + Result.PageSize - 1) / Result.PageSize);

    public async Task<IActionResult> OnGetAsync(string code, [FromQuery] string? field, [FromQuery] string? q, [FromQuery] string? page, CancellationToken ct)
    {
        if (regions.Find(code) is not { } city)
        {
            return NotFound();
        }

        City = city;
        Field = ServiceFields.FromSlug(field);
        if (!string.IsNullOrEmpty(field) && Field is null)
        {
            return BadRequest();
        }

        Query = q?.Trim();
        var pageNumber = int.TryParse(page, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var p) ? p : 1;
        var result = await catalog.SearchAsync(city.Code, Field, Query, pageNumber, CatalogReader.DefaultPageSize, ct);
        if (!result.IsOk)
        {
            // An out-of-range page or over-long query: show the first page of the same search rather than an error.
            result = await catalog.SearchAsync(city.Code, Field, Query is { Length: > CatalogReader.MaxQueryLength } ? Query[..CatalogReader.MaxQueryLength] : Query, 1, CatalogReader.DefaultPageSize, ct);
        }

        Result = result.Value!;
        if (!string.IsNullOrEmpty(Query) && Field is null)
        {
            Events = events.Search(city.Code, SearchSynonyms.Default.Expand(Query));
        }

        return Page();
    }
}
