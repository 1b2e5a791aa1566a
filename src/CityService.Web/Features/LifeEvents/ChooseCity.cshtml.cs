using CityService.Core.Catalog;
using CityService.Core.LifeEvents;
using CityService.Web.Features.Home;
using CityService.Web.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace CityService.Web.Features.LifeEvents;

/// <summary>A life event opened before choosing a city: what it is about, and the cities to see it in.</summary>
[AllowAnonymous]
public sealed class ChooseCityModel(LifeEventDirectory events, CityChooser chooser, Texts texts) : PageModel
{
    public LifeEvent Event { get; private set; } = null!;

    public CityChoice Choice { get; private set; } = null!;

    public IActionResult OnGet(string @event, [FromQuery] string? cities)
    {
        if (events.Get(CatalogReader.NationalCode, @event) is not { IsOk: true } found)
        {
            return NotFound();
        }

        Event = found.Value;
        Choice = chooser.Build(texts["events.choose"], cities, c => LifeEventUrls.InCity(c.Code, Event.Code), LifeEventUrls.ChooseCity(Event.Code));
        return Page();
    }
}
