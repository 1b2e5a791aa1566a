using CityService.Core.Storage;

namespace CityService.Core.Payments.Orders;

/// <summary>
/// An <c>Idempotency-Key</c> of <c>POST /api/payments</c>, per account, kept 24 hours: the canonical request's hash and
/// the answer given (status and body), so a repeat gets the original answer and a different body under the same key 409.
/// Written in the same transaction as the order it made: a unique key on (account, key) makes concurrent repeats one order.
/// </summary>
public sealed class PaymentIdempotencyKey
{
    private PaymentIdempotencyKey()
    {
        IdempotencyKey = RequestHash = string.Empty;
    }

    public Guid AccountId { get; private set; }

    public string IdempotencyKey { get; private set; }

    public string RequestHash { get; private set; }

    public Guid? PaymentId { get; private set; }

    /// <summary>Null while the first request is still talking to the channel.</summary>
    public int? StatusCode { get; private set; }

    public string? ResponseJson { get; private set; }

    public DateTimeOffset CreatedAt { get; private set; }

    public static PaymentIdempotencyKey Claim(Guid accountId, string key, string requestHash, Guid? paymentId, DateTimeOffset now) => new()
    {
        AccountId = accountId,
        IdempotencyKey = key,
        RequestHash = requestHash,
        PaymentId = paymentId,
        CreatedAt = now,
    };

    public void Answer(int statusCode, string responseJson)
    {
        StatusCode = statusCode;
        ResponseJson = responseJson;
    }
}

/// <summary>The one notice (or query answer) that settled an order: written in the winning transaction only, so an order
/// has at most one (its primary key is the order's id) — the record of "exactly once".</summary>
public sealed class PaymentNotice
{
    private PaymentNotice()
    {
        Channel = NoticeId = TradeNo = Outcome = string.Empty;
    }

    public Guid PaymentId { get; private set; }

    public string Channel { get; private set; }

    public string NoticeId { get; private set; }

    public string TradeNo { get; private set; }

    public long AmountFen { get; private set; }

    /// <summary>The <see cref="NoticeOutcome"/> it had, in words (applied, amount-mismatch, refunded-automatically).</summary>
    public string Outcome { get; private set; }

    public DateTimeOffset ReceivedAt { get; private set; }

    public static PaymentNotice Of(Guid paymentId, ChannelPaymentNotice notice, string outcome, DateTimeOffset now) => new()
    {
        PaymentId = paymentId,
        Channel = notice.Channel,
        NoticeId = notice.NoticeId.Length > 128 ? notice.NoticeId[..128] : notice.NoticeId,
        TradeNo = notice.TradeNo,
        AmountFen = notice.AmountFen,
        Outcome = outcome,
        ReceivedAt = now,
    };
}

public sealed class PaymentIdempotencyKeyConfiguration : IEntityTypeConfiguration<PaymentIdempotencyKey>
{
    public void Configure(EntityTypeBuilder<PaymentIdempotencyKey> builder)
    {
        builder.ToTable("payment_idempotency_keys");
        builder.HasKey(k => new { k.AccountId, k.IdempotencyKey });
        builder.HasIndex(k => k.CreatedAt).HasDatabaseName("ix_payment_idempotency_keys_created_at");
        builder.HasOne<Identity.Account>().WithMany().HasForeignKey(k => k.AccountId).OnDelete(DeleteBehavior.Restrict);
    }
}

public sealed class PaymentNoticeConfiguration : IEntityTypeConfiguration<PaymentNotice>
{
    public void Configure(EntityTypeBuilder<PaymentNotice> builder)
    {
        builder.ToTable("payment_notices");
        builder.HasKey(n => n.PaymentId);
        builder.HasOne<PaymentOrder>().WithMany().HasForeignKey(n => n.PaymentId).OnDelete(DeleteBehavior.Restrict);
    }
}
