using System.Net;
using System.Net.Http.Json;
using CityService.Core.Notifications;
using CityService.Core.Notifications.Senders;
using CityService.Core.Outbox;
using CityService.Tests.Infrastructure;
using CityService.Web.Features.Notifications.Senders;
using Microsoft.Extensions.DependencyInjection;

namespace CityService.Tests.Notifications.Senders;

/// <summary>The host's senders on its own database: the sign-in code through the gateway, and the outbox's SMS channel.</summary>
public abstract class SendersHttpTests(AppFixture app)
{
    private static int _next;
    private readonly HttpClient _client = app.Client();

    private static string NewPhone() => "137" + Interlocked.Increment(ref _next).ToString("00000000", System.Globalization.CultureInfo.InvariantCulture);

    private SmsGatewaySimulator.SmsGatewaySimulator Simulator =>
        app.Service<SendersSetup.InProcessSmsGateway>().Host?.Simulator ?? throw new InvalidOperationException("No text has gone through the gateway simulator yet.");

    private async Task<Guid> AccountFor(string phone)
    {
        (await _client.PostAsJsonAsync("/api/auth/otp", new { phone })).EnsureSuccessStatusCode();
        var verified = await (await _client.PostAsJsonAsync("/api/auth/otp/verify", new { agreed = TestConsents.Agreed, phone, code = app.Sms.LastCodeFor(phone) })).Json();
        var me = await app.BearerClient(verified.GetProperty("accessToken").GetString()!).GetFromJsonAsync<System.Text.Json.JsonElement>("/api/me");
        return me.GetProperty("id").GetGuid();
    }

    private SmsOutboxSender SmsSender() =>
        new(new ScopesWith(app.Service<IServiceScopeFactory>(), new EchoRenderer()), app.Service<ISmsGateway>());

    private static OutboxDelivery Delivery(Guid key, Guid account, int attempt = 1) => new(key, "sms", "000000", NotificationPayload.Write(new NotificationEnvelope(
        account, "identity.verified", 2, "zh", new Dictionary<string, string> { ["level"] = "L2" })), attempt);

    [Fact]
    public async Task A_sign_in_code_reaches_the_gateway_simulator_through_the_adapter()
    {
        var phone = NewPhone();
        var sent = await _client.PostAsJsonAsync("/api/auth/otp", new { phone });
        Assert.Equal(HttpStatusCode.Accepted, sent.StatusCode);

        var message = Assert.Single(Simulator.Messages(phone));
        Assert.Equal($"【城市服务】您的登录验证码是 {app.Sms.LastCodeFor(phone)}，5 分钟内有效。请勿告诉他人。", message.Text);
        Assert.True(Guid.TryParse(message.OutId, out _));
    }

    [Fact]
    public async Task A_gateway_refusing_the_code_answers_503_naming_the_problem_in_both_languages()
    {
        var phone = NewPhone();
        (await _client.PostAsJsonAsync("/api/auth/otp", new { phone = NewPhone() })).EnsureSuccessStatusCode(); // the simulator is running
        Simulator.FailNext("isv.BUSINESS_LIMIT_CONTROL");
        var zh = await _client.PostAsJsonAsync("/api/auth/otp", new { phone });
        Assert.Equal(HttpStatusCode.ServiceUnavailable, zh.StatusCode);
        var problem = await zh.Json(HttpStatusCode.ServiceUnavailable);
        Assert.Equal("sms.unavailable", problem.GetProperty("code").GetString());
        Assert.Contains("短信暂时无法发送", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        Simulator.FailNext("500");
        app.Time.Advance(TimeSpan.FromMinutes(1));
        var en = await app.Client("en").PostAsJsonAsync("/api/auth/otp", new { phone });
        Assert.Equal(HttpStatusCode.ServiceUnavailable, en.StatusCode);
        Assert.Contains("could not be sent", (await en.Json(HttpStatusCode.ServiceUnavailable)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Empty(Simulator.Messages(phone));
    }

    [Fact]
    public async Task An_sms_notification_goes_to_the_accounts_phone_once_whatever_the_repeats()
    {
        var phone = NewPhone();
        var account = await AccountFor(phone);
        var key = Guid.CreateVersion7();
        var sender = SmsSender();

        Assert.Equal(OutboxSendResult.Delivered, await sender.SendAsync(Delivery(key, account), CancellationToken.None));
        Assert.Equal(OutboxSendResult.Delivered, await sender.SendAsync(Delivery(key, account, attempt: 2), CancellationToken.None)); // a crash between send and mark

        var notification = Assert.Single(Simulator.Messages(phone), m => m.OutId == key.ToString("D"));
        Assert.Equal("【城市服务】identity.verified v2 zh: level=L2", notification.Text);
        Assert.Single(Simulator.Messages(phone), m => m.OutId == key.ToString("D"));
    }

    [Fact]
    public async Task An_sms_notification_to_no_account_or_a_bad_payload_is_rejected_and_a_throttled_one_retried()
    {
        var sender = SmsSender();
        Assert.Equal(new OutboxSendResult(OutboxSendOutcome.Reject, "recipient.not-found"), await sender.SendAsync(Delivery(Guid.CreateVersion7(), Guid.NewGuid()), CancellationToken.None));
        Assert.Equal(OutboxSendOutcome.Reject, (await sender.SendAsync(Delivery(Guid.CreateVersion7(), Guid.NewGuid()) with { Payload = "not json" }, CancellationToken.None)).Outcome);

        var account = await AccountFor(NewPhone());
        Simulator.FailNext("isv.BUSINESS_LIMIT_CONTROL");
        Assert.Equal(new OutboxSendResult(OutboxSendOutcome.Retry, "sms.isv.BUSINESS_LIMIT_CONTROL"), await sender.SendAsync(Delivery(Guid.CreateVersion7(), account), CancellationToken.None));
    }

    [Fact]
    public void The_host_registers_a_sender_for_the_sms_and_email_channels() =>
        Assert.Equal(["email", "sms"], app.Service<IEnumerable<IOutboxSender>>().Select(s => s.Channel).Order());
}

public sealed class SendersHttpTests_Sqlite(SqliteApp app) : SendersHttpTests(app), IClassFixture<SqliteApp>;

public sealed class SendersHttpTests_Postgres(PostgresApp app) : SendersHttpTests(app), IClassFixture<PostgresApp>;
