using CityService.Core.Catalog;
using CityService.Core.LifeEvents;
using CityService.Core.Regions;
using CityService.Web.Features.LifeEvents;
using CityService.Web.Features.Shared;
using CityService.Web.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace CityService.Web.Features.Home;

/// <summary>
/// The front door: a search box first (over all cities, or the chosen city's catalog), the life events, the chosen city's
/// service fields, and the city chooser (common cities, a filter that works without scripts, every city by province).
/// </summary>
[AllowAnonymous]
public sealed class IndexModel(RegionDirectory regions, CatalogReader catalog, LifeEventDirectory lifeEvents, CityChooser chooser, Texts texts) : PageModel
{
    public Region? City { get; private set; }

    public IReadOnlyDictionary<ServiceField, int> Counts { get; private set; } = new Dictionary<ServiceField, int>();

    /// <summary>The chosen city's life events, or the national ones while no city is chosen.</summary>
    public IReadOnlyList<LifeEvent> Events { get; private set; } = [];

    public CityChoice Choice { get; private set; } = null!;

    public async Task<IActionResult> OnGetAsync([FromQuery] string? city, [FromQuery] string? located, [FromQuery] string? cities, CancellationToken ct)
    {
        var chosen = city ?? Request.Cookies[PageHelpers.CityCookie];
        if (chosen is not null && regions.Find(chosen) is { IsCity: true } found)
        {
            City = found;
            Counts = await catalog.CountByFieldAsync(found.Code, ct);
            if (city is not null)
            {
                Response.Cookies.Append(PageHelpers.CityCookie, found.Code, new CookieOptions
                {
                    HttpOnly = true,
                    IsEssential = true,
                    SameSite = SameSiteMode.Lax,
                    Secure = Request.IsHttps,
                    MaxAge = TimeSpan.FromDays(365),
                });
            }
        }
        else if (city is not null)
        {
            return NotFound();
        }

        Events = lifeEvents.ForRegion(City?.Code ?? CatalogReader.NationalCode);
        Choice = chooser.Build(texts[City is null ? "home.choose" : "home.change"], cities, c => "/?city=" + c.Code, "/") with
        {
            CurrentCode = City?.Code,
            ShowLocate = true,
            LocateFailed = located == "none",
        };
        return Page();
    }

    public string EventUrl(LifeEvent e) => City is { } c ? LifeEventUrls.InCity(c.Code, e.Code) : LifeEventUrls.ChooseCity(e.Code);
}
