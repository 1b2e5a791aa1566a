namespace CityService.Core.Payments;

public enum RefundState
{
    /// <summary>Written (with the one-off job <see cref="Refund.JobName"/> in the same transaction); the channel not yet asked.</summary>
    Requested,
    /// <summary>The channel accepted it and will say later.</summary>
    Processing,
    Succeeded,
    Failed,
}

/// <summary>
/// A refund of (part of) a succeeded payment order: asked by a department approver, or automatic (an order that paid
/// bills another order had already paid). The amount is reserved on the order (<see cref="PaymentOrder.AddRefund"/>) when
/// the refund is written, so concurrent refunds can never exceed what was paid. Region-scoped.
/// </summary>
public sealed class Refund
{
    /// <summary>The one-off job that hands a requested refund to its channel (payload: the refund id).</summary>
    public const string JobName = "payment-refund";

    private Refund()
    {
        RegionCode = Reason = string.Empty;
    }

    /// <summary>UUIDv7; as 32 hex digits it is the channel's out_refund_no.</summary>
    public Guid Id { get; private set; }

    public Guid PaymentId { get; private set; }

    public string RegionCode { get; private set; }

    /// <summary>The department whose revenue is refunded; null for an automatic refund of money no bill kept.</summary>
    public string? DepartmentCode { get; private set; }

    public long AmountFen { get; private set; }

    public string Reason { get; private set; }

    public RefundState State { get; private set; }

    public bool Automatic { get; private set; }

    /// <summary>The approver who asked (null when automatic).</summary>
    public Guid? RequestedBy { get; private set; }

    public string? ChannelRefundNo { get; private set; }

    public string? LastError { get; private set; }

    public DateTimeOffset CreatedAt { get; private set; }

    public DateTimeOffset? CompletedAt { get; private set; }

    public string OutRefundNo => Id.ToString("N");

    public static Refund Request(PaymentOrder payment, string? departmentCode, long amountFen, string reason, Guid? requestedBy, bool automatic, DateTimeOffset now) => new()
    {
        Id = Guid.CreateVersion7(now),
        PaymentId = payment.Id,
        RegionCode = payment.RegionCode,
        DepartmentCode = departmentCode,
        AmountFen = amountFen,
        Reason = reason,
        State = RefundState.Requested,
        Automatic = automatic,
        RequestedBy = requestedBy,
        CreatedAt = now,
    };

    public void MarkProcessing(string? channelRefundNo)
    {
        State = RefundState.Processing;
        ChannelRefundNo = channelRefundNo;
    }

    public void MarkSucceeded(string? channelRefundNo, DateTimeOffset at)
    {
        State = RefundState.Succeeded;
        ChannelRefundNo = channelRefundNo ?? ChannelRefundNo;
        CompletedAt = at;
    }

    public void MarkFailed(string error, DateTimeOffset at)
    {
        State = RefundState.Failed;
        LastError = error;
        CompletedAt = at;
    }
}

public sealed class RefundConfiguration : IEntityTypeConfiguration<Refund>
{
    public void Configure(EntityTypeBuilder<Refund> builder)
    {
        builder.ToTable("refunds");
        builder.HasKey(r => r.Id);
        builder.Ignore(r => r.OutRefundNo);
        builder.HasIndex(r => r.PaymentId).HasDatabaseName("ix_refunds_payment_id");
        builder.HasOne<PaymentOrder>().WithMany().HasForeignKey(r => r.PaymentId).OnDelete(DeleteBehavior.Restrict);
    }
}
