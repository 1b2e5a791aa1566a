namespace CityService.Core.Outbox;

/// <summary>How a capability sends something out: add the message to the same context as the change, then save once.</summary>
public static class Outbox
{
    /// <summary>Adds a message to <paramref name="db"/>'s pending changes; it is written by the caller's own SaveChanges.</summary>
    public static OutboxMessage Enqueue(this CityDbContext db, string channel, string regionCode, string payload, DateTimeOffset now)
    {
        var message = OutboxMessage.Create(channel, regionCode, payload, now);
        db.OutboxMessages.Add(message);
        return message;
    }
}

/// <summary>One delivery attempt of one message as the dispatcher hands it to a sender.</summary>
/// <param name="IdempotencyKey">The message id: the same on every attempt, so the receiving end can drop a repeat.</param>
public sealed record OutboxDelivery(Guid IdempotencyKey, string Channel, string RegionCode, string Payload, int Attempt);

/// <summary>What a sender made of one attempt.</summary>
public enum OutboxSendOutcome
{
    /// <summary>The receiver has it (or already had it under this key).</summary>
    Delivered,

    /// <summary>Worth trying again later (timeout, 5xx, throttled).</summary>
    Retry,

    /// <summary>Will never succeed (bad address, rejected content): dead at once.</summary>
    Reject,
}

public sealed record OutboxSendResult(OutboxSendOutcome Outcome, string? Error = null)
{
    public static readonly OutboxSendResult Delivered = new(OutboxSendOutcome.Delivered);

    public static OutboxSendResult Retry(string error) => new(OutboxSendOutcome.Retry, error);

    public static OutboxSendResult Reject(string error) => new(OutboxSendOutcome.Reject, error);
}

/// <summary>Delivers the messages of one channel. Registered in DI; the dispatcher picks the one whose channel matches.</summary>
public interface IOutboxSender
{
    string Channel { get; }

    /// <summary>Sends once, passing <see cref="OutboxDelivery.IdempotencyKey"/> to the receiving end. Does not throw for
    /// the receiver's failures (answers <see cref="OutboxSendOutcome.Retry"/>); an exception counts as a retry too.</summary>
    Task<OutboxSendResult> SendAsync(OutboxDelivery delivery, CancellationToken ct);
}
