using System.Net.Http.Json;
using System.Text.Json;
using CityService.Core.Common;
using CityService.Core.Identity;
using CityService.Core.Notifications.Senders;
using CityService.Core.Outbox;
using CityService.SmsGatewaySimulator;
using CityService.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace CityService.Tests.Notifications.Senders;

/// <summary>One gateway simulator on loopback for the class, spoken to by the real adapter over HTTP.</summary>
public sealed class SmsGatewayFixture : IAsyncLifetime
{
    public const string KeyId = "LTAI-tests";
    public const string Secret = "tests-secret-0123456789";
    public const string Template = "SMS_CITYSERVICE_GENERIC";

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 12, 1, 8, 0, 0, TimeSpan.Zero));

    public SmsGatewaySimulatorHost Host { get; private set; } = null!;

    public HttpClient Http { get; } = new();

    public AliyunSmsClient Adapter(string keyId = KeyId, string secret = Secret, string template = Template, string signName = "城市服务") =>
        new(Http, new AliyunSmsOptions(Host.BaseAddress, keyId, secret, signName, template), Time, NullLogger<AliyunSmsClient>.Instance);

    public async Task InitializeAsync() => Host = await SmsGatewaySimulatorHost.StartAsync(SmsGatewaySimulatorOptions.ForKey(KeyId, Secret), Time);

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await Host.DisposeAsync();
    }
}

public sealed class SmsGatewayTests(SmsGatewayFixture gateway) : IClassFixture<SmsGatewayFixture>
{
    private static int _next;

    private static PhoneNumber NewPhone()
    {
        var phone = PhoneNumber.Parse("139" + Interlocked.Increment(ref _next).ToString("00000000", System.Globalization.CultureInfo.InvariantCulture)).Value!;
        LogCapture.Sensitive(phone.Value);
        return phone;
    }

    [Fact]
    public async Task A_text_arrives_with_the_gateways_signature_and_our_out_id()
    {
        var phone = NewPhone();
        var outId = Guid.NewGuid().ToString("D");
        var result = await gateway.Adapter().SendAsync(phone, "您的登录验证码是 482913，5 分钟内有效。", outId, CancellationToken.None);

        Assert.Equal(new SmsGatewayResult(OutboxSendOutcome.Delivered, "OK", result.BizId), result);
        Assert.NotNull(result.BizId);
        var message = Assert.Single(gateway.Host.Simulator.Messages(phone.Value));
        Assert.Equal(("【城市服务】您的登录验证码是 482913，5 分钟内有效。", outId, result.BizId), (message.Text, message.OutId, message.BizId));

        // The small API for tests and local runs shows the same.
        var listed = await gateway.Http.GetFromJsonAsync<JsonElement>(new Uri(gateway.Host.BaseAddress, "messages?phone=" + phone.Value));
        Assert.Equal(message.Text, Assert.Single(listed.EnumerateArray()).GetProperty("text").GetString());
    }

    [Fact]
    public async Task The_same_out_id_twice_is_one_message_with_one_receipt()
    {
        var phone = NewPhone();
        var outId = Guid.NewGuid().ToString("D");
        var first = await gateway.Adapter().SendAsync(phone, "您的申请已受理。", outId, CancellationToken.None);
        var again = await gateway.Adapter().SendAsync(phone, "您的申请已受理。", outId, CancellationToken.None);

        Assert.True(first.Delivered && again.Delivered);
        Assert.Equal(first.BizId, again.BizId);
        Assert.Single(gateway.Host.Simulator.Messages(phone.Value));
    }

    [Fact]
    public async Task A_wrong_secret_is_signature_does_not_match_and_retried_an_unknown_key_too()
    {
        var phone = NewPhone();
        var wrong = await gateway.Adapter(secret: "not-the-secret").SendAsync(phone, "x", Guid.NewGuid().ToString("D"), CancellationToken.None);
        var unknown = await gateway.Adapter(keyId: "LTAI-nobody").SendAsync(phone, "x", Guid.NewGuid().ToString("D"), CancellationToken.None);

        Assert.Equal((OutboxSendOutcome.Retry, "SignatureDoesNotMatch"), (wrong.Outcome, wrong.Code));
        Assert.Equal((OutboxSendOutcome.Retry, "InvalidAccessKeyId.NotFound"), (unknown.Outcome, unknown.Code));
        Assert.Empty(gateway.Host.Simulator.Messages(phone.Value));
    }

    [Fact]
    public async Task A_parameter_changed_after_signing_is_refused()
    {
        var adapter = gateway.Adapter();
        var parameters = adapter.Parameters("13900000000", "x", "tampered", Guid.NewGuid().ToString("D"), gateway.Time.GetUtcNow());
        parameters["Signature"] = AliyunRpcSignature.Sign("POST", parameters, SmsGatewayFixture.Secret);
        parameters["PhoneNumbers"] = "13900000001";
        using var response = await gateway.Http.PostAsync(gateway.Host.BaseAddress, new FormUrlEncodedContent(parameters));
        var answer = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(400, (int)response.StatusCode);
        Assert.Equal("SignatureDoesNotMatch", answer.GetProperty("Code").GetString());
        Assert.DoesNotContain(gateway.Host.Simulator.Messages(), m => m.OutId == "tampered");
    }

    [Fact]
    public async Task A_signed_get_is_accepted_and_a_replayed_nonce_or_a_stale_timestamp_is_not()
    {
        var adapter = gateway.Adapter();
        var parameters = adapter.Parameters("13900000000", "经 GET 发送", Guid.NewGuid().ToString("D"), Guid.NewGuid().ToString("D"), gateway.Time.GetUtcNow());
        parameters["Signature"] = AliyunRpcSignature.Sign("GET", parameters, SmsGatewayFixture.Secret);
        var url = new Uri(gateway.Host.BaseAddress, "?" + string.Join('&', parameters.Select(p => AliyunRpcSignature.PercentEncode(p.Key) + "=" + AliyunRpcSignature.PercentEncode(p.Value))));
        Assert.Equal("OK", (await gateway.Http.GetFromJsonAsync<JsonElement>(url)).GetProperty("Code").GetString());
        using var replay = await gateway.Http.GetAsync(url);
        Assert.Equal("SignatureNonceUsed", (await replay.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("Code").GetString());

        var stale = adapter.Parameters("13900000000", "x", Guid.NewGuid().ToString("D"), Guid.NewGuid().ToString("D"), gateway.Time.GetUtcNow().AddMinutes(-16));
        stale["Signature"] = AliyunRpcSignature.Sign("POST", stale, SmsGatewayFixture.Secret);
        using var late = await gateway.Http.PostAsync(gateway.Host.BaseAddress, new FormUrlEncodedContent(stale));
        Assert.Equal("InvalidTimeStamp.Expired", (await late.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("Code").GetString());
    }

    [Theory]
    [InlineData("isv.BUSINESS_LIMIT_CONTROL", OutboxSendOutcome.Retry)]
    [InlineData("500", OutboxSendOutcome.Retry)]
    [InlineData("isv.MOBILE_NUMBER_ILLEGAL", OutboxSendOutcome.Reject)]
    public async Task The_gateways_refusals_become_retry_or_reject(string answer, OutboxSendOutcome outcome)
    {
        var phone = NewPhone();
        gateway.Host.Simulator.FailNext(answer);
        var result = await gateway.Adapter().SendAsync(phone, "x", Guid.NewGuid().ToString("D"), CancellationToken.None);

        Assert.Equal(outcome, result.Outcome);
        Assert.Empty(gateway.Host.Simulator.Messages(phone.Value));
    }

    [Fact]
    public async Task An_unapproved_template_or_sign_name_is_rejected()
    {
        var phone = NewPhone();
        var template = await gateway.Adapter(template: "SMS_UNKNOWN").SendAsync(phone, "x", Guid.NewGuid().ToString("D"), CancellationToken.None);
        var signName = await gateway.Adapter(signName: "别的签名").SendAsync(phone, "x", Guid.NewGuid().ToString("D"), CancellationToken.None);

        Assert.Equal((OutboxSendOutcome.Reject, "isv.SMS_TEMPLATE_ILLEGAL"), (template.Outcome, template.Code));
        Assert.Equal((OutboxSendOutcome.Reject, "isv.SMS_SIGNATURE_ILLEGAL"), (signName.Outcome, signName.Code));
    }

    [Fact]
    public async Task An_unreachable_gateway_is_retried()
    {
        using var http = new HttpClient();
        var closed = new AliyunSmsClient(http, new AliyunSmsOptions(new Uri("http://127.0.0.1:1/"), SmsGatewayFixture.KeyId, SmsGatewayFixture.Secret, "城市服务", SmsGatewayFixture.Template),
            gateway.Time, NullLogger<AliyunSmsClient>.Instance);
        var result = await closed.SendAsync(NewPhone(), "x", Guid.NewGuid().ToString("D"), CancellationToken.None);
        Assert.Equal((OutboxSendOutcome.Retry, "unreachable"), (result.Outcome, result.Code));
    }

    [Fact]
    public async Task The_code_sender_sends_in_the_requests_language_and_throws_when_the_gateway_refuses()
    {
        var phone = NewPhone();
        var sender = new GatewaySmsSender(gateway.Adapter());
        var text = new LocalizedText("【城市服务】您的登录验证码是 111111。", "[CityService] Your sign-in code is 111111.");
        var culture = System.Globalization.CultureInfo.CurrentUICulture;
        try
        {
            System.Globalization.CultureInfo.CurrentUICulture = new("en");
            await sender.SendAsync(phone, text, CancellationToken.None);
        }
        finally
        {
            System.Globalization.CultureInfo.CurrentUICulture = culture;
        }

        Assert.Equal("【城市服务】Your sign-in code is 111111.", Assert.Single(gateway.Host.Simulator.Messages(phone.Value)).Text);
        gateway.Host.Simulator.FailNext("isv.BUSINESS_LIMIT_CONTROL");
        var refused = await Assert.ThrowsAsync<SmsNotSentException>(() => sender.SendAsync(phone, text, CancellationToken.None));
        Assert.Equal("isv.BUSINESS_LIMIT_CONTROL", refused.Code);
    }
}
