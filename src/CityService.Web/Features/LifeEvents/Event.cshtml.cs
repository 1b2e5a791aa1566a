using CityService.Core.Catalog;
using CityService.Core.LifeEvents;
using CityService.Core.Regions;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace CityService.Web.Features.LifeEvents;

/// <summary>One life event in a city: the services it involves that the city offers, in the order a citizen needs them.</summary>
[AllowAnonymous]
public sealed class EventModel(RegionDirectory regions, LifeEventDirectory events, CatalogReader catalog) : PageModel
{
    public Region City { get; private set; } = null!;

    public LifeEvent Event { get; private set; } = null!;

    public IReadOnlyList<EffectiveServiceItem> Services { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(string code, string @event, CancellationToken ct)
    {
        if (regions.Find(code) is not { } city || events.Get(city.Code, @event) is not { IsOk: true } found)
        {
            return NotFound();
        }

        City = city;
        Event = found.Value;
        Services = Event.OfferedIn(await catalog.ForRegionAsync(city.Code, ct));
        return Page();
    }
}
