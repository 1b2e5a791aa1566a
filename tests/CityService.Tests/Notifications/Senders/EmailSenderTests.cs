using CityService.Core.Notifications;
using CityService.Core.Notifications.Senders;
using CityService.Core.Outbox;
using CityService.Tests.Infrastructure;
using MailKit.Security;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using MimeKit;

namespace CityService.Tests.Notifications.Senders;

/// <summary>E-mail notifications through MailKit to a real SMTP server on loopback (aiosmtpd), read back and parsed.</summary>
public sealed class EmailSenderTests(SmtpSinkFixture smtp) : IClassFixture<SmtpSinkFixture>
{
    private sealed class Addresses(string? address) : IAccountEmailAddresses
    {
        public Task<string?> FindAsync(Guid accountId, CancellationToken ct) => Task.FromResult(address);
    }

    private EmailOutboxSender Sender(string? address, int? port = null)
    {
        var options = new EmailOptions("127.0.0.1", port ?? smtp.Port, SecureSocketOptions.None, "noreply@city.example", "城市服务", "city.example");
        var scopes = new ServiceCollection().BuildServiceProvider().GetRequiredService<IServiceScopeFactory>();
        return new EmailOutboxSender(new ScopesWith(scopes, new EchoRenderer(), new Addresses(address)), new SmtpEmailTransport(options), options, NullLogger<EmailOutboxSender>.Instance);
    }

    private static OutboxDelivery Delivery(Guid key, Guid account) => new(key, "email", "000000", NotificationPayload.Write(new NotificationEnvelope(
        account, "identity.verified", 3, "zh", new Dictionary<string, string> { ["level"] = "L2", ["when"] = "12月1日 <b>" })), 1);

    [Fact]
    public async Task A_notification_arrives_as_multipart_text_and_html_with_a_chinese_subject_and_our_message_id()
    {
        var key = Guid.CreateVersion7();
        LogCapture.Sensitive("citizen.one@example.cn");
        var before = smtp.Received;
        var result = await Sender("张三 <citizen.one@example.cn>").SendAsync(Delivery(key, Guid.NewGuid()), CancellationToken.None);
        Assert.Equal(OutboxSendResult.Delivered, result);

        var path = await smtp.MessageAsync(before + 1);
        var raw = await File.ReadAllTextAsync(path);
        Assert.Matches(@"(?m)^Subject: =\?utf-8\?[BbQq]\?", raw); // encoded per RFC 2047, not raw UTF-8 bytes
        var message = await MimeMessage.LoadAsync(path);
        Assert.Equal("【城市服务】身份核验通过 · identity.verified", message.Subject);
        Assert.Equal($"{key:D}@city.example", message.MessageId);
        Assert.Equal("\"城市服务\" <noreply@city.example>", message.From.ToString());
        Assert.Equal("citizen.one@example.cn", Assert.Single(message.To.Mailboxes).Address);
        Assert.Equal("zh-CN", message.Body!.Headers[HeaderId.ContentLanguage]);
        Assert.Equal("auto-generated", message.Headers["Auto-Submitted"]);
        Assert.Equal("multipart/alternative", message.Body!.ContentType.MimeType);
        Assert.Equal("您好：\nidentity.verified v3 zh: level=L2, when=12月1日 <b>", message.TextBody!.ReplaceLineEndings("\n").TrimEnd());
        Assert.Equal("<p>identity.verified &lt;v3&gt;</p><p>level=L2, when=12月1日 <b></p>", message.HtmlBody!.TrimEnd());
    }

    [Fact]
    public async Task No_address_is_rejected_and_a_mail_server_away_is_retried()
    {
        Assert.Equal(OutboxSendOutcome.Reject, (await Sender(null).SendAsync(Delivery(Guid.CreateVersion7(), Guid.NewGuid()), CancellationToken.None)).Outcome);
        Assert.Equal(OutboxSendOutcome.Reject, (await Sender("a@example.cn").SendAsync(Delivery(Guid.CreateVersion7(), Guid.NewGuid()) with { Payload = "{}" }, CancellationToken.None)).Outcome);

        var away = await Sender("a@example.cn", port: 1).SendAsync(Delivery(Guid.CreateVersion7(), Guid.NewGuid()), CancellationToken.None);
        Assert.Equal(OutboxSendOutcome.Retry, away.Outcome);
        Assert.StartsWith("smtp.", away.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_a_templates_html_the_text_is_escaped_into_paragraphs()
    {
        var message = Sender("a@example.cn").Compose(new MailboxAddress(null, "a@example.cn"), new RenderedNotification("主题", "第一段 <script>\n\n第二段 & 更多", null), Guid.CreateVersion7(), "en");
        Assert.Equal("<p>第一段 &lt;script&gt;</p><p>第二段 &amp; 更多</p>", message.HtmlBody);
        Assert.Equal("en", message.Body!.Headers[HeaderId.ContentLanguage]);
    }
}
