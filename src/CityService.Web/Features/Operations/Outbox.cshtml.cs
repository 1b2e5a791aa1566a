using CityService.Core.Jobs;
using CityService.Core.Outbox;
using CityService.Core.Storage;
using CityService.Web.Features.Identity;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace CityService.Web.Features.Operations;

/// <summary>Platform operators: the outbox per channel (waiting, oldest waiting, dead) and the dead messages, each with a retry form.</summary>
[Authorize(Policy = IdentitySetup.PlatformAdminPolicy)]
public sealed class OutboxModel(CityDbContext db, Core.Audit.AuditLog audit, TimeProvider time, BackgroundWorkSignal signal) : PageModel
{
    public const string Path = "/admin/outbox";

    [BindProperty(Name = "retried", SupportsGet = true)]
    public Guid? Retried { get; set; }

    [BindProperty(Name = "id")]
    public Guid? Id { get; set; }

    public OutboxDto Outbox { get; private set; } = new([], []);

    /// <summary>Why the last retry could not be done (the message is no longer dead).</summary>
    public string? RetryError { get; private set; }

    public async Task OnGetAsync(CancellationToken ct) => Outbox = await BackgroundWorkEndpoints.ReadOutboxAsync(db, time.GetUtcNow(), ct);

    public async Task<IActionResult> OnPostRetryAsync(CancellationToken ct)
    {
        if (Id is not { } id)
        {
            return NotFound();
        }

        if (await OutboxAdmin.RetryAsync(db, audit, User.AccountId()!.Value, id, time.GetUtcNow(), signal, ct) is { } error)
        {
            if (error.Kind == Core.Common.ErrorKind.NotFound)
            {
                return NotFound();
            }

            RetryError = Infrastructure.Texts.Pick(error.Message);
            Response.StatusCode = StatusCodes.Status409Conflict;
            await OnGetAsync(ct);
            return Page();
        }

        return LocalRedirect($"{Path}?retried={id}");
    }
}
