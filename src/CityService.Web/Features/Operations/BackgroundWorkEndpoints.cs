using CityService.Core.Jobs;
using CityService.Core.Outbox;
using CityService.Core.Storage;
using CityService.Web.Features.Identity;
using CityService.Web.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace CityService.Web.Features.Operations;

public sealed record JobRunDto(string Job, string Tick, DateTimeOffset ScheduledFor, int Attempt, string Instance, DateTimeOffset StartedAt, DateTimeOffset? EndedAt, string? Outcome, string? Error)
{
    public static JobRunDto From(JobRun r) =>
        new(r.JobName, r.Tick, r.ScheduledFor, r.Attempt, r.Instance, r.StartedAt, r.EndedAt, r.Outcome?.ToString().ToLowerInvariant(), r.Error);
}

/// <summary>A registered job: recurring (interval, next tick, current holder) or one-off (how many wait).</summary>
public sealed record JobDto(string Name, string Kind, long? IntervalSeconds, DateTimeOffset? NextDueAt, string? LeaseOwner, DateTimeOffset? LeaseUntil, int PendingCount, JobRunDto? LastRun);

public sealed record OutboxMessageDto(Guid Id, string Channel, string RegionCode, DateTimeOffset CreatedAt, string State, int Attempts, DateTimeOffset NextAttemptAt, string? LastError)
{
    public static OutboxMessageDto From(OutboxMessage m) =>
        new(m.Id, m.Channel, m.RegionCode, m.CreatedAt, m.State.ToString().ToLowerInvariant(), m.Attempts, m.NextAttemptAt, m.LastError);
}

/// <summary>Depth, oldest undelivered age and dead count per channel, and the latest dead messages (payloads are not shown).</summary>
public sealed record OutboxDto(IReadOnlyList<OutboxChannelNumbers> Channels, IReadOnlyList<OutboxMessageDto> Dead);

/// <summary>Platform operators watch jobs and the outbox and retry dead messages.</summary>
public static class BackgroundWorkEndpoints
{
    public const int RunsShown = 50;
    public const int DeadShown = 50;

    public static IEndpointRouteBuilder MapBackgroundWorkAdmin(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/api/admin").WithTags("Operations").RequireAuthorization(IdentitySetup.PlatformAdminPolicy)
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden);
        admin.MapGet("/jobs", ListJobs).WithName("ListJobs").WithSummary("Registered jobs with their next tick and last run.");
        admin.MapGet("/jobs/{name}/runs", ListRuns).WithName("ListJobRuns").ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary($"The latest {RunsShown} runs of a job, newest first.");
        admin.MapGet("/outbox", GetOutbox).WithName("GetOutbox").WithSummary("Queue depth, oldest undelivered age and dead messages, by channel.");
        admin.MapPost("/outbox/{id:guid}/retry", Retry).WithName("RetryOutboxMessage")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Puts a dead message back to pending with a fresh round of attempts.");
        return app;
    }

    public static async Task<Ok<IReadOnlyList<JobDto>>> ListJobs(CityDbContext db, IEnumerable<JobRegistration> jobs, CancellationToken ct) =>
        TypedResults.Ok(await ReadJobsAsync(db, jobs, ct));

    public static async Task<IReadOnlyList<JobDto>> ReadJobsAsync(CityDbContext db, IEnumerable<JobRegistration> jobs, CancellationToken ct)
    {
        var schedules = await db.JobSchedules.AsNoTracking().ToDictionaryAsync(s => s.Name, StringComparer.Ordinal, ct);
        var pending = await db.OneOffJobs.AsNoTracking().Where(j => j.State == OneOffJobState.Pending)
            .GroupBy(j => j.Name).Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count, StringComparer.Ordinal, ct);
        var result = new List<JobDto>();
        foreach (var job in jobs.OrderBy(j => j.Name, StringComparer.Ordinal))
        {
            var last = await db.JobRuns.AsNoTracking().Where(r => r.JobName == job.Name).OrderByDescending(r => r.StartedAt).ThenByDescending(r => r.Attempt).FirstOrDefaultAsync(ct);
            schedules.TryGetValue(job.Name, out var s);
            result.Add(new JobDto(job.Name, job.Interval is null ? "one-off" : "recurring", (long?)job.Interval?.TotalSeconds, s?.NextDueAt, s?.LeaseOwner, s?.LeaseUntil,
                pending.GetValueOrDefault(job.Name), last is null ? null : JobRunDto.From(last)));
        }

        return result;
    }

    public static async Task<Results<Ok<IReadOnlyList<JobRunDto>>, ProblemHttpResult>> ListRuns(
        string name, CityDbContext db, IEnumerable<JobRegistration> jobs, HttpContext http, CancellationToken ct)
    {
        if (!jobs.Any(j => j.Name == name))
        {
            return Problems.From(Core.Common.Error.NotFound(OutboxErrors.JobNotFound, "没有这个任务。", "There is no such job.", "name"), http);
        }

        return TypedResults.Ok(await ReadRunsAsync(db, name, ct));
    }

    public static async Task<IReadOnlyList<JobRunDto>> ReadRunsAsync(CityDbContext db, string name, CancellationToken ct) =>
        (await db.JobRuns.AsNoTracking().Where(r => r.JobName == name).OrderByDescending(r => r.StartedAt).ThenByDescending(r => r.Attempt).Take(RunsShown).ToListAsync(ct))
            .Select(JobRunDto.From).ToList();

    public static async Task<Ok<OutboxDto>> GetOutbox(CityDbContext db, TimeProvider time, CancellationToken ct) =>
        TypedResults.Ok(await ReadOutboxAsync(db, time.GetUtcNow(), ct));

    public static async Task<OutboxDto> ReadOutboxAsync(CityDbContext db, DateTimeOffset now, CancellationToken ct)
    {
        var numbers = await OutboxNumbers.ReadAsync(db, now, ct);
        var dead = await db.OutboxMessages.AsNoTracking().Where(m => m.State == OutboxState.Dead).OrderByDescending(m => m.Id).Take(DeadShown).ToListAsync(ct);
        return new OutboxDto(numbers, dead.Select(OutboxMessageDto.From).ToList());
    }

    public static async Task<Results<Ok<OutboxMessageDto>, ProblemHttpResult>> Retry(
        Guid id, CityDbContext db, Core.Audit.AuditLog audit, TimeProvider time, BackgroundWorkSignal signal, HttpContext http, CancellationToken ct)
    {
        if (await OutboxAdmin.RetryAsync(db, audit, http.User.AccountId()!.Value, id, time.GetUtcNow(), signal, ct) is { } error)
        {
            return Problems.From(error, http);
        }

        return TypedResults.Ok(OutboxMessageDto.From(await db.OutboxMessages.AsNoTracking().SingleAsync(m => m.Id == id, ct)));
    }
}
