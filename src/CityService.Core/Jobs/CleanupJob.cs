using CityService.Core.Identity.SignIn;
using CityService.Core.Outbox;
using Microsoft.Extensions.Options;

namespace CityService.Core.Jobs;

/// <summary>
/// Every hour: deletes what nobody needs any more once <c>Jobs:KeepDays</c> have passed — delivered outbox messages,
/// finished job runs and one-off jobs, and expired sign-in code challenges (used nonces and channel assertions are
/// already swept where they are checked). Dead messages stay until an operator retries them.
/// </summary>
public sealed class CleanupJob(CityDbContext db, TimeProvider time, IOptions<JobsOptions> options) : IJob
{
    public const string Name = "cleanup";

    public static readonly TimeSpan Interval = TimeSpan.FromHours(1);

    public async Task RunAsync(JobRunContext context, CancellationToken ct)
    {
        var before = time.GetUtcNow() - TimeSpan.FromDays(options.Value.KeepDays);
        await db.OutboxMessages.Where(m => m.State == OutboxState.Delivered && m.DeliveredAt < before).ExecuteDeleteAsync(ct);
        await db.JobRuns.Where(r => r.EndedAt != null && r.EndedAt < before).ExecuteDeleteAsync(ct);
        await db.OneOffJobs.Where(j => j.State != OneOffJobState.Pending && j.FinishedAt < before).ExecuteDeleteAsync(ct);
        await db.OtpChallenges.Where(c => c.ExpiresAt < before).ExecuteDeleteAsync(ct);
    }
}
