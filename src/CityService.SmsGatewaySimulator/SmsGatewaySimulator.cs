using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using CityService.Core.Notifications.Senders;

namespace CityService.SmsGatewaySimulator;

/// <summary>The simulator's configuration: the key pairs it accepts (AccessKeyId → AccessKeySecret), sign names and templates.</summary>
public sealed record SmsGatewaySimulatorOptions(IReadOnlyDictionary<string, string> KeyPairs)
{
    /// <summary>Registered signatures (the text's 【…】 prefix); others answer isv.SMS_SIGNATURE_ILLEGAL.</summary>
    public IReadOnlySet<string> SignNames { get; init; } = new HashSet<string>(StringComparer.Ordinal) { "城市服务" };

    /// <summary>Approved templates and their one parameter; others answer isv.SMS_TEMPLATE_ILLEGAL.</summary>
    public IReadOnlyDictionary<string, string> Templates { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal) { ["SMS_CITYSERVICE_GENERIC"] = "content" };

    /// <summary>How far a request's timestamp may lie from the simulator's clock (the provider allows 15 minutes).</summary>
    public TimeSpan AllowedClockSkew { get; init; } = TimeSpan.FromMinutes(15);

    public static SmsGatewaySimulatorOptions ForKey(string accessKeyId, string accessKeySecret) =>
        new(new Dictionary<string, string>(StringComparer.Ordinal) { [accessKeyId] = accessKeySecret });

    public override string ToString() => $"SmsGatewaySimulatorOptions {{ KeyPairs = [{string.Join(", ", KeyPairs.Keys)}], SignNames = [{string.Join(", ", SignNames)}], Templates = [{string.Join(", ", Templates.Keys)}] }}";
}

/// <summary>One text the simulator took: what the phone would show (signature in front), and our idempotency key.</summary>
public sealed record SimulatedSms(string BizId, string Phone, string Text, string OutId, string TemplateCode, DateTimeOffset ReceivedAt);

/// <summary>The answer to one SendSms call: HTTP status and the provider's JSON body.</summary>
public sealed record SendSmsAnswer(int Status, string Code, string Message, string? BizId, string RequestId);

/// <summary>
/// Alibaba Cloud's SendSms, simulated in memory: checks the common and action parameters and the RPC signature V1 with
/// its configured key pairs, refuses reused nonces and stale timestamps, takes each OutId once (a repeat answers OK with
/// the first BizId and is not stored again) and keeps the messages for tests and local runs. It never logs numbers or texts.
/// </summary>
public sealed class SmsGatewaySimulator(SmsGatewaySimulatorOptions options, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, SimulatedSms> _byOutId = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<SimulatedSms> _messages = new();
    private readonly ConcurrentDictionary<string, DateTimeOffset> _nonces = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _faults = new();
    private readonly Lock _gate = new();
    private long _requests;

    public SmsGatewaySimulatorOptions Options => options;

    /// <summary>SendSms calls answered so far (accepted, repeated or refused).</summary>
    public long Requests => Interlocked.Read(ref _requests);

    /// <summary>Every message taken, oldest first (repeats of an OutId not again).</summary>
    public IReadOnlyList<SimulatedSms> Messages(string? phone = null) =>
        [.. _messages.Where(m => phone is null || m.Phone == phone)];

    /// <summary>The next <paramref name="count"/> well-signed calls answer <paramref name="code"/> (e.g. isv.BUSINESS_LIMIT_CONTROL, or "500").</summary>
    public void FailNext(string code, int count = 1)
    {
        for (var i = 0; i < count; i++)
        {
            _faults.Enqueue(code);
        }
    }

    public SendSmsAnswer Handle(string method, IReadOnlyDictionary<string, string> parameters)
    {
        Interlocked.Increment(ref _requests);
        var requestId = Guid.NewGuid().ToString("D").ToUpperInvariant();
        SendSmsAnswer Fail(int status, string code, string message) => new(status, code, message, null, requestId);

        foreach (var name in (string[])["AccessKeyId", "Action", "SignatureMethod", "SignatureNonce", "SignatureVersion", "Timestamp", "Version", "Signature"])
        {
            if (!parameters.TryGetValue(name, out var value) || value.Length == 0)
            {
                return Fail(400, AliyunSmsApi.Codes.MissingParameter, $"The input parameter \"{name}\" that is mandatory for processing this request is not supplied.");
            }
        }

        if (!options.KeyPairs.TryGetValue(parameters["AccessKeyId"], out var secret))
        {
            return Fail(404, AliyunSmsApi.Codes.InvalidAccessKeyId, "Specified access key is not found.");
        }

        if (parameters["SignatureMethod"] != AliyunSmsApi.SignatureMethod || parameters["SignatureVersion"] != AliyunSmsApi.SignatureVersion)
        {
            return Fail(400, "InvalidSignatureMethod", "Specified signature method is not supported.");
        }

        if (!AliyunRpcSignature.Verify(method, parameters, secret, parameters["Signature"]))
        {
            return Fail(400, AliyunSmsApi.Codes.SignatureDoesNotMatch, "Specified signature does not match our calculation.");
        }

        var now = time.GetUtcNow();
        if (!DateTimeOffset.TryParseExact(parameters["Timestamp"], AliyunSmsApi.TimestampFormat, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var stamp) || (now - stamp).Duration() > options.AllowedClockSkew)
        {
            return Fail(400, AliyunSmsApi.Codes.InvalidTimeStamp, "Specified time stamp or date value is expired.");
        }

        ForgetOldNonces(now);
        if (!_nonces.TryAdd(parameters["SignatureNonce"], now))
        {
            return Fail(400, AliyunSmsApi.Codes.SignatureNonceUsed, "Specified signature nonce was used already.");
        }

        if (parameters["Action"] != AliyunSmsApi.Action || parameters["Version"] != AliyunSmsApi.Version)
        {
            return Fail(400, "InvalidAction.NotFound", "Specified api is not found, please check your url and method.");
        }

        if (_faults.TryDequeue(out var fault))
        {
            return int.TryParse(fault, CultureInfo.InvariantCulture, out var status)
                ? Fail(status, AliyunSmsApi.Codes.ServiceUnavailable, "The request has failed due to a temporary failure of the server.")
                : Fail(200, fault, "Simulated failure.");
        }

        return Send(parameters, now, requestId, Fail);
    }

    private SendSmsAnswer Send(IReadOnlyDictionary<string, string> p, DateTimeOffset now, string requestId, Func<int, string, string, SendSmsAnswer> fail)
    {
        foreach (var name in (string[])["PhoneNumbers", "SignName", "TemplateCode"])
        {
            if (!p.TryGetValue(name, out var value) || value.Length == 0)
            {
                return fail(400, "Missing" + name, $"{name} is mandatory for this action.");
            }
        }

        var phone = p["PhoneNumbers"];
        if (phone.Length != 11 || phone[0] != '1' || !phone.All(char.IsAsciiDigit))
        {
            return fail(200, AliyunSmsApi.Codes.MobileNumberIllegal, "The mobile number is illegal.");
        }

        if (!options.SignNames.Contains(p["SignName"]))
        {
            return fail(200, AliyunSmsApi.Codes.SignatureIllegal, "The SMS signature is illegal.");
        }

        if (!options.Templates.TryGetValue(p["TemplateCode"], out var parameter))
        {
            return fail(200, AliyunSmsApi.Codes.TemplateIllegal, "The SMS template is illegal.");
        }

        string? content = null;
        try
        {
            var values = p.TryGetValue("TemplateParam", out var json) ? JsonSerializer.Deserialize<Dictionary<string, string>>(json) : null;
            values?.TryGetValue(parameter, out content);
        }
        catch (JsonException)
        {
            return fail(200, AliyunSmsApi.Codes.InvalidParameters, "TemplateParam is not valid JSON.");
        }

        if (string.IsNullOrEmpty(content))
        {
            return fail(200, AliyunSmsApi.Codes.TemplateMissingParameters, "The template parameters are missing.");
        }

        var outId = p.TryGetValue("OutId", out var o) ? o : string.Empty;
        lock (_gate)
        {
            if (outId.Length > 0 && _byOutId.TryGetValue(outId, out var earlier))
            {
                return new(200, AliyunSmsApi.Codes.Ok, "OK", earlier.BizId, requestId);
            }

            var bizId = string.Create(CultureInfo.InvariantCulture, $"{Random.Shared.NextInt64(100_000_000_000, 999_999_999_999)}^0");
            var message = new SimulatedSms(bizId, phone, $"【{p["SignName"]}】{content}", outId, p["TemplateCode"], now);
            if (outId.Length > 0)
            {
                _byOutId[outId] = message;
            }

            _messages.Enqueue(message);
            return new(200, AliyunSmsApi.Codes.Ok, "OK", bizId, requestId);
        }
    }

    private void ForgetOldNonces(DateTimeOffset now)
    {
        if (_nonces.Count < 10_000)
        {
            return;
        }

        foreach (var (nonce, at) in _nonces)
        {
            if (now - at > options.AllowedClockSkew * 2)
            {
                _nonces.TryRemove(nonce, out _);
            }
        }
    }
}
