using CityService.Core.Identity;
using CityService.Core.Identity.Consent;
using CityService.Core.Storage;
using CityService.Web.Features.Identity.SignIn;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;

namespace CityService.Web.Features.Identity;

/// <summary>The citizen's own profile: the same masked view as <c>GET /api/me</c> (built by the same code), with the level explained.</summary>
[Authorize(Policy = IdentitySetup.CitizenPolicy)]
public sealed class MeModel(CityDbContext db, PersonalDataProtector protector, ConsentService consents) : AccountPageModel
{
    public IReadOnlyList<ConsentRecord> Consents { get; private set; } = [];

    /// <summary><c>?withdrawn=sensitive-identity</c>: the sensitive-data consent was just withdrawn and the data erased.</summary>
    [BindProperty(Name = "withdrawn", SupportsGet = true)]
    public string? Withdrawn { get; set; }

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
        Consents = await consents.ListAsync(account.Id, ct);
        return Page();
    }

    /// <summary>
    /// Withdraws one consent. The user agreement or privacy policy: every session ends, this one too, and the citizen is told
    /// on the sign-in page. The sensitive-data consent: the verification data is erased and the profile says so.
    /// </summary>
    public async Task<IActionResult> OnPostWithdrawAsync([FromForm(Name = "id")] Guid id, CancellationToken ct)
    {
        if (await CitizenAsync(db, ct) is not { } account)
        {
            return await SessionEndedAsync();
        }

        var withdrawn = await consents.WithdrawAsync(account.Id, id, ct);
        if (!withdrawn.IsOk)
        {
            return NotFound();
        }

        if (withdrawn.Value.Kind == ConsentKind.SensitiveIdentity)
        {
            return LocalRedirect("/me?withdrawn=" + Consent.ConsentEndpoints.Slug(ConsentKind.SensitiveIdentity));
        }

        await HttpContext.SignOutAsync(IdentityConstants.ApplicationScheme);
        return LocalRedirect("/signin?withdrawn=" + Consent.ConsentEndpoints.Slug(withdrawn.Value.Kind));
    }
}
