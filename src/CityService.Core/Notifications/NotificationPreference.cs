namespace CityService.Core.Notifications;

/// <summary>
/// Which outside channels a citizen wants for one category (the inbox is always on). No row means the category's
/// defaults (<see cref="NotificationCategory.SmsByDefault"/>, no e-mail).
/// </summary>
public sealed class NotificationPreference
{
    private NotificationPreference()
    {
        Category = string.Empty;
    }

    public Guid AccountId { get; private set; }

    public string Category { get; private set; }

    public bool Sms { get; private set; }

    public bool Email { get; private set; }

    public DateTimeOffset UpdatedAt { get; private set; }

    public static NotificationPreference Choose(Guid accountId, string category, bool sms, bool email, DateTimeOffset now) => new()
    {
        AccountId = accountId,
        Category = category,
        Sms = sms,
        Email = email,
        UpdatedAt = now,
    };

    public void Change(bool sms, bool email, DateTimeOffset now)
    {
        Sms = sms;
        Email = email;
        UpdatedAt = now;
    }
}

public sealed class NotificationPreferenceConfiguration : IEntityTypeConfiguration<NotificationPreference>
{
    public void Configure(EntityTypeBuilder<NotificationPreference> builder)
    {
        builder.ToTable("notification_preferences");
        builder.HasKey(p => new { p.AccountId, p.Category });
        builder.HasOne<Identity.Account>().WithMany().HasForeignKey(p => p.AccountId).OnDelete(DeleteBehavior.Cascade);
    }
}
