using CityService.Core.Identity.SignIn;
using Microsoft.AspNetCore.Mvc;

namespace CityService.Web.Features.Identity.SignIn;

public sealed record SessionsView(IReadOnlyList<SessionSummary> Sessions, string? Current);

/// <summary>
/// The "where you are signed in" section of the profile: it loads its own data, so the profile page includes it with one
/// line; its forms post to <see cref="SessionsModel"/> (/me/sessions).
/// </summary>
public sealed class SessionsViewComponent(SessionService sessions) : ViewComponent
{
    public async Task<IViewComponentResult> InvokeAsync()
    {
        var user = HttpContext.User;
        var open = user.AccountId() is { } id ? await sessions.ListAsync(id, HttpContext.RequestAborted) : [];
        var current = user.SessionId();
        return View("/Features/Identity/SignIn/_Sessions.cshtml", new SessionsView([.. open.OrderByDescending(s => s.Id == current)], current)); // this device first
    }
}
