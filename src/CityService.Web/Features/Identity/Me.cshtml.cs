using CityService.Core.Identity;
using CityService.Core.Storage;
using CityService.Web.Features.Identity.SignIn;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace CityService.Web.Features.Identity;

/// <summary>The citizen's own profile: the same masked view as <c>GET /api/me</c> (built by the same code), with the level explained.</summary>
[Authorize(Policy = IdentitySetup.CitizenPolicy)]
public sealed class MeModel(CityDbContext db, PersonalDataProtector protector) : AccountPageModel
{
    public ProfileDto Profile { get; private set; } = null!;

    /// <summary>The level a verification just reached; the notice shows only when it is the account's level now.</summary>
    [BindProperty(Name = "verified", SupportsGet = true)]
    public string? Verified { get; set; }

    public bool JustVerified => Verified is { Length: > 0 } v && string.Equals(v, Profile.AssuranceLevel.ToString(), StringComparison.Ordinal);

    public string VerifyUrl => WithReturnUrl("/me/verify");

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        if (await CitizenAsync(db, ct) is not { } account)
        {
            return await SessionEndedAsync();
        }

        Profile = SignInEndpoints.ToProfile(account, protector);
        return Page();
    }
}
