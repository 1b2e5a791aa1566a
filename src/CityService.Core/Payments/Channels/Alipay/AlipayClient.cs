using System.IO.Compression;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;

namespace CityService.Core.Payments.Channels.Alipay;

/// <summary>
/// The Alipay channel: our side of the open platform's gateway (RSA2). Starting a payment signs locally (the wap/page
/// pay URL and the app's order string); query, refund and the bill download are signed POSTs to the gateway whose
/// answers are verified against Alipay's public key before anything in them is believed. Logs trade numbers only.
/// </summary>
public sealed partial class AlipayClient(HttpClient http, AlipayOptions options, TimeProvider time, ILogger<AlipayClient> logger) : IPaymentChannel
{
    private static readonly JsonSerializerOptions Json = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    static AlipayClient() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    public string Slug => PaymentChannels.Alipay;

    public AlipayOptions Options => options;

    /// <summary>Alipay's bill files are GBK.</summary>
    public static Encoding Gbk => Encoding.GetEncoding(936);

    /// <summary>The common parameters and biz_content of one call, signed: what goes on the wire.</summary>
    public SortedDictionary<string, string> SignedParameters(string method, object bizContent, string? notifyUrl = null, string? returnUrl = null)
    {
        var parameters = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["app_id"] = options.AppId,
            ["method"] = method,
            ["format"] = "JSON",
            ["charset"] = "utf-8",
            ["sign_type"] = "RSA2",
            ["timestamp"] = AlipayMethods.Time(time.GetUtcNow()),
            ["version"] = "1.0",
            ["biz_content"] = JsonSerializer.Serialize(bizContent, Json),
        };
        if (notifyUrl is { Length: > 0 })
        {
            parameters["notify_url"] = notifyUrl;
        }

        if (returnUrl is { Length: > 0 })
        {
            parameters["return_url"] = returnUrl;
        }

        parameters["sign"] = AlipaySignature.Sign(AlipaySignature.Content(parameters), options.PrivateKey);
        return parameters;
    }

    public Task<ChannelStartResult> StartAsync(ChannelOrder order, CancellationToken ct)
    {
        if (order.AmountFen <= 0 || order.AmountFen > AlipayAmount.MaxFen)
        {
            return Task.FromResult(ChannelStartResult.Failed($"amount {order.AmountFen} fen is outside Alipay's range"));
        }

        var amount = AlipayAmount.ToYuan(order.AmountFen);
        var subject = order.Subject.Length > 128 ? order.Subject[..128] : order.Subject;
        var expire = AlipayMethods.Time(order.ExpiresAt);
        var page = options.PagePayMethod == AlipayMethods.PagePay
            ? SignedParameters(AlipayMethods.PagePay, new { out_trade_no = order.OutTradeNo, total_amount = amount, subject, product_code = "FAST_INSTANT_TRADE_PAY", time_expire = expire }, order.NotifyUrl, order.ReturnUrl)
            : SignedParameters(AlipayMethods.WapPay, new { out_trade_no = order.OutTradeNo, total_amount = amount, subject, product_code = "QUICK_WAP_WAY", time_expire = expire, quit_url = order.ReturnUrl }, order.NotifyUrl, order.ReturnUrl);
        var app = SignedParameters(AlipayMethods.AppPay, new { out_trade_no = order.OutTradeNo, total_amount = amount, subject, product_code = "QUICK_MSECURITY_PAY", time_expire = expire }, order.NotifyUrl);
        var payUrl = options.GatewayUrl + "?" + Query(page);
        return Task.FromResult(new ChannelStartResult(true, new Dictionary<string, string> { ["orderString"] = Query(app) }, payUrl, null));
    }

    public async Task<ChannelQueryResult> QueryAsync(string outTradeNo, CancellationToken ct)
    {
        var answer = await CallAsync(AlipayMethods.Query, new { out_trade_no = outTradeNo }, ct);
        if (answer.Error is not null)
        {
            return new(ChannelTradeState.NotFound, null, null, null, answer.Error);
        }

        var node = answer.Node!;
        if (answer.Code != AlipayMethods.Success)
        {
            return answer.SubCode == AlipayMethods.TradeNotExist
                ? new(ChannelTradeState.NotFound, null, null, null, null)
                : new(ChannelTradeState.NotFound, null, null, null, $"{answer.Code} {answer.SubCode}");
        }

        var state = Text(node, "trade_status") switch
        {
            "WAIT_BUYER_PAY" => ChannelTradeState.Pending,
            "TRADE_SUCCESS" or "TRADE_FINISHED" => ChannelTradeState.Paid,
            "TRADE_CLOSED" => Text(node, "refund_fee") is { } refunded && refunded == Text(node, "total_amount") ? ChannelTradeState.Refunded : ChannelTradeState.Closed,
            var other => (ChannelTradeState?)null,
        };
        if (state is null)
        {
            return new(ChannelTradeState.NotFound, null, null, null, $"unknown trade_status '{Text(node, "trade_status")}'");
        }

        if (!AlipayAmount.TryParseFen(Text(node, "total_amount"), out var fen))
        {
            return new(ChannelTradeState.NotFound, null, null, null, "total_amount is not yuan with two decimals");
        }

        DateTimeOffset? paidAt = AlipayMethods.TryParseTime(Text(node, "send_pay_date"), out var at) ? at : null;
        return new(state.Value, Text(node, "trade_no"), fen, paidAt, null);
    }

    public async Task<ChannelRefundResult> RefundAsync(ChannelRefundRequest request, CancellationToken ct)
    {
        if (request.RefundFen <= 0 || request.RefundFen > AlipayAmount.MaxFen)
        {
            return new(ChannelRefundState.Failed, null, $"refund of {request.RefundFen} fen is outside Alipay's range");
        }

        var answer = await CallAsync(AlipayMethods.Refund, new
        {
            out_trade_no = request.OutTradeNo,
            trade_no = request.TradeNo,
            refund_amount = AlipayAmount.ToYuan(request.RefundFen),
            out_request_no = request.OutRefundNo,
            refund_reason = request.Reason.Length > 256 ? request.Reason[..256] : request.Reason,
        }, ct);
        if (answer.Error is not null)
        {
            // Not known whether Alipay took it: ask again with the same out_request_no (Alipay refunds it once).
            return new(ChannelRefundState.Processing, null, answer.Error);
        }

        if (answer.Code == AlipayMethods.Success)
        {
            return new(ChannelRefundState.Succeeded, Text(answer.Node!, "trade_no") + ":" + request.OutRefundNo, null);
        }

        return answer.SubCode == AlipayMethods.SystemError
            ? new(ChannelRefundState.Processing, null, answer.SubCode)
            : new(ChannelRefundState.Failed, null, $"{answer.Code} {answer.SubCode}".Trim());
    }

    public async Task<ChannelFileResult> DownloadSettlementAsync(DateOnly day, CancellationToken ct)
    {
        var answer = await CallAsync(AlipayMethods.BillDownload, new { bill_type = "trade", bill_date = day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) }, ct);
        if (answer.Error is not null)
        {
            return new(false, null, answer.Error);
        }

        if (answer.Code != AlipayMethods.Success)
        {
            // A day without trades has no bill: an empty file, not an error.
            return answer.SubCode == AlipayMethods.BillNotExist ? new(true, string.Empty, null) : new(false, null, $"{answer.Code} {answer.SubCode}".Trim());
        }

        if (!Uri.TryCreate(Text(answer.Node!, "bill_download_url"), UriKind.Absolute, out var url) || url.Scheme is not ("https" or "http"))
        {
            return new(false, null, "bill_download_url is not an absolute http(s) URL");
        }

        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(options.Timeout * 3);
            using var response = await http.GetAsync(url, timeout.Token);
            if (!response.IsSuccessStatusCode)
            {
                return new(false, null, $"bill download answered {(int)response.StatusCode}");
            }

            var zip = await response.Content.ReadAsByteArrayAsync(timeout.Token);
            return DetailOf(zip);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            return new(false, null, "bill download failed: " + e.GetType().Name);
        }
    }

    /// <summary>The trade-detail CSV (<c>…_业务明细.csv</c>, not the summary) of Alipay's bill zip, decoded from GBK.</summary>
    public static ChannelFileResult DetailOf(byte[] zip)
    {
        try
        {
            using var archive = new ZipArchive(new MemoryStream(zip), ZipArchiveMode.Read);
            var entry = archive.Entries.FirstOrDefault(e => e.Name.EndsWith("_业务明细.csv", StringComparison.Ordinal));
            if (entry is null || entry.Length > 64 * 1024 * 1024)
            {
                return new(false, null, "the bill zip has no trade-detail file (…_业务明细.csv)");
            }

            using var reader = new StreamReader(entry.Open(), Gbk);
            return new(true, reader.ReadToEnd(), null);
        }
        catch (InvalidDataException)
        {
            return new(false, null, "the bill file is not a zip archive");
        }
    }

    public SettlementParseResult ParseSettlement(string text) => AlipayBill.Parse(text);

    /// <summary>Alipay's query string: every parameter URL-encoded (UTF-8).</summary>
    public static string Query(IEnumerable<KeyValuePair<string, string>> parameters) =>
        string.Join('&', parameters.Select(p => Uri.EscapeDataString(p.Key) + "=" + Uri.EscapeDataString(p.Value)));

    private async Task<Answer> CallAsync(string method, object bizContent, CancellationToken ct)
    {
        var parameters = SignedParameters(method, bizContent);
        string body;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(options.Timeout);
            using var response = await http.PostAsync(options.GatewayUrl + "?charset=utf-8", new FormUrlEncodedContent(parameters), timeout.Token);
            body = await response.Content.ReadAsStringAsync(timeout.Token);
            if (!response.IsSuccessStatusCode)
            {
                Log.Failed(logger, method, $"HTTP {(int)response.StatusCode}");
                return new(null, null, null, $"gateway answered HTTP {(int)response.StatusCode}");
            }
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            Log.Failed(logger, method, e.GetType().Name);
            return new(null, null, null, "gateway not reachable: " + e.GetType().Name);
        }

        var verified = VerifyResponse(body, method, options.AlipayPublicKey);
        if (verified.Error is not null)
        {
            Log.Failed(logger, method, verified.Error);
        }

        return verified;
    }

    /// <summary>
    /// Reads a gateway answer <c>{"…_response":{…},"sign":"…"}</c>: the node's exact JSON text must carry Alipay's
    /// signature. An error answer without a signature (Alipay's for a request it could not authenticate) is believed only
    /// as "it failed".
    /// </summary>
    public static Answer VerifyResponse(string body, string method, System.Security.Cryptography.RSA alipayPublicKey)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty(AlipayMethods.ResponseKey(method), out var node)
                || node.ValueKind != JsonValueKind.Object)
            {
                return new(null, null, null, "the answer has no " + AlipayMethods.ResponseKey(method));
            }

            var parsed = JsonNode.Parse(node.GetRawText())!.AsObject();
            var code = Text(parsed, "code");
            var sign = document.RootElement.TryGetProperty("sign", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
            if (sign is null && code != AlipayMethods.Success)
            {
                return new(null, null, null, $"unsigned error answer {code} {Text(parsed, "sub_code")}".TrimEnd());
            }

            if (!AlipaySignature.Verify(node.GetRawText(), sign, alipayPublicKey))
            {
                return new(null, null, null, "the answer's signature does not verify against Alipay's public key");
            }

            return new(parsed, code, Text(parsed, "sub_code"), null);
        }
        catch (JsonException)
        {
            return new(null, null, null, "the answer is not JSON");
        }
    }

    private static string? Text(JsonObject node, string name) =>
        node.TryGetPropertyValue(name, out var value) && value is JsonValue v && v.TryGetValue<string>(out var text) ? text : null;

    /// <summary>A verified answer's node, or why there is none.</summary>
    public sealed record Answer(JsonObject? Node, string? Code, string? SubCode, string? Error);

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Warning, Message = "Alipay {Method} failed: {Reason}")]
        public static partial void Failed(ILogger logger, string method, string reason);
    }
}
