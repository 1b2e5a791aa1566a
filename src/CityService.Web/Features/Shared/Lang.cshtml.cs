using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Localization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace CityService.Web.Features.Shared;

/// <summary>The language switch: a plain link that stores the choice in the culture cookie and goes back.</summary>
[AllowAnonymous]
public sealed class LangModel : PageModel
{
    public IActionResult OnGet(string culture, [FromQuery] string? returnUrl)
    {
        var chosen = culture.StartsWith("en", StringComparison.OrdinalIgnoreCase) ? "en" : "zh-CN";
        DisplayMode.Remember(Request, Response, CookieRequestCultureProvider.DefaultCookieName, CookieRequestCultureProvider.MakeCookieValue(new RequestCulture(chosen)));
        return LocalRedirect(Url.IsLocalUrl(returnUrl) ? returnUrl! : "/");
    }
}
