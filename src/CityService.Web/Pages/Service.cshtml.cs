using CityService.Core.Catalog;
using CityService.Core.Regions;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace CityService.Web.Pages;

public sealed class ServiceModel(RegionDirectory regions, CatalogReader catalog) : PageModel
{
    public Region City { get; private set; } = null!;

    public EffectiveServiceItem Item { get; private set; } = null!;

    public Region? DefinedIn { get; private set; }

    public async Task<IActionResult> OnGetAsync(string code, string serviceCode, CancellationToken ct)
    {
        if (regions.Find(code) is not { } city)
        {
            return NotFound();
        }

        var item = await catalog.GetAsync(city.Code, serviceCode, ct);
        if (!item.IsOk)
        {
            return NotFound();
        }

        (City, Item, DefinedIn) = (city, item.Value, regions.Find(item.Value.DefinedIn));
        return Page();
    }
}
