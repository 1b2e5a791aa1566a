using CityService.Core.Identity.SignIn;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;

namespace CityService.Web.Features.Identity.SignIn;

/// <summary>Signing out is a POST (with the antiforgery token), so a link or an image on another site cannot sign anyone out.</summary>
[AllowAnonymous]
public sealed class SignOutModel : AccountPageModel
{
    public IActionResult OnGet() => User.Identity?.IsAuthenticated == true ? Page() : LocalRedirect("/");

    public async Task<IActionResult> OnPostAsync([FromServices] SessionService sessions, CancellationToken ct)
    {
        // End the session on the server too, so a copy of the cookie made before signing out is worthless.
        if (User.AccountId() is { } account && User.SessionId() is { } session)
        {
            await sessions.EndAsync(account, session, ct);
        }

        await HttpContext.SignOutAsync(IdentityConstants.ApplicationScheme);
        return LocalRedirect("/");
    }
}
