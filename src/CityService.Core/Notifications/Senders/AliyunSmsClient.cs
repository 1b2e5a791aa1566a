using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using CityService.Core.Identity;
using CityService.Core.Outbox;
using Microsoft.Extensions.Logging;

namespace CityService.Core.Notifications.Senders;

/// <summary>
/// The SMS gateway adapter: Alibaba Cloud's SendSms over HTTPS (form POST), signed with the RPC signature V1
/// (<see cref="AliyunRpcSignature"/>). Sends the rendered text as the one parameter of a generic template
/// (<see cref="AliyunSmsOptions.TemplateParameter"/>) and our idempotency key as <c>OutId</c>. Logs the provider's code
/// and receipt id only — never the number, the text or the secret.
/// </summary>
public sealed partial class AliyunSmsClient(HttpClient http, AliyunSmsOptions options, TimeProvider time, ILogger<AliyunSmsClient> logger) : ISmsGateway
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task<SmsGatewayResult> SendAsync(PhoneNumber to, string text, string outId, CancellationToken ct)
    {
        var parameters = Parameters(to.Value, text, outId, Guid.NewGuid().ToString("D"), time.GetUtcNow());
        parameters["Signature"] = AliyunRpcSignature.Sign("POST", parameters, options.AccessKeySecret);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(options.Timeout);
        try
        {
            using var response = await http.PostAsync(options.Endpoint, new FormUrlEncodedContent(parameters), timeout.Token);
            var status = (int)response.StatusCode;
            SendSmsAnswer? answer = null;
            try
            {
                answer = await response.Content.ReadFromJsonAsync<SendSmsAnswer>(Json, timeout.Token);
            }
            catch (JsonException)
            {
                // not the provider's JSON (a proxy's error page): classified by the status alone
            }

            var code = answer?.Code ?? $"http.{status.ToString(CultureInfo.InvariantCulture)}";
            var outcome = AliyunSmsApi.Classify(status, answer?.Code);
            if (outcome == OutboxSendOutcome.Delivered)
            {
                LogSent(answer!.BizId, answer.RequestId);
            }
            else if (code is AliyunSmsApi.Codes.SignatureDoesNotMatch or AliyunSmsApi.Codes.InvalidAccessKeyId)
            {
                LogCredentials(code, options.AccessKeyId);
            }
            else
            {
                LogRefused(code, status, answer?.RequestId);
            }

            return new SmsGatewayResult(outcome, code, answer?.BizId);
        }
        catch (Exception e) when (e is HttpRequestException || (e is OperationCanceledException && !ct.IsCancellationRequested))
        {
            LogUnreachable(e.GetType().Name);
            return new SmsGatewayResult(OutboxSendOutcome.Retry, e is OperationCanceledException ? "timeout" : "unreachable", null);
        }
    }

    /// <summary>The request's parameters before signing (public for the signature tests).</summary>
    public Dictionary<string, string> Parameters(string phone, string text, string outId, string nonce, DateTimeOffset now) => new(StringComparer.Ordinal)
    {
        ["AccessKeyId"] = options.AccessKeyId,
        ["Action"] = AliyunSmsApi.Action,
        ["Format"] = "JSON",
        ["RegionId"] = options.RegionId,
        ["SignatureMethod"] = AliyunSmsApi.SignatureMethod,
        ["SignatureNonce"] = nonce,
        ["SignatureVersion"] = AliyunSmsApi.SignatureVersion,
        ["Timestamp"] = now.UtcDateTime.ToString(AliyunSmsApi.TimestampFormat, CultureInfo.InvariantCulture),
        ["Version"] = AliyunSmsApi.Version,
        ["PhoneNumbers"] = phone,
        ["SignName"] = options.SignName,
        ["TemplateCode"] = options.TemplateCode,
        ["TemplateParam"] = JsonSerializer.Serialize(new Dictionary<string, string> { [options.TemplateParameter] = text }),
        ["OutId"] = outId,
    };

    private sealed record SendSmsAnswer(
        [property: JsonPropertyName("Code")] string? Code,
        [property: JsonPropertyName("Message")] string? Message,
        [property: JsonPropertyName("BizId")] string? BizId,
        [property: JsonPropertyName("RequestId")] string? RequestId);

    [LoggerMessage(Level = LogLevel.Information, Message = "SMS accepted by the gateway (BizId {BizId}, RequestId {RequestId})")]
    private partial void LogSent(string? bizId, string? requestId);

    [LoggerMessage(Level = LogLevel.Error, Message = "The SMS gateway refused our credentials ({Code}) for AccessKeyId {AccessKeyId}: check Sms:AccessKeyId and Sms:AccessKeySecret")]
    private partial void LogCredentials(string code, string accessKeyId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The SMS gateway did not take a message: {Code} (HTTP {Status}, RequestId {RequestId})")]
    private partial void LogRefused(string code, int status, string? requestId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The SMS gateway could not be reached ({Failure})")]
    private partial void LogUnreachable(string failure);
}
