using CityService.Core.Identity;
using CityService.Core.Outbox;
using Microsoft.Extensions.DependencyInjection;

namespace CityService.Core.Notifications.Senders;

/// <summary>
/// Delivers outbox messages of channel <c>sms</c>: the payload is a <see cref="NotificationEnvelope"/>; the phone is
/// read from the account and decrypted only now; the text is rendered from the template version the envelope names;
/// the outbox message id goes to the gateway as <c>OutId</c>. No account (deleted) or no usable phone → rejected.
/// </summary>
public sealed class SmsOutboxSender(IServiceScopeFactory scopes, ISmsGateway gateway) : IOutboxSender
{
    public const string ChannelName = "sms";

    public string Channel => ChannelName;

    public async Task<OutboxSendResult> SendAsync(OutboxDelivery delivery, CancellationToken ct)
    {
        if (NotificationPayload.Read(delivery.Payload) is not { } envelope)
        {
            return OutboxSendResult.Reject("payload.invalid");
        }

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CityDbContext>();
        var cipher = await db.Accounts.AsNoTracking().Where(a => a.Id == envelope.AccountId).Select(a => a.PhoneCipher).SingleOrDefaultAsync(ct);
        if (string.IsNullOrEmpty(cipher))
        {
            return OutboxSendResult.Reject("recipient.not-found");
        }

        var phone = PhoneNumber.Parse(scope.ServiceProvider.GetRequiredService<PersonalDataProtector>().Decrypt(cipher, "phone"));
        if (!phone.IsOk)
        {
            return OutboxSendResult.Reject("recipient.no-phone");
        }

        var rendered = await scope.ServiceProvider.GetRequiredService<INotificationRenderer>()
            .RenderAsync(envelope.Event, ChannelName, envelope.Language, envelope.TemplateVersion, envelope.Variables, ct);
        var result = await gateway.SendAsync(phone.Value, GatewaySmsSender.WithoutSignature(rendered.Text), delivery.IdempotencyKey.ToString("D"), ct);
        return result.Outcome switch
        {
            OutboxSendOutcome.Delivered => OutboxSendResult.Delivered,
            OutboxSendOutcome.Retry => OutboxSendResult.Retry("sms." + result.Code),
            _ => OutboxSendResult.Reject("sms." + result.Code),
        };
    }
}
