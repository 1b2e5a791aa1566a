using System.Collections.Concurrent;
using CityService.Core.Jobs;
using CityService.Core.Outbox;
using CityService.Core.Regions;
using CityService.Core.Storage;
using CityService.Tests.Jobs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace CityService.Tests.Outbox;

/// <summary>A sender for one test: answers what the script says for each attempt (then Delivered), and keeps every call.</summary>
public sealed class ScriptedSender(string channel, TimeProvider time, params OutboxSendOutcome[] script) : IOutboxSender
{
    public ConcurrentQueue<(OutboxDelivery Delivery, DateTimeOffset At)> Calls { get; } = new();

    public string Channel => channel;

    public bool Always { get; set; }

    public OutboxSendOutcome AlwaysAnswer { get; set; } = OutboxSendOutcome.Retry;

    public Task<OutboxSendResult> SendAsync(OutboxDelivery delivery, CancellationToken ct)
    {
        Calls.Enqueue((delivery, time.GetUtcNow()));
        var outcome = Always ? AlwaysAnswer : delivery.Attempt <= script.Length ? script[delivery.Attempt - 1] : OutboxSendOutcome.Delivered;
        return Task.FromResult(outcome switch
        {
            OutboxSendOutcome.Delivered => OutboxSendResult.Delivered,
            OutboxSendOutcome.Retry => OutboxSendResult.Retry($"gateway busy (attempt {delivery.Attempt})"),
            _ => OutboxSendResult.Reject("address rejected"),
        });
    }
}

public abstract class OutboxDispatchTests<TDatabase>(TDatabase work)
    where TDatabase : WorkDatabase
{
    private readonly FakeTimeProvider _time = new(WorkDatabase.Start);

    private Task<WorkHost> Host(IOutboxSender sender, IReadOnlyDictionary<string, string?>? settings = null) =>
        work.StartAsync(_time, s => s.AddSingleton(sender), settings);

    private static string Channel(string what) => $"{what}-{Guid.NewGuid().ToString("N")[..8]}";

    private async Task<OutboxMessage> Message(Guid id)
    {
        await using var db = work.Context();
        return await db.OutboxMessages.AsNoTracking().SingleAsync(m => m.Id == id);
    }

    [Fact]
    public async Task A_rolled_back_change_leaves_no_message_and_a_committed_one_is_delivered_without_waiting_for_a_poll()
    {
        var channel = Channel("commit");
        var sender = new ScriptedSender(channel, _time);
        await using var host = await Host(sender);
        var now = _time.GetUtcNow();

        await using (var db = host.Services.GetRequiredService<IDbContextFactory<CityDbContext>>().CreateDbContext())
        {
            await using (var tx = await db.Database.BeginTransactionAsync())
            {
                db.Regions.Add(new Region("990201", null, RegionLevel.Prefecture, "回滚市", "Rollback City", true, null, null));
                db.Enqueue(channel, "990201", """{"n":1}""", now);
                await db.SaveChangesAsync();
                await tx.RollbackAsync();
            }

            db.ChangeTracker.Clear();
            Assert.Equal(0, await db.OutboxMessages.CountAsync(m => m.Channel == channel));
            Assert.False(await db.Regions.AnyAsync(r => r.Code == "990201"));

            db.Regions.Add(new Region("990202", null, RegionLevel.Prefecture, "提交市", "Commit City", true, null, null));
            var message = db.Enqueue(channel, "990202", """{"n":2}""", now);
            await db.SaveChangesAsync();

            // The clock stands still: only the commit's wake-up can have started this delivery.
            await Eventually.True(async () => (await Message(message.Id)).State == OutboxState.Delivered, "the committed message is delivered");
            var delivered = await Message(message.Id);
            Assert.Equal(1, delivered.Attempts);
            Assert.Equal(now, delivered.DeliveredAt);
            Assert.Null(delivered.LeaseOwner);
            var call = Assert.Single(sender.Calls);
            Assert.Equal(message.Id, call.Delivery.IdempotencyKey);
            Assert.Equal("""{"n":2}""", call.Delivery.Payload);
        }
    }

    [Fact]
    public async Task Two_instances_dispatching_the_same_queue_deliver_each_message_exactly_once()
    {
        var channel = Channel("pair");
        var sender = new ScriptedSender(channel, _time);
        var settings = new Dictionary<string, string?> { ["Outbox:BatchSize"] = "20" }; // many small claims: the two interleave
        await using var first = await Host(sender, settings);
        await using var second = await Host(sender, settings);

        await using (var db = work.Context())
        {
            for (var i = 0; i < 300; i++)
            {
                db.Enqueue(channel, "330100", $$"""{"n":{{i}}}""", _time.GetUtcNow());
            }

            await db.SaveChangesAsync(); // written outside both instances: only their wake-ups (pokes) and polls find it
        }

        first.Poke();
        second.Poke();
        await Eventually.True(async () =>
        {
            await using var db = work.Context();
            return await db.OutboxMessages.CountAsync(m => m.Channel == channel && m.State == OutboxState.Delivered) == 300;
        }, "both instances delivered the 300 messages", seconds: 30);

        // Exactly once at the sender: 300 calls for 300 keys, every one a first attempt.
        Assert.Equal(300, sender.Calls.Count);
        Assert.Equal(300, sender.Calls.Select(c => c.Delivery.IdempotencyKey).Distinct().Count());
        Assert.All(sender.Calls, c => Assert.Equal(1, c.Delivery.Attempt));
    }

    [Fact]
    public async Task A_sender_failing_twice_then_succeeding_delivers_once_with_exponential_backoff()
    {
        var channel = Channel("backoff");
        var sender = new ScriptedSender(channel, _time, OutboxSendOutcome.Retry, OutboxSendOutcome.Retry);
        await using var host = await Host(sender);
        var id = await EnqueueAsync(host, channel);

        await Eventually.True(async () => (await Message(id)).Attempts == 1, "the first attempt");
        var first = await Message(id);
        var firstAt = sender.Calls.Last().At;
        Assert.Equal(OutboxState.Pending, first.State);
        Assert.Equal("gateway busy (attempt 1)", first.LastError);
        AssertWithin(first.NextAttemptAt - firstAt, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(12)); // base, + up to 20 % jitter

        _time.Advance(first.NextAttemptAt - _time.GetUtcNow(), host);
        await Eventually.True(async () => (await Message(id)).Attempts == 2, "the second attempt");
        var second = await Message(id);
        AssertWithin(second.NextAttemptAt - sender.Calls.Last().At, TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(24)); // doubled

        _time.Advance(second.NextAttemptAt - _time.GetUtcNow(), host);
        await Eventually.True(async () => (await Message(id)).State == OutboxState.Delivered, "delivered at the third attempt");
        Assert.Equal(3, (await Message(id)).Attempts);
        Assert.Equal([1, 2, 3], sender.Calls.Select(c => c.Delivery.Attempt));
        Assert.All(sender.Calls, c => Assert.Equal(id, c.Delivery.IdempotencyKey));
    }

    [Fact]
    public async Task After_the_last_attempt_a_message_is_dead_a_rejected_one_at_once_and_an_operator_retry_delivers_it()
    {
        var channel = Channel("dead");
        var sender = new ScriptedSender(channel, _time) { Always = true };
        await using var host = await Host(sender, new Dictionary<string, string?> { ["Outbox:MaxAttempts"] = "4" });
        var id = await EnqueueAsync(host, channel);

        for (var attempt = 1; attempt <= 4; attempt++)
        {
            await Eventually.True(async () => (await Message(id)).Attempts == attempt, $"attempt {attempt}");
            _time.Advance(TimeSpan.FromSeconds(48), host); // past the cap (40 s) + jitter
        }

        var dead = await Message(id);
        Assert.Equal(OutboxState.Dead, dead.State);
        Assert.Equal(4, sender.Calls.Count); // no fifth attempt, though the clock went on

        sender.AlwaysAnswer = OutboxSendOutcome.Reject;
        var rejected = await EnqueueAsync(host, channel);
        await Eventually.True(async () => (await Message(rejected)).State == OutboxState.Dead, "a rejection is dead at once");
        Assert.Equal(1, (await Message(rejected)).Attempts);
        Assert.Equal("address rejected", (await Message(rejected)).LastError);

        sender.Always = false;
        await using (var db = work.Context())
        {
            var audit = new Core.Audit.AuditLog(_time);
            var operatorId = Guid.CreateVersion7();
            Assert.Null(await OutboxAdmin.RetryAsync(db, audit, operatorId, id, _time.GetUtcNow(), host.Signal, CancellationToken.None));
            Assert.Equal(OutboxErrors.NotDead, (await OutboxAdmin.RetryAsync(db, audit, operatorId, id, _time.GetUtcNow(), host.Signal, CancellationToken.None))?.Code);
            Assert.Equal(OutboxErrors.MessageNotFound, (await OutboxAdmin.RetryAsync(db, audit, operatorId, Guid.NewGuid(), _time.GetUtcNow(), host.Signal, CancellationToken.None))?.Code);
        }

        await Eventually.True(async () => (await Message(id)).State == OutboxState.Delivered, "the retried message is delivered");
        Assert.Equal(1, (await Message(id)).Attempts); // a fresh round
        Assert.Equal(5, sender.Calls.Count(c => c.Delivery.IdempotencyKey == id));
    }

    [Fact]
    public async Task A_message_for_a_channel_without_a_sender_waits_with_an_error_instead_of_being_lost()
    {
        var channel = Channel("known");
        await using var host = await Host(new ScriptedSender(channel, _time));
        var id = await EnqueueAsync(host, Channel("nobody"));

        await Eventually.True(async () => (await Message(id)).LastError is not null, "the dispatcher looked at it");
        var waiting = await Message(id);
        Assert.Equal(OutboxState.Pending, waiting.State);
        Assert.Equal(0, waiting.Attempts);
        Assert.Null(waiting.LeaseOwner);
        Assert.Contains("No sender for channel", waiting.LastError, StringComparison.Ordinal);
    }

    private async Task<Guid> EnqueueAsync(WorkHost host, string channel)
    {
        await using var db = work.Context();
        var message = db.Enqueue(channel, "000000", "{}", _time.GetUtcNow());
        await db.SaveChangesAsync();
        host.Poke(); // this context is not the host's (no wake-up on commit): as another instance's message is found by a poll
        return message.Id;
    }

    private static void AssertWithin(TimeSpan actual, TimeSpan low, TimeSpan high) =>
        Assert.True(actual >= low && actual <= high, $"{actual} is not within [{low}, {high}]");
}

public sealed class OutboxDispatchTests_Sqlite(SqliteWork work) : OutboxDispatchTests<SqliteWork>(work), IClassFixture<SqliteWork>;

public sealed class OutboxDispatchTests_Postgres(PostgresWork work) : OutboxDispatchTests<PostgresWork>(work), IClassFixture<PostgresWork>;
