using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using CityService.Core.Common;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CityService.Core.Jobs;

/// <summary>
/// Runs the registered jobs on every instance, each tick once across all of them (docs/decisions/018-jobs-and-outbox.md):
/// a due tick is claimed by one conditional UPDATE that sets this instance's lease, the run is recorded in
/// <c>job_runs</c>, the lease is renewed while the job runs, and at the end the schedule moves to the next tick. All waits
/// are on the injected <see cref="TimeProvider"/>, so tests drive the clock.
/// </summary>
public sealed partial class JobScheduler(
    IServiceScopeFactory scopes,
    IDbContextFactory<CityDbContext> dbs,
    IEnumerable<JobRegistration> registrations,
    TimeProvider time,
    WorkerInstance instance,
    BackgroundWorkSignal signal,
    IOptions<JobsOptions> options,
    ILogger<JobScheduler> log) : BackgroundService
{
    private readonly JobsOptions _options = options.Value;
    private readonly IReadOnlyDictionary<string, JobRegistration> _jobs = Index(registrations);
    private readonly ConcurrentDictionary<string, Task> _running = new(StringComparer.Ordinal);
    private bool _failing;

    public string InstanceId => instance.Id;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield(); // start-up goes on; the loop runs beside it
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await EnsureSchedulesAsync(stoppingToken);
                break;
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                Failing(e);
                await Task.Delay(_options.Poll, time, stoppingToken);
            }
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var started = await StartDueAsync(stoppingToken);
                Recovered();
                if (started)
                {
                    continue;
                }

                await signal.Jobs.WaitAsync(await NextWaitAsync(stoppingToken), time, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                Failing(e);
                await Task.Delay(_options.Poll, time, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }

        await Task.WhenAll(_running.Values).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    /// <summary>Gives every recurring job its schedule row (the first instance to start writes it).</summary>
    private async Task EnsureSchedulesAsync(CancellationToken ct)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        var known = await db.JobSchedules.Select(s => s.Name).ToListAsync(ct);
        var now = time.GetUtcNow();
        foreach (var job in _jobs.Values.Where(j => j.Interval is not null && !known.Contains(j.Name)))
        {
            db.JobSchedules.Add(JobSchedule.Create(job.Name, JobSchedule.FirstTick(job.Interval!.Value, now)));
            await db.TrySaveChangesAsync(ct); // false: another instance wrote it first
        }
    }

    /// <summary>Claims and starts what is due, up to <see cref="JobsOptions.MaxConcurrent"/>; true when something started.</summary>
    private async Task<bool> StartDueAsync(CancellationToken ct)
    {
        var started = false;
        var now = time.GetUtcNow();
        await using var db = await dbs.CreateDbContextAsync(ct);
        foreach (var job in _jobs.Values.Where(j => j.Interval is not null))
        {
            if (_running.Count >= _options.MaxConcurrent || _running.ContainsKey(job.Name))
            {
                continue;
            }

            var until = now + _options.Lease;
            var claimed = await db.JobSchedules
                .Where(s => s.Name == job.Name && s.NextDueAt <= now && (s.LeaseUntil == null || s.LeaseUntil < now))
                .ExecuteUpdateAsync(s => s
                    .SetProperty(j => j.Attempt, j => j.LeaseOwner == null ? 1 : j.Attempt + 1)
                    .SetProperty(j => j.LeaseOwner, instance.Id)
                    .SetProperty(j => j.LeaseUntil, until), ct);
            if (claimed == 1)
            {
                var row = await db.JobSchedules.AsNoTracking().SingleAsync(s => s.Name == job.Name, ct);
                Start(job.Name, new Claim(job, null, row.NextDueAt, row.Attempt, null));
                started = true;
            }
        }

        foreach (var job in _jobs.Values.Where(j => j.Interval is null))
        {
            var room = _options.MaxConcurrent - _running.Count;
            if (room <= 0)
            {
                break;
            }

            foreach (var id in await ClaimOneOffAsync(db, job.Name, room, now, ct))
            {
                var row = await db.OneOffJobs.AsNoTracking().SingleAsync(j => j.Id == id, ct);
                Start(id.ToString(), new Claim(job, id, row.RunAt, row.Attempts, row.Payload));
                started = true;
            }
        }

        return started;
    }

    private async Task<List<Guid>> ClaimOneOffAsync(CityDbContext db, string name, int limit, DateTimeOffset now, CancellationToken ct)
    {
        var postgres = db.Database.IsNpgsql();
        var stamp = db.Database.ToStored(now);
        var until = db.Database.ToStored(now + _options.Lease);
        var sql = FormattableStringFactory.Create(
            "UPDATE one_off_jobs SET lease_owner = {0}, lease_until = {1}, attempts = attempts + 1 WHERE id IN ("
            + "SELECT id FROM one_off_jobs WHERE name = {2} AND state = 'Pending' AND run_at <= {3} AND (lease_until IS NULL OR lease_until < {3}) "
            + "ORDER BY run_at LIMIT {4}" + (postgres ? " FOR UPDATE SKIP LOCKED" : "") + ") RETURNING id AS \"Value\"",
            instance.Id, until, name, stamp, limit);
        return await db.Database.SqlQuery<Guid>(sql).ToListAsync(ct);
    }

    private void Start(string key, Claim claim)
    {
        var run = Task.Run(() => RunAsync(claim));
        _running[key] = run;
        _ = run.ContinueWith(_ =>
        {
            _running.TryRemove(key, out Task? _);
            signal.Jobs.Signal(); // room for the next one
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private async Task RunAsync(Claim claim)
    {
        var name = claim.Job.Name;
        var tick = claim.OneOffId is { } id ? id.ToString() : JobRun.TickOf(claim.ScheduledFor);
        var started = time.GetUtcNow();
        JobRunOutcome outcome;
        string? error = null;
        try
        {
            await using (var db = await dbs.CreateDbContextAsync())
            {
                if (claim.Attempt > 1)
                {
                    // The earlier holder's lease expired: its run never ends by itself.
                    await db.JobRuns.Where(r => r.JobName == name && r.Tick == tick && r.Attempt < claim.Attempt && r.EndedAt == null)
                        .ExecuteUpdateAsync(s => s.SetProperty(r => r.EndedAt, started).SetProperty(r => r.Outcome, JobRunOutcome.Abandoned));
                }

                db.JobRuns.Add(JobRun.Start(name, tick, claim.ScheduledFor, claim.Attempt, instance.Id, started));
                if (!await db.TrySaveChangesAsync(CancellationToken.None))
                {
                    LogAlreadyRecorded(log, name, tick, claim.Attempt);
                    return;
                }
            }

            (outcome, error) = await RunHoldingLeaseAsync(claim);
        }
        catch (Exception e)
        {
            // Recording failed (database away): the lease runs out and the tick is run again.
            Failing(e);
            return;
        }

        await FinishAsync(claim, tick, outcome, error);
    }

    private async Task<(JobRunOutcome, string?)> RunHoldingLeaseAsync(Claim claim)
    {
        using var lost = new CancellationTokenSource();
        using var done = new CancellationTokenSource();
        var renewal = RenewAsync(claim, lost, done.Token);
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var job = (IJob)scope.ServiceProvider.GetRequiredService(claim.Job.JobType);
            await job.RunAsync(new JobRunContext(claim.Job.Name, claim.ScheduledFor, claim.Attempt, claim.Payload), lost.Token);
            return (JobRunOutcome.Succeeded, null);
        }
        catch (OperationCanceledException) when (lost.IsCancellationRequested)
        {
            return (JobRunOutcome.Abandoned, "The lease was lost (another instance took the run over).");
        }
        catch (Exception e)
        {
            LogJobFailed(log, e, claim.Job.Name, claim.Attempt);
            return (JobRunOutcome.Failed, JobRun.Describe(e));
        }
        finally
        {
            await done.CancelAsync();
            await renewal;
        }
    }

    /// <summary>Extends the lease every third of its length; if another instance has taken the run over, cancels the job.</summary>
    private async Task RenewAsync(Claim claim, CancellationTokenSource lost, CancellationToken done)
    {
        var every = _options.Lease / 3;
        while (!done.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(every, time, done);
                await using var db = await dbs.CreateDbContextAsync(done);
                var until = time.GetUtcNow() + _options.Lease;
                var kept = claim.OneOffId is { } id
                    ? await db.OneOffJobs.Where(j => j.Id == id && j.LeaseOwner == instance.Id && j.Attempts == claim.Attempt)
                        .ExecuteUpdateAsync(s => s.SetProperty(j => j.LeaseUntil, until), done)
                    : await db.JobSchedules.Where(s => s.Name == claim.Job.Name && s.LeaseOwner == instance.Id && s.Attempt == claim.Attempt)
                        .ExecuteUpdateAsync(s => s.SetProperty(j => j.LeaseUntil, until), done);
                if (kept == 0)
                {
                    await lost.CancelAsync();
                    return;
                }
            }
            catch (OperationCanceledException) when (done.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                Failing(e); // try again at the next third; if the database stays away the lease runs out
            }
        }
    }

    private async Task FinishAsync(Claim claim, string tick, JobRunOutcome outcome, string? error)
    {
        var name = claim.Job.Name;
        var now = time.GetUtcNow();
        PlatformMetrics.JobRuns.Add(1, new KeyValuePair<string, object?>("job", name), new KeyValuePair<string, object?>("outcome", outcome.ToString().ToLowerInvariant()));
        try
        {
            await using var db = await dbs.CreateDbContextAsync();
            await db.JobRuns.Where(r => r.JobName == name && r.Tick == tick && r.Attempt == claim.Attempt && r.EndedAt == null)
                .ExecuteUpdateAsync(s => s.SetProperty(r => r.EndedAt, now).SetProperty(r => r.Outcome, outcome).SetProperty(r => r.Error, error));
            if (outcome == JobRunOutcome.Abandoned)
            {
                return; // the new holder goes on
            }

            if (claim.OneOffId is { } id)
            {
                var again = outcome == JobRunOutcome.Failed && claim.Attempt < _options.OneOffMaxAttempts;
                var state = outcome == JobRunOutcome.Succeeded ? OneOffJobState.Succeeded : again ? OneOffJobState.Pending : OneOffJobState.Failed;
                var runAt = again ? now + TimeSpan.FromSeconds(30 * Math.Pow(2, claim.Attempt - 1)) : claim.ScheduledFor;
                DateTimeOffset? finished = again ? null : now;
                await db.OneOffJobs.Where(j => j.Id == id && j.LeaseOwner == instance.Id && j.Attempts == claim.Attempt)
                    .ExecuteUpdateAsync(s => s
                        .SetProperty(j => j.State, state).SetProperty(j => j.RunAt, runAt).SetProperty(j => j.FinishedAt, finished)
                        .SetProperty(j => j.LastError, error).SetProperty(j => j.LeaseOwner, (string?)null).SetProperty(j => j.LeaseUntil, (DateTimeOffset?)null));
            }
            else
            {
                var next = JobSchedule.NextTick(claim.ScheduledFor, claim.Job.Interval!.Value, now);
                await db.JobSchedules.Where(s => s.Name == name && s.LeaseOwner == instance.Id && s.Attempt == claim.Attempt && s.NextDueAt == claim.ScheduledFor)
                    .ExecuteUpdateAsync(s => s
                        .SetProperty(j => j.NextDueAt, next).SetProperty(j => j.Attempt, 0)
                        .SetProperty(j => j.LeaseOwner, (string?)null).SetProperty(j => j.LeaseUntil, (DateTimeOffset?)null));
            }
        }
        catch (Exception e)
        {
            Failing(e); // the lease runs out and the tick is run again: jobs are written to be safe to repeat
        }
    }

    /// <summary>How long until something may be due: the next tick, run-at or lease expiry, at most the poll interval.</summary>
    private async Task<TimeSpan> NextWaitAsync(CancellationToken ct)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        var now = time.GetUtcNow();
        var schedules = await db.JobSchedules.AsNoTracking().ToListAsync(ct);
        var candidates = schedules.Where(s => _jobs.ContainsKey(s.Name) && !_running.ContainsKey(s.Name))
            .Select(s => s.LeaseUntil is { } lease && lease >= now ? (lease > s.NextDueAt ? lease : s.NextDueAt) : s.NextDueAt).ToList();
        var oneOffNames = _jobs.Values.Where(j => j.Interval is null).Select(j => j.Name).ToList();
        if (oneOffNames.Count > 0)
        {
            var pending = db.OneOffJobs.Where(j => j.State == OneOffJobState.Pending && oneOffNames.Contains(j.Name));
            if (await pending.Where(j => j.LeaseUntil == null).OrderBy(j => j.RunAt).Select(j => (DateTimeOffset?)j.RunAt).FirstOrDefaultAsync(ct) is { } runAt)
            {
                candidates.Add(runAt);
            }

            if (await pending.Where(j => j.LeaseUntil != null).OrderBy(j => j.LeaseUntil).Select(j => j.LeaseUntil).FirstOrDefaultAsync(ct) is { } lease)
            {
                candidates.Add(lease);
            }
        }

        var wait = candidates.Count == 0 ? _options.Poll : candidates.Min() - now;
        return wait <= TimeSpan.Zero || wait > _options.Poll ? _options.Poll : wait + TimeSpan.FromMilliseconds(1);
    }

    private void Failing(Exception e)
    {
        if (!_failing)
        {
            _failing = true;
            LogSchedulerFailing(log, e);
        }
    }

    private void Recovered()
    {
        if (_failing)
        {
            _failing = false;
            LogSchedulerRecovered(log);
        }
    }

    private static Dictionary<string, JobRegistration> Index(IEnumerable<JobRegistration> registrations)
    {
        var jobs = new Dictionary<string, JobRegistration>(StringComparer.Ordinal);
        foreach (var job in registrations)
        {
            if (!jobs.TryAdd(job.Name, job))
            {
                throw new InvalidOperationException($"Two jobs are registered as '{job.Name}'.");
            }

            if (job.Interval is { } interval && interval < TimeSpan.FromSeconds(1))
            {
                throw new InvalidOperationException($"Job '{job.Name}': an interval is at least one second.");
            }
        }

        return jobs;
    }

    private sealed record Claim(JobRegistration Job, Guid? OneOffId, DateTimeOffset ScheduledFor, int Attempt, string? Payload);

    [LoggerMessage(Level = LogLevel.Error, Message = "Job {Job} failed (attempt {Attempt})")]
    private static partial void LogJobFailed(ILogger logger, Exception e, string job, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {Job} tick {Tick} attempt {Attempt} is recorded already; not run again")]
    private static partial void LogAlreadyRecorded(ILogger logger, string job, string tick, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The job scheduler cannot reach the database; it keeps trying")]
    private static partial void LogSchedulerFailing(ILogger logger, Exception e);

    [LoggerMessage(Level = LogLevel.Information, Message = "The job scheduler reaches the database again")]
    private static partial void LogSchedulerRecovered(ILogger logger);
}
