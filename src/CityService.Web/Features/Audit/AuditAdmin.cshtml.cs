using CityService.Core.Audit;
using CityService.Core.Storage;
using CityService.Web.Features.Identity;
using CityService.Web.Features.Shared;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace CityService.Web.Features.Audit;

/// <summary>Operators check the audit log (the same verifier as <c>audit verify</c>) and read its latest entries.</summary>
[Authorize(Policy = IdentitySetup.PlatformAdminPolicy)]
public sealed class AuditAdminModel(CityDbContext db, AuditVerifier verifier) : PageModel
{
    public static readonly string[] Actions =
    [
        AuditActions.SignIn, AuditActions.SignInFailed, AuditActions.CodeSent, AuditActions.Verified, AuditActions.DataRevealed,
        AuditActions.RoleGranted, AuditActions.RoleRevoked, AuditActions.ClientRegistered, AuditActions.ConsentGiven,
        AuditActions.ConsentWithdrawn, AuditActions.OutboxRetried,
    ];

    [BindProperty(Name = "action", SupportsGet = true)]
    public string? ActionFilter { get; set; }

    [BindProperty(Name = "region", SupportsGet = true)]
    public string? Region { get; set; }

    public FormErrors Errors { get; } = new();

    public AuditVerification Verification { get; private set; } = null!;

    public IReadOnlyList<AuditEntry> Entries { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        Verification = await verifier.VerifyAsync(ct);
        if (AuditQueries.CheckFilter(ActionFilter, Region) is { } error)
        {
            Errors.Add(error, "action", "region");
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        Entries = await AuditQueries.LatestAsync(db, ActionFilter, Region, ct);
        return Page();
    }
}
