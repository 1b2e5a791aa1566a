using System.Collections.Concurrent;
using CityService.Core.Jobs;
using CityService.Core.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace CityService.Tests.Jobs;

/// <summary>What the test jobs did, shared by all instances of one test.</summary>
public sealed class JobLog
{
    public ConcurrentQueue<(JobRunContext Run, string Phase)> Entries { get; } = new();

    /// <summary>Attempt 1 of the hanging job waits here (ignoring cancellation, as a frozen process would).</summary>
    public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int Finished(DateTimeOffset tick) => Entries.Count(e => e.Run.ScheduledFor == tick && e.Phase == "finished");
}

public sealed class CountingJob(JobLog log) : IJob
{
    public Task RunAsync(JobRunContext context, CancellationToken ct)
    {
        log.Entries.Enqueue((context, "finished"));
        return Task.CompletedTask;
    }
}

public sealed class HangingJob(JobLog log) : IJob
{
    public async Task RunAsync(JobRunContext context, CancellationToken ct)
    {
        log.Entries.Enqueue((context, "started"));
        if (context.Attempt == 1)
        {
            await log.Release.Task; // the holder "freezes": it neither finishes nor renews its lease
        }

        log.Entries.Enqueue((context, "finished"));
    }
}

public sealed class FailingJob(JobLog log) : IJob
{
    public Task RunAsync(JobRunContext context, CancellationToken ct)
    {
        log.Entries.Enqueue((context, "started"));
        throw new InvalidOperationException($"payload {context.Payload} cannot be handled");
    }
}

public abstract class JobSchedulerTests<TDatabase>(TDatabase work)
    where TDatabase : WorkDatabase
{
    private readonly JobLog _log = new();

    private Task<WorkHost> Host(TimeProvider time, Action<IServiceCollection> jobs) =>
        work.StartAsync(time, s =>
        {
            s.AddSingleton(_log);
            jobs(s);
        });

    private static string Name(string what) => $"{what}-{Guid.NewGuid().ToString("N")[..8]}";

    private async Task<List<JobRun>> Runs(string job)
    {
        await using var db = work.Context();
        return await db.JobRuns.AsNoTracking().Where(r => r.JobName == job).OrderBy(r => r.ScheduledFor).ThenBy(r => r.Attempt).ToListAsync();
    }

    private async Task<JobSchedule> Schedule(string job)
    {
        await using var db = work.Context();
        return await db.JobSchedules.AsNoTracking().SingleAsync(s => s.Name == job);
    }

    [Fact]
    public async Task Two_instances_run_every_tick_of_a_recurring_job_exactly_once()
    {
        var job = Name("count");
        var interval = TimeSpan.FromSeconds(10);
        var time = new FakeTimeProvider(WorkDatabase.Start);
        await using var a = await Host(time, s => s.AddRecurringJob<CountingJob>(job, interval));
        await using var b = await Host(time, s => s.AddRecurringJob<CountingJob>(job, interval));
        await Eventually.True(async () => { await using var db = work.Context(); return await db.JobSchedules.AnyAsync(s => s.Name == job); }, "the schedule row");
        var first = (await Schedule(job)).NextDueAt;
        Assert.Equal(JobSchedule.FirstTick(interval, WorkDatabase.Start), first);

        const int ticks = 30;
        for (var i = 0; i < ticks; i++)
        {
            var tick = first + (interval * i);
            time.Advance(tick - time.GetUtcNow(), a, b);
            await Eventually.True(async () => _log.Finished(tick) >= 1 && (await Schedule(job)).NextDueAt > tick, $"tick {i} ran and the schedule moved on");
        }

        var runs = await Runs(job);
        Assert.Equal(ticks, runs.Count);
        Assert.Equal(ticks, runs.Select(r => r.Tick).Distinct().Count());
        Assert.All(runs, r => Assert.Equal((1, JobRunOutcome.Succeeded), (r.Attempt, r.Outcome)));
        Assert.Equal(Enumerable.Range(0, ticks).Select(i => first + (interval * i)), runs.Select(r => r.ScheduledFor));
        Assert.Equal(ticks, _log.Entries.Count); // inside the job: each tick once, never twice
        Assert.All(runs, r => Assert.Contains(r.Instance, new[] { a.Instance, b.Instance }));
    }

    [Fact]
    public async Task A_frozen_holders_tick_is_run_again_by_the_other_instance_once_its_lease_expires()
    {
        var job = Name("hang");
        var interval = TimeSpan.FromMinutes(1);
        var frozen = new FakeTimeProvider(WorkDatabase.Start); // A's clock stops after the claim: no more lease renewals
        await using var a = await Host(frozen, s => s.AddRecurringJob<HangingJob>(job, interval));
        await Eventually.True(async () => { await using var db = work.Context(); return await db.JobSchedules.AnyAsync(s => s.Name == job); }, "the schedule row");
        var tick = (await Schedule(job)).NextDueAt;
        frozen.Advance(tick - frozen.GetUtcNow(), a);
        await Eventually.True(() => Task.FromResult(_log.Entries.Any(e => e.Phase == "started")), "A started the tick");

        var time = new FakeTimeProvider(tick);
        await using var b = await Host(time, s => s.AddRecurringJob<HangingJob>(job, interval));
        time.Advance(TimeSpan.FromSeconds(20), b);
        Assert.Equal(1, (await Schedule(job)).Attempt); // A's lease (30 s) still holds
        time.Advance(TimeSpan.FromSeconds(11), b);
        await Eventually.True(async () => (await Schedule(job)).NextDueAt > tick, "B ran the tick again and moved the schedule on");

        var runs = await Runs(job);
        Assert.Equal(2, runs.Count);
        Assert.Equal((1, a.Instance, JobRunOutcome.Abandoned), (runs[0].Attempt, runs[0].Instance, runs[0].Outcome));
        Assert.Equal((2, b.Instance, JobRunOutcome.Succeeded), (runs[1].Attempt, runs[1].Instance, runs[1].Outcome));
        Assert.All(runs, r => Assert.Equal(tick, r.ScheduledFor));
        Assert.Equal(1, _log.Finished(tick));
        var schedule = await Schedule(job);
        Assert.Equal((tick + interval, 0, (string?)null), (schedule.NextDueAt, schedule.Attempt, schedule.LeaseOwner));

        _log.Release.SetResult(); // A wakes up late: what it writes now changes nothing
        await Eventually.True(() => Task.FromResult(_log.Finished(tick) == 2), "A's run ends");
        await a.DisposeAsync();
        Assert.Equal(JobRunOutcome.Abandoned, (await Runs(job))[0].Outcome);
        Assert.Equal(tick + interval, (await Schedule(job)).NextDueAt);
    }

    [Fact]
    public async Task Ticks_missed_while_every_instance_was_down_run_once_then_the_grid_goes_on()
    {
        var job = Name("missed");
        var interval = TimeSpan.FromMinutes(1);
        var time = new FakeTimeProvider(WorkDatabase.Start);
        await using var host = await Host(time, s => s.AddRecurringJob<CountingJob>(job, interval));
        await Eventually.True(async () => { await using var db = work.Context(); return await db.JobSchedules.AnyAsync(s => s.Name == job); }, "the schedule row");
        var tick = (await Schedule(job)).NextDueAt;

        time.Advance(tick - time.GetUtcNow() + TimeSpan.FromMinutes(10.5), host); // ten more ticks passed
        await Eventually.True(async () => (await Schedule(job)).NextDueAt > tick, "the overdue tick ran");
        Assert.Equal(tick + TimeSpan.FromMinutes(11), (await Schedule(job)).NextDueAt);
        Assert.Single(await Runs(job));
    }

    [Fact]
    public async Task A_one_off_job_enqueued_in_a_transaction_runs_once_at_its_time_and_a_failing_one_is_recorded()
    {
        var job = Name("once");
        var failing = Name("fail");
        var time = new FakeTimeProvider(WorkDatabase.Start);
        await using var host = await Host(time, s => s.AddOneOffJob<CountingJob>(job).AddOneOffJob<FailingJob>(failing));
        var runAt = time.GetUtcNow().AddMinutes(5);
        Guid id;
        Guid failingId;
        await using (var db = host.Services.GetRequiredService<IDbContextFactory<CityDbContext>>().CreateDbContext())
        {
            await using (var tx = await db.Database.BeginTransactionAsync())
            {
                db.EnqueueJob(job, """{"rolled":"back"}""", runAt, time.GetUtcNow());
                await db.SaveChangesAsync();
                await tx.RollbackAsync();
            }

            db.ChangeTracker.Clear();
            id = db.EnqueueJob(job, """{"reminder":42}""", runAt, time.GetUtcNow()).Id;
            failingId = db.EnqueueJob(failing, """{"n":1}""", runAt).Id;
            await db.SaveChangesAsync();
            Assert.Equal(1, await db.OneOffJobs.CountAsync(j => j.Name == job));
        }

        time.Advance(TimeSpan.FromMinutes(4), host);
        time.Advance(TimeSpan.FromMinutes(1), host);
        await Eventually.True(async () => (await Runs(job)).Any(r => r.Outcome is not null), "the one-off job ran");
        var run = Assert.Single(await Runs(job));
        Assert.Equal((id.ToString(), runAt, 1, JobRunOutcome.Succeeded), (run.Tick, run.ScheduledFor, run.Attempt, run.Outcome));
        Assert.Equal("""{"reminder":42}""", Assert.Single(_log.Entries, e => e.Run.JobName == job).Run.Payload);

        await Eventually.True(async () => (await Runs(failing)).Any(r => r.Outcome is not null), "the failing job ran");
        for (var attempt = 2; attempt <= 3; attempt++)
        {
            time.Advance(TimeSpan.FromMinutes(2), host); // retries after 30 s, 60 s
            var expected = attempt;
            await Eventually.True(async () => (await Runs(failing)).Count(r => r.Outcome is not null) == expected, $"attempt {expected}");
        }

        await using (var db = work.Context())
        {
            var done = await db.OneOffJobs.AsNoTracking().SingleAsync(j => j.Id == id);
            Assert.Equal(OneOffJobState.Succeeded, done.State);
            await Eventually.True(async () => (await db.OneOffJobs.AsNoTracking().SingleAsync(j => j.Id == failingId)).State == OneOffJobState.Failed, "given up after 3");
        }

        var failures = await Runs(failing);
        Assert.Equal([1, 2, 3], failures.Select(r => r.Attempt));
        Assert.All(failures, r => Assert.Equal(JobRunOutcome.Failed, r.Outcome));
        Assert.Equal("InvalidOperationException: payload {\"n\":1} cannot be handled", failures[0].Error);
        time.Advance(TimeSpan.FromMinutes(10), host);
        Assert.Equal(3, _log.Entries.Count(e => e.Run.JobName == failing));
    }
}

public sealed class JobSchedulerTests_Sqlite(SqliteWork work) : JobSchedulerTests<SqliteWork>(work), IClassFixture<SqliteWork>;

public sealed class JobSchedulerTests_Postgres(PostgresWork work) : JobSchedulerTests<PostgresWork>(work), IClassFixture<PostgresWork>;
