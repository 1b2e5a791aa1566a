using System.Runtime.CompilerServices;
using CityService.Core.Common;
using CityService.Core.Jobs;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CityService.Core.Outbox;

/// <summary>
/// Delivers the outbox (docs/decisions/018-jobs-and-outbox.md): claims a batch of due messages with one UPDATE
/// (PostgreSQL: <c>FOR UPDATE SKIP LOCKED</c>, so instances take different messages; SQLite: one writer at a time), hands
/// each to its channel's <see cref="IOutboxSender"/> with the message id as idempotency key, and marks it delivered, to
/// retry (exponential backoff with jitter, capped) or dead. A crash between send and mark leaves the message leased;
/// when the lease runs out it is sent again under the same key, and the receiver drops the repeat.
/// </summary>
public sealed partial class OutboxDispatcher(
    IDbContextFactory<CityDbContext> dbs,
    IEnumerable<IOutboxSender> senders,
    TimeProvider time,
    WorkerInstance instance,
    BackgroundWorkSignal signal,
    IOptions<OutboxOptions> options,
    ILogger<OutboxDispatcher> log) : BackgroundService
{
    private readonly OutboxOptions _options = options.Value;
    private readonly Dictionary<string, IOutboxSender> _senders = senders.ToDictionary(s => s.Channel, StringComparer.Ordinal);
    private readonly HashSet<string> _unknownLogged = new(StringComparer.Ordinal);
    private DateTimeOffset _numbersReadAt = DateTimeOffset.MinValue;
    private bool _failing;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var sent = await DispatchBatchAsync(stoppingToken);
                await RefreshNumbersAsync(stoppingToken);
                Recovered();
                if (sent > 0)
                {
                    continue;
                }

                await signal.Outbox.WaitAsync(await NextWaitAsync(stoppingToken), time, stoppingToken);
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
    }

    /// <summary>Claims and sends one batch; returns how many messages it claimed.</summary>
    public async Task<int> DispatchBatchAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var leaseUntil = now + _options.Lease;
        List<OutboxMessage> batch;
        await using (var db = await dbs.CreateDbContextAsync(ct))
        {
            var ids = await ClaimAsync(db, now, leaseUntil, ct);
            if (ids.Count == 0)
            {
                return 0;
            }

            batch = await db.OutboxMessages.AsNoTracking().Where(m => ids.Contains(m.Id)).OrderBy(m => m.Id).ToListAsync(ct);
        }

        var halfway = now + (_options.Lease / 2);
        await Parallel.ForEachAsync(batch, new ParallelOptions { MaxDegreeOfParallelism = _options.Concurrency, CancellationToken = ct }, async (message, token) =>
        {
            if (time.GetUtcNow() >= halfway)
            {
                await ReleaseAsync(message, null, time.GetUtcNow(), token); // too late in the lease to start a send
                return;
            }

            await SendAsync(message, token);
        });
        return batch.Count;
    }

    private async Task<List<Guid>> ClaimAsync(CityDbContext db, DateTimeOffset now, DateTimeOffset leaseUntil, CancellationToken ct)
    {
        var postgres = db.Database.IsNpgsql();
        var stamp = db.Database.ToStored(now);
        var sql = FormattableStringFactory.Create(
            "UPDATE outbox_messages SET lease_owner = {0}, lease_until = {1} WHERE id IN ("
            + "SELECT id FROM outbox_messages WHERE state = 'Pending' AND next_attempt_at <= {2} AND (lease_until IS NULL OR lease_until < {2}) "
            + "ORDER BY next_attempt_at LIMIT {3}" + (postgres ? " FOR UPDATE SKIP LOCKED" : "") + ") RETURNING id AS \"Value\"",
            instance.Id, db.Database.ToStored(leaseUntil), stamp, _options.BatchSize);
        return await db.Database.SqlQuery<Guid>(sql).ToListAsync(ct);
    }

    private async Task SendAsync(OutboxMessage message, CancellationToken ct)
    {
        if (!_senders.TryGetValue(message.Channel, out var sender))
        {
            bool first;
            lock (_unknownLogged)
            {
                first = _unknownLogged.Add(message.Channel);
            }

            if (first)
            {
                LogUnknownChannel(log, message.Channel);
            }

            var now = time.GetUtcNow();
            await ReleaseAsync(message, $"No sender for channel '{message.Channel}' on this instance.", now + TimeSpan.FromSeconds(_options.MaxDelaySeconds), ct);
            return;
        }

        var attempt = message.Attempts + 1;
        OutboxSendResult result;
        try
        {
            result = await sender.SendAsync(new OutboxDelivery(message.Id, message.Channel, message.RegionCode, message.Payload, attempt), ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e)
        {
            result = OutboxSendResult.Retry(JobRun.Describe(e));
        }

        await MarkAsync(message, attempt, result, ct);
    }

    private async Task MarkAsync(OutboxMessage message, int attempt, OutboxSendResult result, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var error = result.Error is { Length: > JobRun.MaxErrorLength } text ? text[..JobRun.MaxErrorLength] : result.Error;
        var (state, next, outcome) = result.Outcome switch
        {
            OutboxSendOutcome.Delivered => (OutboxState.Delivered, message.NextAttemptAt, "delivered"),
            OutboxSendOutcome.Retry when attempt < _options.MaxAttempts => (OutboxState.Pending, now + WithJitter(_options.Backoff(attempt)), "retry"),
            _ => (OutboxState.Dead, message.NextAttemptAt, "dead"),
        };
        DateTimeOffset? delivered = state == OutboxState.Delivered ? now : null;
        PlatformMetrics.OutboxAttempts.Add(1, new KeyValuePair<string, object?>("channel", message.Channel), new KeyValuePair<string, object?>("outcome", outcome));
        await using var db = await dbs.CreateDbContextAsync(CancellationToken.None);
        await db.OutboxMessages.Where(m => m.Id == message.Id && m.LeaseOwner == instance.Id && m.State == OutboxState.Pending)
            .ExecuteUpdateAsync(s => s
                .SetProperty(m => m.State, state).SetProperty(m => m.Attempts, attempt).SetProperty(m => m.NextAttemptAt, next)
                .SetProperty(m => m.DeliveredAt, delivered).SetProperty(m => m.LastError, state == OutboxState.Delivered ? null : error)
                .SetProperty(m => m.LeaseOwner, (string?)null).SetProperty(m => m.LeaseUntil, (DateTimeOffset?)null), CancellationToken.None);
        if (state == OutboxState.Dead)
        {
            LogDead(log, message.Id, message.Channel, attempt);
        }
    }

    /// <summary>Gives a claimed message back unsent (no attempt counted), due at <paramref name="nextAttemptAt"/>.</summary>
    private async Task ReleaseAsync(OutboxMessage message, string? error, DateTimeOffset nextAttemptAt, CancellationToken ct)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        await db.OutboxMessages.Where(m => m.Id == message.Id && m.LeaseOwner == instance.Id && m.State == OutboxState.Pending)
            .ExecuteUpdateAsync(s => s
                .SetProperty(m => m.NextAttemptAt, nextAttemptAt).SetProperty(m => m.LastError, error ?? message.LastError)
                .SetProperty(m => m.LeaseOwner, (string?)null).SetProperty(m => m.LeaseUntil, (DateTimeOffset?)null), ct);
    }

    private TimeSpan WithJitter(TimeSpan delay) =>
        delay + TimeSpan.FromMilliseconds(delay.TotalMilliseconds * _options.Jitter * Random.Shared.NextDouble());

    /// <summary>Until the next message is due or a lease runs out, at most the poll interval.</summary>
    private async Task<TimeSpan> NextWaitAsync(CancellationToken ct)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        var now = time.GetUtcNow();
        var pending = db.OutboxMessages.Where(m => m.State == OutboxState.Pending);
        var due = await pending.Where(m => m.LeaseUntil == null).OrderBy(m => m.NextAttemptAt).Select(m => (DateTimeOffset?)m.NextAttemptAt).FirstOrDefaultAsync(ct);
        var lease = await pending.Where(m => m.LeaseUntil != null).OrderBy(m => m.LeaseUntil).Select(m => m.LeaseUntil).FirstOrDefaultAsync(ct);
        var next = new[] { due, lease }.Where(t => t is not null).Select(t => t!.Value).DefaultIfEmpty(now + _options.Poll).Min();
        var wait = next - now;
        return wait <= TimeSpan.Zero || wait > _options.Poll ? _options.Poll : wait + TimeSpan.FromMilliseconds(1);
    }

    private async Task RefreshNumbersAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        if (now - _numbersReadAt < TimeSpan.FromSeconds(_options.StatsSeconds) && now >= _numbersReadAt)
        {
            return;
        }

        await using var db = await dbs.CreateDbContextAsync(ct);
        PlatformMetrics.Outbox = await OutboxNumbers.ReadAsync(db, now, ct);
        _numbersReadAt = now;
    }

    private void Failing(Exception e)
    {
        if (!_failing)
        {
            _failing = true;
            LogDispatcherFailing(log, e);
        }
    }

    private void Recovered()
    {
        if (_failing)
        {
            _failing = false;
            LogDispatcherRecovered(log);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Outbox messages for channel {Channel} wait: no sender is registered for it on this instance")]
    private static partial void LogUnknownChannel(ILogger logger, string channel);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox message {Id} ({Channel}) is dead after {Attempts} attempts")]
    private static partial void LogDead(ILogger logger, Guid id, string channel, int attempts);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The outbox dispatcher cannot reach the database; it keeps trying")]
    private static partial void LogDispatcherFailing(ILogger logger, Exception e);

    [LoggerMessage(Level = LogLevel.Information, Message = "The outbox dispatcher reaches the database again")]
    private static partial void LogDispatcherRecovered(ILogger logger);
}
