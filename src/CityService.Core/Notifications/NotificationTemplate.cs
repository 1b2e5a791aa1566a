namespace CityService.Core.Notifications;

/// <summary>
/// One saved version of the template of an event on a channel in a language (Liquid). Saving makes a new version; the
/// highest is the active one; older ones stay as history. Version 1 of every template is the default shipped in
/// Notifications/Data/notification-templates.json and is not stored: the first save makes version 2.
/// </summary>
public sealed class NotificationTemplate
{
    private NotificationTemplate()
    {
        EventCode = Channel = Language = Body = string.Empty;
    }

    public string EventCode { get; private set; }

    public string Channel { get; private set; }

    /// <summary>"zh" or "en".</summary>
    public string Language { get; private set; }

    public int Version { get; private set; }

    /// <summary>The inbox title or the e-mail subject (Liquid); null for SMS.</summary>
    public string? Subject { get; private set; }

    public string Body { get; private set; }

    public DateTimeOffset CreatedAt { get; private set; }

    /// <summary>The operator who saved it.</summary>
    public Guid? CreatedBy { get; private set; }

    public static NotificationTemplate Save(string eventCode, string channel, string language, int version, string? subject, string body, Guid? by, DateTimeOffset now) => new()
    {
        EventCode = eventCode,
        Channel = channel,
        Language = language,
        Version = version,
        Subject = subject,
        Body = body,
        CreatedBy = by,
        CreatedAt = now,
    };
}

public sealed class NotificationTemplateConfiguration : IEntityTypeConfiguration<NotificationTemplate>
{
    public void Configure(EntityTypeBuilder<NotificationTemplate> builder)
    {
        builder.ToTable("notification_templates");

        // Two operators saving at once both aim at the next version: the key lets one win and the other hear 409.
        builder.HasKey(t => new { t.EventCode, t.Channel, t.Language, t.Version });
    }
}
