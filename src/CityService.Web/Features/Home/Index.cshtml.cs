using CityService.Core.Catalog;
using CityService.Core.Regions;
using CityService.Web.Features.Shared;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace CityService.Web.Features.Home;

[AllowAnonymous]
public sealed class IndexModel(RegionDirectory regions, CatalogReader catalog) : PageModel
{
    public Region? City { get; private set; }

    public IReadOnlyDictionary<ServiceField, int> Counts { get; private set; } = new Dictionary<ServiceField, int>();

    /// <summary>Cities grouped under their province (a municipality is its own group).</summary>
    public IReadOnlyList<(Region Province, IReadOnlyList<Region> Cities)> Groups { get; private set; } = [];

    public bool LocateFailed { get; private set; }

    public async Task<IActionResult> OnGetAsync([FromQuery] string? city, [FromQuery] string? located, CancellationToken ct)
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

        LocateFailed = located == "none";
        Groups = regions.Cities
            .GroupBy(c => c.Level == RegionLevel.Province ? c.Code : regions.AncestorsOf(c.Code).First(a => a.Level == RegionLevel.Province).Code)
            .Select(g => (regions.Find(g.Key)!, (IReadOnlyList<Region>)g.ToList()))
            .ToList();
        return Page();
    }
}
