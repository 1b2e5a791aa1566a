using CityService.Core.Identity.SignIn;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace CityService.Web.Features.Identity.SignIn;

/// <summary>Ends one of the citizen's sessions, or all but this one ("sign out everywhere else"), then back to the profile.</summary>
[Authorize(Policy = IdentitySetup.CitizenPolicy)]
public sealed class SessionsModel(SessionService sessions) : AccountPageModel
{
    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostEndAsync([FromForm(Name = "id")] string? id, CancellationToken ct) =>
        id is { Length: > 0 } && await sessions.EndAsync(User.AccountId()!.Value, id, ct) ? LocalRedirect("/me#sessions") : NotFound();

    public async Task<IActionResult> OnPostEndOthersAsync(CancellationToken ct)
    {
        await sessions.EndOthersAsync(User.AccountId()!.Value, User.SessionId(), ct);
        return LocalRedirect("/me#sessions");
    }
}
