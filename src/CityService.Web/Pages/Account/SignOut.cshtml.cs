using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;

namespace CityService.Web.Pages.Account;

/// <summary>Signing out is a POST (with the antiforgery token), so a link or an image on another site cannot sign anyone out.</summary>
[AllowAnonymous]
public sealed class SignOutModel : AccountPageModel
{
    public IActionResult OnGet() => User.Identity?.IsAuthenticated == true ? Page() : LocalRedirect("/");

    public async Task<IActionResult> OnPostAsync()
    {
        await HttpContext.SignOutAsync(IdentityConstants.ApplicationScheme);
        return LocalRedirect("/");
    }
}
