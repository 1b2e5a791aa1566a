using CityService.Core.Storage;

namespace CityService.Core.Payments;

/// <summary>
/// A payment order's states (docs/payments.md has the diagram): Created (written, channel not yet asked) → Pending (the
/// channel has the trade) → Succeeded | Failed | Expired (30 minutes without payment, by the expiry job). Refunds have
/// their own states on <see cref="Refund"/>; an order stays Succeeded while refunded (see <see cref="PaymentOrder.RefundedFen"/>).
/// </summary>
public enum PaymentState
{
    Created,
    Pending,
    Succeeded,
    Failed,
    Expired,
}

/// <summary>
/// One citizen's order to pay one or more bills of one region (of one or several departments) through one channel.
/// The amount is fixed when the order is made (late fees of that day included) and split per bill in
/// <see cref="PaymentOrderBill"/>. Region-scoped.
/// </summary>
public sealed class PaymentOrder
{
    private PaymentOrder()
    {
        RegionCode = Channel = string.Empty;
    }

    /// <summary>UUIDv7; as 32 hex digits it is the channel's out_trade_no.</summary>
    public Guid Id { get; private set; }

    public string RegionCode { get; private set; }

    /// <summary>Who pays (a signed-in citizen).</summary>
    public Guid AccountId { get; private set; }

    public string Channel { get; private set; }

    public PaymentState State { get; private set; }

    public long AmountFen { get; private set; }

    public DateTimeOffset CreatedAt { get; private set; }

    public DateTimeOffset ExpiresAt { get; private set; }

    public DateTimeOffset? CompletedAt { get; private set; }

    /// <summary>The channel's trade number, once known (notification or query).</summary>
    public string? ChannelTradeNo { get; private set; }

    /// <summary>What the channel answered to start paying (JSON of <see cref="ChannelStartResult"/>'s parameters and URL).</summary>
    public string? StartJson { get; private set; }

    /// <summary>Set when the order needs a person: the amount paid differed (amount-mismatch), or it was paid after its
    /// bills were paid by another order (bill-already-paid).</summary>
    public string? FlagReason { get; private set; }

    /// <summary>The amount the channel said was paid, when it differs from <see cref="AmountFen"/>.</summary>
    public long? PaidFen { get; private set; }

    /// <summary>Σ of this order's succeeded and pending refunds (fen); refund_amount_available = AmountFen − RefundedFen.</summary>
    public long RefundedFen { get; private set; }

    /// <summary>Optimistic concurrency: every state change and refund increments it.</summary>
    public int Version { get; private set; }

    public string OutTradeNo => Id.ToString("N");

    public long RefundAmountAvailable => State == PaymentState.Succeeded && FlagReason is null ? AmountFen - RefundedFen : 0;

    public static PaymentOrder Create(string regionCode, Guid accountId, string channel, long amountFen, DateTimeOffset now, TimeSpan lifetime) => new()
    {
        Id = Guid.CreateVersion7(now),
        RegionCode = regionCode,
        AccountId = accountId,
        Channel = channel,
        State = PaymentState.Created,
        AmountFen = amountFen,
        CreatedAt = now,
        ExpiresAt = now + lifetime,
        Version = 1,
    };

    public void MarkPending(string startJson)
    {
        State = PaymentState.Pending;
        StartJson = startJson;
        Version++;
    }

    public void MarkSucceeded(string tradeNo, DateTimeOffset at)
    {
        State = PaymentState.Succeeded;
        ChannelTradeNo = tradeNo;
        CompletedAt = at;
        Version++;
    }

    public void MarkFailed(DateTimeOffset at)
    {
        State = PaymentState.Failed;
        CompletedAt = at;
        Version++;
    }

    public void MarkExpired(DateTimeOffset at)
    {
        State = PaymentState.Expired;
        CompletedAt = at;
        Version++;
    }

    public void Flag(string reason, string tradeNo, long paidFen, DateTimeOffset at)
    {
        FlagReason = reason;
        ChannelTradeNo = tradeNo;
        PaidFen = paidFen;
        CompletedAt ??= at;
        Version++;
    }

    public void AddRefund(long fen)
    {
        RefundedFen = checked(RefundedFen + fen);
        Version++;
    }
}

/// <summary>Why an order was flagged (<see cref="PaymentOrder.FlagReason"/>).</summary>
public static class PaymentFlags
{
    public const string AmountMismatch = "amount-mismatch";
    public const string BillAlreadyPaid = "bill-already-paid";
}

/// <summary>One bill in an order, with the lines and amount it was ordered at (late fee of that day included).</summary>
public sealed class PaymentOrderBill
{
    private PaymentOrderBill()
    {
        RegionCode = DepartmentCode = string.Empty;
        Lines = [];
    }

    public Guid PaymentId { get; private set; }

    public Guid BillId { get; private set; }

    public string RegionCode { get; private set; }

    public string DepartmentCode { get; private set; }

    public long AmountFen { get; private set; }

    public IReadOnlyList<BillLine> Lines { get; private set; }

    public static PaymentOrderBill For(PaymentOrder order, Bill bill, IReadOnlyList<BillLine> lines) => new()
    {
        PaymentId = order.Id,
        BillId = bill.Id,
        RegionCode = bill.RegionCode,
        DepartmentCode = bill.DepartmentCode,
        AmountFen = lines.Sum(l => l.AmountFen),
        Lines = lines,
    };
}

public sealed class PaymentOrderConfiguration : IEntityTypeConfiguration<PaymentOrder>
{
    public void Configure(EntityTypeBuilder<PaymentOrder> builder)
    {
        builder.ToTable("payment_orders");
        builder.HasKey(p => p.Id);
        builder.Ignore(p => p.OutTradeNo);
        builder.Ignore(p => p.RefundAmountAvailable);
        builder.Property(p => p.Version).IsConcurrencyToken();
        builder.HasIndex(p => new { p.AccountId, p.CreatedAt }).HasDatabaseName("ix_payment_orders_account_id_created_at");
        builder.HasIndex(p => new { p.State, p.ExpiresAt }).HasDatabaseName("ix_payment_orders_state_expires_at");
        builder.HasOne<Identity.Account>().WithMany().HasForeignKey(p => p.AccountId).OnDelete(DeleteBehavior.Restrict);
    }
}

public sealed class PaymentOrderBillConfiguration : IEntityTypeConfiguration<PaymentOrderBill>
{
    public void Configure(EntityTypeBuilder<PaymentOrderBill> builder)
    {
        builder.ToTable("payment_order_bills");
        builder.HasKey(p => new { p.PaymentId, p.BillId });
        builder.Property(p => p.Lines).HasJsonConversion();
        builder.HasIndex(p => p.BillId).HasDatabaseName("ix_payment_order_bills_bill_id");
        builder.HasOne<PaymentOrder>().WithMany().HasForeignKey(p => p.PaymentId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<Bill>().WithMany().HasForeignKey(p => p.BillId).OnDelete(DeleteBehavior.Restrict);
    }
}
