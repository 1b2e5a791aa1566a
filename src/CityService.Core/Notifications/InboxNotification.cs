namespace CityService.Core.Notifications;

/// <summary>
/// One entry of a citizen's in-app inbox, rendered in both languages when it was made (so a later template edit does not
/// change what the citizen was told). Holds no personal data in clear: templates get masked values only.
/// </summary>
public sealed class InboxNotification
{
    private InboxNotification()
    {
        EventCode = Category = RegionCode = TitleZh = TitleEn = BodyZh = BodyEn = string.Empty;
    }

    /// <summary>UUIDv7: newest last, and not guessable from another person's.</summary>
    public Guid Id { get; private set; }

    public Guid AccountId { get; private set; }

    public string EventCode { get; private set; }

    public string Category { get; private set; }

    /// <summary>The region whose change caused it ("000000" for the platform's own, e.g. identity).</summary>
    public string RegionCode { get; private set; }

    public string TitleZh { get; private set; }

    public string TitleEn { get; private set; }

    public string BodyZh { get; private set; }

    public string BodyEn { get; private set; }

    public DateTimeOffset CreatedAt { get; private set; }

    public DateTimeOffset? ReadAt { get; private set; }

    public static InboxNotification Create(Guid accountId, NotificationEvent what, string regionCode, RenderedNotification zh, RenderedNotification en, DateTimeOffset now) => new()
    {
        Id = Guid.CreateVersion7(now),
        AccountId = accountId,
        EventCode = what.Code,
        Category = what.Category,
        RegionCode = regionCode,
        TitleZh = zh.Subject ?? what.Name.Zh,
        TitleEn = en.Subject ?? what.Name.En,
        BodyZh = zh.Text,
        BodyEn = en.Text,
        CreatedAt = now,
    };
}

public sealed class InboxNotificationConfiguration : IEntityTypeConfiguration<InboxNotification>
{
    public void Configure(EntityTypeBuilder<InboxNotification> builder)
    {
        builder.ToTable("inbox_notifications");

        // The inbox page (newest first) and the bell's unread COUNT both start from the account.
        builder.HasIndex(n => new { n.AccountId, n.CreatedAt }).HasDatabaseName("ix_inbox_notifications_account_id_created_at");
        builder.HasOne<Identity.Account>().WithMany().HasForeignKey(n => n.AccountId).OnDelete(DeleteBehavior.Cascade);
    }
}
