using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace CityService.Web.Features.Shared;

/// <summary>The elder-mode switch: a plain link that stores the choice in a cookie for a year and goes back (local addresses only).</summary>
[AllowAnonymous]
public sealed class DisplayModel : PageModel
{
    public IActionResult OnGet(string mode, [FromQuery] string? returnUrl)
    {
        var elder = string.Equals(mode, DisplayMode.Elder, StringComparison.OrdinalIgnoreCase);
        if (!elder && !string.Equals(mode, DisplayMode.Standard, StringComparison.OrdinalIgnoreCase))
        {
            return NotFound();
        }

        DisplayMode.Remember(Request, Response, DisplayMode.Cookie, elder ? DisplayMode.Elder : DisplayMode.Standard);
        return LocalRedirect(Url.IsLocalUrl(returnUrl) ? returnUrl! : "/");
    }
}
