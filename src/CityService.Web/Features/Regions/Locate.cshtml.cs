using System.Globalization;
using CityService.Core.Regions;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace CityService.Web.Features.Regions;

/// <summary>Where "use my location" lands: to the city found, or back to the list with a notice.</summary>
[AllowAnonymous]
public sealed class LocateModel(RegionDirectory regions) : PageModel
{
    public IActionResult OnGet([FromQuery] string? lat, [FromQuery] string? lon)
    {
        if (double.TryParse(lat, NumberStyles.Float, CultureInfo.InvariantCulture, out var la) && Math.Abs(la) <= 90
            && double.TryParse(lon, NumberStyles.Float, CultureInfo.InvariantCulture, out var lo) && Math.Abs(lo) <= 180
            && regions.Locate(new GeoPoint(la, lo)) is { } found)
        {
            return Redirect("/?city=" + found.City.Code);
        }

        return Redirect("/?located=none");
    }
}
