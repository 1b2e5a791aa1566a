using CityService.Core.Audit;
using CityService.Core.Storage;
using CityService.Web.Features.Identity;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace CityService.Web.Features.Audit;

/// <summary>The citizen's own security events from the audit log: sign-ins and who (which department) looked at their data.</summary>
[Authorize(Policy = IdentitySetup.CitizenPolicy)]
public sealed class SecurityModel(CityDbContext db) : AccountPageModel
{
    public IReadOnlyList<SecurityEvent> SignIns { get; private set; } = [];

    public IReadOnlyList<SecurityEvent> Reveals { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        if (await CitizenAsync(db, ct) is not { } account)
        {
            return await SessionEndedAsync();
        }

        var events = await AuditQueries.SecurityEventsAsync(db, account.Id, ct);
        SignIns = [.. events.Where(e => e.Kind == "sign-in")];
        Reveals = [.. events.Where(e => e.Kind == "data-revealed")];
        return Page();
    }
}
