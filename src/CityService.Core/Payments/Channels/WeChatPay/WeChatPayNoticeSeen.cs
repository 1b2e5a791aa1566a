namespace CityService.Core.Payments.Channels.WeChatPay;

/// <summary>
/// A WeChat Pay notification id we accepted, with the digest of its decrypted resource: the same id again with the same
/// content is a retry (answered success; the payments rules apply it once), with other content a replay (refused). The
/// primary key makes the first writer win on every instance alike.
/// </summary>
public sealed class WeChatPayNoticeSeen(string id, string digest, string outTradeNo, DateTimeOffset receivedAt)
{
    public string Id { get; private set; } = id;

    public string Digest { get; private set; } = digest;

    public string OutTradeNo { get; private set; } = outTradeNo;

    public DateTimeOffset ReceivedAt { get; private set; } = receivedAt;
}

public sealed class WeChatPayNoticeSeenConfiguration : IEntityTypeConfiguration<WeChatPayNoticeSeen>
{
    public void Configure(EntityTypeBuilder<WeChatPayNoticeSeen> builder)
    {
        builder.ToTable("wechatpay_notices");
        builder.HasKey(n => n.Id);
        builder.HasIndex(n => n.ReceivedAt).HasDatabaseName("ix_wechatpay_notices_received_at");
    }
}
