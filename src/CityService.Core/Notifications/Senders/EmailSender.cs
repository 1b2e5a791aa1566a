using System.Net;
using System.Net.Sockets;
using CityService.Core.Outbox;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MimeKit;

namespace CityService.Core.Notifications.Senders;

/// <summary>Where e-mail goes from (<c>Email:*</c>). The password never appears in <see cref="ToString"/> or a log.</summary>
public sealed record EmailOptions(string Host, int Port, SecureSocketOptions Security, string FromAddress, string FromName, string MessageIdDomain)
{
    public string? User { get; init; }

    public string? Password { get; init; }

    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(15);

    public override string ToString() =>
        $"EmailOptions {{ Host = {Host}, Port = {Port}, Security = {Security}, FromAddress = {FromAddress}, User = {User}, MessageIdDomain = {MessageIdDomain} }}";
}

/// <summary>Hands one finished message to the mail system (SMTP, or a folder on a developer's machine).</summary>
public interface IEmailTransport
{
    Task SendAsync(MimeMessage message, CancellationToken ct);
}

/// <summary>An account's e-mail address, decrypted, or null when it has none (the address is an optional account field).</summary>
public interface IAccountEmailAddresses
{
    Task<string?> FindAsync(Guid accountId, CancellationToken ct);
}

/// <summary>The address the citizen set (<c>PUT /api/me/email</c>), stored encrypted on the account.</summary>
public sealed class StoredAccountEmailAddresses(CityDbContext db, Identity.PersonalDataProtector protector) : IAccountEmailAddresses
{
    public async Task<string?> FindAsync(Guid accountId, CancellationToken ct)
    {
        var cipher = await db.Accounts.AsNoTracking().Where(a => a.Id == accountId).Select(a => a.EmailCipher).SingleOrDefaultAsync(ct);
        return cipher is null ? null : protector.Decrypt(cipher, "email");
    }
}

/// <summary>SMTP through MailKit: one connection per message (notifications are few; no idle connection to keep alive).</summary>
public sealed class SmtpEmailTransport(EmailOptions options) : IEmailTransport
{
    public async Task SendAsync(MimeMessage message, CancellationToken ct)
    {
        using var smtp = new SmtpClient { Timeout = (int)options.Timeout.TotalMilliseconds };
        await smtp.ConnectAsync(options.Host, options.Port, options.Security, ct);
        if (!string.IsNullOrEmpty(options.User))
        {
            await smtp.AuthenticateAsync(options.User, options.Password ?? string.Empty, ct);
        }

        await smtp.SendAsync(message, ct);
        await smtp.DisconnectAsync(true, ct);
    }
}

/// <summary>The local-run stand-in for an SMTP server: each message becomes an .eml file in a folder (Development).</summary>
public sealed class PickupDirectoryEmailTransport(string directory) : IEmailTransport
{
    public string Directory { get; } = directory;

    public async Task SendAsync(MimeMessage message, CancellationToken ct)
    {
        System.IO.Directory.CreateDirectory(Directory);
        var name = string.Concat((message.MessageId ?? Guid.NewGuid().ToString("D")).Split(Path.GetInvalidFileNameChars())) + ".eml";
        await message.WriteToAsync(Path.Combine(Directory, name), ct);
    }
}

/// <summary>
/// Delivers outbox messages of channel <c>email</c>: the payload is a <see cref="NotificationEnvelope"/>; the address is
/// looked up (and decrypted) now; subject, text and HTML are rendered from the template version the envelope names;
/// the outbox message id becomes the Message-ID (<c>&lt;id@domain&gt;</c>), so a receiver can drop a repeat.
/// A 5xx answer about the recipient or a missing address → rejected; anything transient (4xx, network, timeout) → retried.
/// </summary>
public sealed partial class EmailOutboxSender(IServiceScopeFactory scopes, IEmailTransport transport, EmailOptions options, ILogger<EmailOutboxSender> logger) : IOutboxSender
{
    public const string ChannelName = "email";

    public string Channel => ChannelName;

    public async Task<OutboxSendResult> SendAsync(OutboxDelivery delivery, CancellationToken ct)
    {
        if (NotificationPayload.Read(delivery.Payload) is not { } envelope)
        {
            return OutboxSendResult.Reject("payload.invalid");
        }

        await using var scope = scopes.CreateAsyncScope();
        var address = await scope.ServiceProvider.GetRequiredService<IAccountEmailAddresses>().FindAsync(envelope.AccountId, ct);
        if (string.IsNullOrWhiteSpace(address) || !MailboxAddress.TryParse(address, out var to))
        {
            return OutboxSendResult.Reject("recipient.no-email");
        }

        var rendered = await scope.ServiceProvider.GetRequiredService<INotificationRenderer>()
            .RenderAsync(envelope.Event, ChannelName, envelope.Language, envelope.TemplateVersion, envelope.Variables, ct);
        var message = Compose(to, rendered, delivery.IdempotencyKey, envelope.Language);
        try
        {
            await transport.SendAsync(message, ct);
            LogSent(message.MessageId ?? string.Empty);
            return OutboxSendResult.Delivered;
        }
        catch (SmtpCommandException e) when ((int)e.StatusCode >= 500 && e.ErrorCode is SmtpErrorCode.RecipientNotAccepted)
        {
            LogRefused((int)e.StatusCode, e.ErrorCode.ToString());
            return OutboxSendResult.Reject($"smtp.{(int)e.StatusCode}");
        }
        catch (SmtpCommandException e)
        {
            LogRefused((int)e.StatusCode, e.ErrorCode.ToString());
            return OutboxSendResult.Retry($"smtp.{(int)e.StatusCode}");
        }
        catch (Exception e) when (e is SmtpProtocolException or AuthenticationException or SslHandshakeException or IOException or SocketException or ServiceNotConnectedException
                                       || (e is OperationCanceledException && !ct.IsCancellationRequested))
        {
            LogUnreachable(e.GetType().Name);
            return OutboxSendResult.Retry("smtp." + e.GetType().Name);
        }
    }

    /// <summary>A multipart/alternative message: the text, and the HTML the template made (or the text, escaped, in paragraphs).</summary>
    public MimeMessage Compose(MailboxAddress to, RenderedNotification rendered, Guid idempotencyKey, string language)
    {
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress(options.FromName, options.FromAddress));
        message.To.Add(to);
        message.Subject = rendered.Subject ?? string.Empty;
        message.MessageId = $"{idempotencyKey:D}@{options.MessageIdDomain}";
        message.Headers.Add("Auto-Submitted", "auto-generated");
        var body = new BodyBuilder
        {
            TextBody = rendered.Text,
            HtmlBody = rendered.Html ?? string.Concat(rendered.Text.Split('\n', StringSplitOptions.TrimEntries)
                .Where(p => p.Length > 0).Select(p => "<p>" + WebUtility.HtmlEncode(p) + "</p>")),
        };
        message.Body = body.ToMessageBody();
        message.Body.Headers.Add(HeaderId.ContentLanguage, language == "en" ? "en" : "zh-CN"); // a Content-* header belongs to the body entity
        return message;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "E-mail handed to the mail server (Message-ID {MessageId})")]
    private partial void LogSent(string messageId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The mail server refused a message: {Status} {Error}")]
    private partial void LogRefused(int status, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The mail server could not be reached ({Failure})")]
    private partial void LogUnreachable(string failure);
}
