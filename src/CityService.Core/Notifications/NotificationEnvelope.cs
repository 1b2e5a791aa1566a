using System.Text.Json;

namespace CityService.Core.Notifications;

/// <summary>
/// The outbox payload of one notification on one outside channel ("sms", "email"), serialised as JSON. It names the
/// recipient by account id — the sender looks the phone or e-mail address up (and decrypts it) when it sends — so no
/// personal data rests in the outbox in clear. The text is rendered at send time from the template version named here.
/// </summary>
/// <param name="AccountId">The recipient.</param>
/// <param name="Event">The notification event code, e.g. "identity.verified".</param>
/// <param name="TemplateVersion">The template version current when the notification was made (rendered with it).</param>
/// <param name="Language">"zh" or "en": the recipient's language when the notification was made.</param>
/// <param name="Variables">The event's variables (never personal data in clear).</param>
public sealed record NotificationEnvelope(
    Guid AccountId,
    string Event,
    int TemplateVersion,
    string Language,
    IReadOnlyDictionary<string, string> Variables);

/// <summary>A rendered message for one channel: the subject (email; null for SMS) and the text (and HTML for email).</summary>
public sealed record RenderedNotification(string? Subject, string Text, string? Html);

/// <summary>Renders an event's template for a channel and language (the notification templates are data).</summary>
public interface INotificationRenderer
{
    /// <summary>Renders with the given template version (or the active one when it no longer exists).</summary>
    Task<RenderedNotification> RenderAsync(string eventCode, string channel, string language, int templateVersion,
        IReadOnlyDictionary<string, string> variables, CancellationToken ct);
}

/// <summary>The one JSON form of a <see cref="NotificationEnvelope"/> in the outbox: written by Notify, read by the senders (null when a payload is not one).</summary>
public static class NotificationPayload
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static string Write(NotificationEnvelope envelope) => JsonSerializer.Serialize(envelope, Json);

    public static NotificationEnvelope? Read(string payload)
    {
        try
        {
            var envelope = JsonSerializer.Deserialize<NotificationEnvelope>(payload, Json);
            return envelope is { AccountId: var id, Event: { Length: > 0 }, Language: { Length: > 0 }, Variables: not null } && id != Guid.Empty ? envelope : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
