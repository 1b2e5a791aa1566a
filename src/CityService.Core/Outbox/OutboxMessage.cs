namespace CityService.Core.Outbox;

/// <summary>Where a message stands: waiting (first try or a retry), delivered, or given up after the last try.</summary>
public enum OutboxState
{
    Pending,
    Delivered,
    Dead,
}

/// <summary>
/// One outgoing message (a notification by SMS or email now; webhooks and channel calls later), written in the same
/// transaction as the change that causes it, so it leaves only if that change commits. The dispatcher delivers it with
/// retries; its <see cref="Id"/> is the idempotency key every sender passes on, so a retry after a crash between send and
/// mark is recognised by the receiving end. The payload holds no personal data in clear: recipients are account ids
/// resolved when sending, or values sealed with the personal-data protector.
/// </summary>
public sealed class OutboxMessage
{
    private OutboxMessage()
    {
        Channel = Payload = RegionCode = string.Empty;
    }

    /// <summary>UUIDv7: ordered by creation, and the idempotency key of every delivery attempt.</summary>
    public Guid Id { get; private set; }

    /// <summary>The sender that delivers it (<see cref="IOutboxSender.Channel"/>): "sms", "email", …</summary>
    public string Channel { get; private set; }

    /// <summary>The sender's own JSON.</summary>
    public string Payload { get; private set; }

    /// <summary>The region whose change caused the message ("000000" for the platform's own).</summary>
    public string RegionCode { get; private set; }

    public DateTimeOffset CreatedAt { get; private set; }

    public OutboxState State { get; private set; }

    /// <summary>Delivery attempts made so far.</summary>
    public int Attempts { get; private set; }

    /// <summary>When the dispatcher may next try (creation time, then after each failure with exponential backoff).</summary>
    public DateTimeOffset NextAttemptAt { get; private set; }

    /// <summary>The dispatcher instance holding the message while it sends it, and until when.</summary>
    public string? LeaseOwner { get; private set; }

    public DateTimeOffset? LeaseUntil { get; private set; }

    public DateTimeOffset? DeliveredAt { get; private set; }

    /// <summary>The last failure's reason as the sender gave it (never personal data).</summary>
    public string? LastError { get; private set; }

    public static OutboxMessage Create(string channel, string regionCode, string payload, DateTimeOffset now) => new()
    {
        Id = Guid.CreateVersion7(now),
        Channel = channel,
        Payload = payload,
        RegionCode = regionCode,
        CreatedAt = now,
        State = OutboxState.Pending,
        NextAttemptAt = now,
    };
}

public sealed class OutboxMessageConfiguration : IEntityTypeConfiguration<OutboxMessage>
{
    public void Configure(EntityTypeBuilder<OutboxMessage> builder)
    {
        builder.ToTable("outbox_messages");
        builder.HasIndex(m => new { m.State, m.NextAttemptAt }).HasDatabaseName("ix_outbox_messages_state_next_attempt_at");
    }
}
