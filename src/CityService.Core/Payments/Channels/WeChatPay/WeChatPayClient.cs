using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace CityService.Core.Payments.Channels.WeChatPay;

/// <summary>
/// WeChat Pay API v3 as a payment channel. Every request carries the <c>WECHATPAY2-SHA256-RSA2048</c> Authorization header
/// signed with the merchant key; every answer's <c>Wechatpay-Signature</c> is verified with the platform public key (serial
/// and ±5 minutes checked) before a byte of it is believed. Paying starts with a Native order: the answer's code_url is
/// what the payer scans (in the simulator also a payer page the browser opens).
/// </summary>
public sealed partial class WeChatPayClient(HttpClient http, WeChatPayOptions options, TimeProvider time, ILogger<WeChatPayClient> logger) : IPaymentChannel
{
    public string Slug => PaymentChannels.WeChatPay;

    public WeChatPayOptions Options => options;

    public async Task<ChannelStartResult> StartAsync(ChannelOrder order, CancellationToken ct)
    {
        var request = new WeChatPayNativeRequest(options.AppId, options.MchId, Truncate(order.Subject, 127), order.OutTradeNo,
            order.ExpiresAt.ToOffset(TimeSpan.FromHours(8)).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture), order.NotifyUrl, new WeChatPayAmount(order.AmountFen));
        var answer = await SendAsync(HttpMethod.Post, WeChatPayApi.NativePath, JsonSerializer.Serialize(request, WeChatPayApi.Json), ct);
        if (answer.Error is not null || answer.Status != HttpStatusCode.OK || WeChatPayApi.TryRead<WeChatPayNativeResponse>(answer.Body) is not { CodeUrl.Length: > 0 } native)
        {
            return ChannelStartResult.Failed(answer.Error ?? Describe(answer));
        }

        var parameters = new Dictionary<string, string>(StringComparer.Ordinal) { ["tradeType"] = "NATIVE", ["codeUrl"] = native.CodeUrl };
        var payUrl = options.PayerPageTemplate is { } page ? string.Format(CultureInfo.InvariantCulture, page, Uri.EscapeDataString(native.CodeUrl)) : null;
        return new ChannelStartResult(true, parameters, payUrl, null);
    }

    public async Task<ChannelQueryResult> QueryAsync(string outTradeNo, CancellationToken ct)
    {
        var answer = await SendAsync(HttpMethod.Get, $"{WeChatPayApi.QueryPathPrefix}{Uri.EscapeDataString(outTradeNo)}?mchid={Uri.EscapeDataString(options.MchId)}", string.Empty, ct);
        if (answer.Error is not null)
        {
            return new(ChannelTradeState.NotFound, null, null, null, answer.Error);
        }

        if (answer.Status == HttpStatusCode.NotFound)
        {
            return new(ChannelTradeState.NotFound, null, null, null, null);
        }

        if (answer.Status != HttpStatusCode.OK || WeChatPayApi.TryRead<WeChatPayTransaction>(answer.Body) is not { } trade || trade.OutTradeNo != outTradeNo || trade.Mchid != options.MchId)
        {
            return new(ChannelTradeState.NotFound, null, null, null, Describe(answer));
        }

        var state = trade.TradeState switch
        {
            WeChatPayApi.TradeStates.Success => ChannelTradeState.Paid,
            WeChatPayApi.TradeStates.Refund => ChannelTradeState.Refunded,
            WeChatPayApi.TradeStates.Closed or WeChatPayApi.TradeStates.Revoked or WeChatPayApi.TradeStates.PayError => ChannelTradeState.Closed,
            _ => ChannelTradeState.Pending,
        };
        DateTimeOffset? paidAt = DateTimeOffset.TryParse(trade.SuccessTime, CultureInfo.InvariantCulture, DateTimeStyles.None, out var at) ? at : null;
        return new(state, trade.TransactionId, trade.Amount?.Total, paidAt, null);
    }

    /// <summary>Closes an unpaid trade (<c>POST …/out-trade-no/{no}/close</c>, 204), e.g. when the order expires.</summary>
    public async Task<bool> CloseAsync(string outTradeNo, CancellationToken ct)
    {
        var answer = await SendAsync(HttpMethod.Post, $"{WeChatPayApi.QueryPathPrefix}{Uri.EscapeDataString(outTradeNo)}/close",
            JsonSerializer.Serialize(new { mchid = options.MchId }), ct);
        return answer.Error is null && answer.Status == HttpStatusCode.NoContent;
    }

    public async Task<ChannelRefundResult> RefundAsync(ChannelRefundRequest request, CancellationToken ct)
    {
        var body = new WeChatPayRefundRequest(request.OutRefundNo, new WeChatPayRefundAmount(request.RefundFen, request.TotalFen))
        {
            TransactionId = string.IsNullOrEmpty(request.TradeNo) ? null : request.TradeNo,
            OutTradeNo = string.IsNullOrEmpty(request.TradeNo) ? request.OutTradeNo : null,
            Reason = Truncate(request.Reason, 80),
        };
        var answer = await SendAsync(HttpMethod.Post, WeChatPayApi.RefundPath, JsonSerializer.Serialize(body, WeChatPayApi.Json), ct);
        if (answer.Error is not null)
        {
            return new(ChannelRefundState.Processing, null, answer.Error); // unknown outcome: ask again with the same out_refund_no
        }

        if (answer.Status != HttpStatusCode.OK || WeChatPayApi.TryRead<WeChatPayRefundResponse>(answer.Body) is not { } refund)
        {
            return new((int)answer.Status >= 500 ? ChannelRefundState.Processing : ChannelRefundState.Failed, null, Describe(answer));
        }

        return refund.Status switch
        {
            WeChatPayApi.RefundStates.Success => new(ChannelRefundState.Succeeded, refund.RefundId, null),
            WeChatPayApi.RefundStates.Processing => new(ChannelRefundState.Processing, refund.RefundId, null),
            _ => new(ChannelRefundState.Failed, refund.RefundId, "refund " + refund.Status),
        };
    }

    public async Task<ChannelFileResult> DownloadSettlementAsync(DateOnly day, CancellationToken ct)
    {
        var answer = await SendAsync(HttpMethod.Get, $"{WeChatPayApi.TradeBillPath}?bill_date={day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}&bill_type=ALL", string.Empty, ct);
        if (answer.Error is not null || answer.Status != HttpStatusCode.OK || WeChatPayApi.TryRead<WeChatPayTradeBillResponse>(answer.Body) is not { } bill
            || !Uri.TryCreate(bill.DownloadUrl, UriKind.Absolute, out var url) || url.Host != options.BaseUrl.Host || url.Port != options.BaseUrl.Port)
        {
            return new(false, null, answer.Error ?? Describe(answer));
        }

        // The file itself is not signed: its SHA-1 from the signed answer vouches for it.
        var file = await SendAsync(HttpMethod.Get, url.PathAndQuery, string.Empty, ct, verify: false);
        if (file.Error is not null || file.Status != HttpStatusCode.OK)
        {
            return new(false, null, file.Error ?? Describe(file));
        }

#pragma warning disable CA5350 // SHA-1 is what WeChat Pay names for the bill file's hash; it is not our choice
        var hash = Convert.ToHexStringLower(SHA1.HashData(file.Bytes));
#pragma warning restore CA5350
        return string.Equals(bill.HashType, "SHA1", StringComparison.OrdinalIgnoreCase) && string.Equals(hash, bill.HashValue, StringComparison.OrdinalIgnoreCase)
            ? new(true, Encoding.UTF8.GetString(file.Bytes), null)
            : new(false, null, "the trade bill's SHA-1 does not match hash_value");
    }

    public SettlementParseResult ParseSettlement(string text) => WeChatPayTradeBill.Parse(text);

    private sealed record Answer(HttpStatusCode Status, string Body, byte[] Bytes, string? Error);

    private async Task<Answer> SendAsync(HttpMethod method, string pathAndQuery, string body, CancellationToken ct, bool verify = true)
    {
        var timestamp = WeChatPaySignature.UnixSeconds(time.GetUtcNow());
        var nonce = WeChatPaySignature.NewNonce();
        using var request = new HttpRequestMessage(method, new Uri(options.BaseUrl, pathAndQuery));
        request.Headers.Authorization = AuthenticationHeaderValue.Parse(
            WeChatPaySignature.Authorization(options.MchId, options.MerchantSerial, options.PrivateKey, method.Method, pathAndQuery, body, timestamp, nonce));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        request.Headers.UserAgent.Add(new ProductInfoHeaderValue("CityService", "1.0"));
        if (method != HttpMethod.Get)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(options.Timeout);
        try
        {
            using var response = await http.SendAsync(request, timeout.Token);
            var bytes = await response.Content.ReadAsByteArrayAsync(timeout.Token);
            var text = Encoding.UTF8.GetString(bytes);
            if (verify)
            {
                string? Header(string name) => response.Headers.TryGetValues(name, out var v) ? v.FirstOrDefault() : null;
                var signed = new WeChatPaySignedHeaders(Header(WeChatPaySignedHeaders.TimestampHeader), Header(WeChatPaySignedHeaders.NonceHeader),
                    Header(WeChatPaySignedHeaders.SignatureHeader), Header(WeChatPaySignedHeaders.SerialHeader));
                if (signed.Check(options, text, time.GetUtcNow()) is { } refused)
                {
                    LogUnverified(logger, method.Method, request.RequestUri!.AbsolutePath, refused.Code);
                    return new(response.StatusCode, string.Empty, [], "answer not verified: " + refused.Code);
                }
            }

            return new(response.StatusCode, text, bytes, null);
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            LogUnreachable(logger, method.Method, request.RequestUri!.AbsolutePath, e.GetType().Name);
            return new(0, string.Empty, [], "WeChat Pay unreachable: " + e.GetType().Name);
        }
    }

    private static string Describe(Answer answer) =>
        WeChatPayApi.TryRead<WeChatPayError>(answer.Body) is { Code.Length: > 0 } error
            ? string.Create(CultureInfo.InvariantCulture, $"HTTP {(int)answer.Status} {error.Code}: {error.Message}")
            : string.Create(CultureInfo.InvariantCulture, $"HTTP {(int)answer.Status}");

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..max];

    [LoggerMessage(Level = LogLevel.Warning, Message = "WeChat Pay {Method} {Path}: the answer's signature was refused ({Reason}).")]
    private static partial void LogUnverified(ILogger logger, string method, string path, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "WeChat Pay {Method} {Path} could not be reached ({Exception}).")]
    private static partial void LogUnreachable(ILogger logger, string method, string path, string exception);
}
