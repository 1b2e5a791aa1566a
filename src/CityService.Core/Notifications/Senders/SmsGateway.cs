using CityService.Core.Identity;
using CityService.Core.Outbox;

namespace CityService.Core.Notifications.Senders;

/// <summary>What the gateway made of one text: the outcome for the outbox, the provider's code and its receipt id.</summary>
public sealed record SmsGatewayResult(OutboxSendOutcome Outcome, string Code, string? BizId)
{
    public bool Delivered => Outcome == OutboxSendOutcome.Delivered;
}

/// <summary>
/// Sends one text message through the configured SMS gateway (the real provider or its simulator). The text is the
/// message without the platform's signature: the gateway puts its registered signature (【城市服务】) in front.
/// </summary>
public interface ISmsGateway
{
    /// <param name="outId">The idempotency key the provider keeps with the message (<c>OutId</c>).</param>
    Task<SmsGatewayResult> SendAsync(PhoneNumber to, string text, string outId, CancellationToken ct);
}

/// <summary>The SMS gateway's settings (<c>Sms:*</c>). The secret never appears in <see cref="ToString"/> or a log.</summary>
public sealed record AliyunSmsOptions(Uri Endpoint, string AccessKeyId, string AccessKeySecret, string SignName, string TemplateCode)
{
    /// <summary>The template's one parameter that carries the whole rendered text.</summary>
    public string TemplateParameter { get; init; } = "content";

    public string RegionId { get; init; } = "cn-hangzhou";

    /// <summary>How long one call may take before it counts as a failure to retry.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    public override string ToString() =>
        $"AliyunSmsOptions {{ Endpoint = {Endpoint}, AccessKeyId = {AccessKeyId}, SignName = {SignName}, TemplateCode = {TemplateCode}, TemplateParameter = {TemplateParameter}, RegionId = {RegionId} }}";
}

/// <summary>Error codes of the senders (SMS gateway and email).</summary>
public static class SenderErrors
{
    /// <summary>A text (e.g. a sign-in code) could not be sent now: the gateway refused or did not answer.</summary>
    public const string SmsUnavailable = "sms.unavailable";
}

/// <summary>Thrown by an <see cref="Identity.SignIn.ISmsSender"/> when the gateway did not take the text.</summary>
public sealed class SmsNotSentException(string code) : Exception($"The SMS gateway did not take the message ({code}).")
{
    public string Code { get; } = code;
}
