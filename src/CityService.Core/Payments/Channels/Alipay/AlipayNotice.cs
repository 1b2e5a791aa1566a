namespace CityService.Core.Payments.Channels.Alipay;

/// <summary>
/// An Alipay notification we took, by its notify_id: a later one with the same id must carry the same content (Alipay
/// retries a notification unchanged), otherwise it is a replay of the id with forged content and is refused.
/// </summary>
public sealed class AlipayNotice
{
    private AlipayNotice()
    {
        NotifyId = OutTradeNo = Digest = string.Empty;
    }

    public string NotifyId { get; private set; }

    public string OutTradeNo { get; private set; }

    /// <summary>SHA-256 (hex) of the signed content: the parameters that the signature covers.</summary>
    public string Digest { get; private set; }

    public DateTimeOffset ReceivedAt { get; private set; }

    public static AlipayNotice Take(string notifyId, string outTradeNo, string digest, DateTimeOffset now) =>
        new() { NotifyId = notifyId, OutTradeNo = outTradeNo, Digest = digest, ReceivedAt = now };
}

public sealed class AlipayNoticeConfiguration : IEntityTypeConfiguration<AlipayNotice>
{
    public void Configure(EntityTypeBuilder<AlipayNotice> builder)
    {
        builder.ToTable("alipay_notices");
        builder.HasKey(n => n.NotifyId);
        builder.Property(n => n.NotifyId).ValueGeneratedNever();
    }
}
