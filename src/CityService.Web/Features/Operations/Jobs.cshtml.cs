using CityService.Core.Jobs;
using CityService.Core.Storage;
using CityService.Web.Features.Identity;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace CityService.Web.Features.Operations;

/// <summary>Platform operators: every registered job with its next tick and last run; with <c>?job=</c>, that job's run history.</summary>
[Authorize(Policy = IdentitySetup.PlatformAdminPolicy)]
public sealed class JobsModel(CityDbContext db, IEnumerable<JobRegistration> registrations) : PageModel
{
    public const string Path = "/admin/jobs";

    [Microsoft.AspNetCore.Mvc.BindProperty(Name = "job", SupportsGet = true)]
    public string? Job { get; set; }

    public IReadOnlyList<JobDto> Jobs { get; private set; } = [];

    /// <summary>The chosen job's latest runs, newest first (null: no job chosen).</summary>
    public IReadOnlyList<JobRunDto>? Runs { get; private set; }

    public async Task<Microsoft.AspNetCore.Mvc.IActionResult> OnGetAsync(CancellationToken ct)
    {
        Jobs = await BackgroundWorkEndpoints.ReadJobsAsync(db, registrations, ct);
        if (Job is not null)
        {
            if (!Jobs.Any(j => j.Name == Job))
            {
                return NotFound();
            }

            Runs = await BackgroundWorkEndpoints.ReadRunsAsync(db, Job, ct);
        }

        return Page();
    }

    /// <summary>The text of a run's outcome (null: still running).</summary>
    public static string Outcome(Infrastructure.Texts t, string? outcome) => outcome switch
    {
        "succeeded" => t["jobs.outcome.succeeded"],
        "failed" => t["jobs.outcome.failed"],
        "abandoned" => t["jobs.outcome.abandoned"],
        _ => t["jobs.outcome.running"],
    };

    /// <summary>Times as people here read them: China Standard Time (no daylight saving), to the second.</summary>
    public static string When(DateTimeOffset? at) =>
        at is { } t ? t.ToOffset(TimeSpan.FromHours(8)).ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture) : "—";
}
