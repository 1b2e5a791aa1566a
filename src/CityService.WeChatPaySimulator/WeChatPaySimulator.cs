using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CityService.Core.Payments.Channels.WeChatPay;

namespace CityService.WeChatPaySimulator;

/// <summary>
/// The simulator's merchant and platform: it accepts requests signed with <see cref="MerchantPublicKey"/> (serial
/// <see cref="MerchantSerial"/>) and signs its answers and notifications with <see cref="PlatformPrivateKey"/>.
/// </summary>
public sealed record WeChatPaySimulatorOptions(string MchId, string AppId, string MerchantSerial, RSA MerchantPublicKey, string PlatformSerial, RSA PlatformPrivateKey, string ApiV3Key)
{
    public override string ToString() => $"WeChatPaySimulatorOptions {{ MchId = {MchId}, AppId = {AppId}, MerchantSerial = {MerchantSerial}, PlatformSerial = {PlatformSerial} }}";
}

/// <summary>How a test (or the payer page) pays a trade: the amount the wallet reports, how many notifications, after how long, or none ("lost").</summary>
public sealed record SimulatedPayment(long? AmountFen = null, int Notifications = 1, TimeSpan Delay = default, bool Notify = true);

/// <summary>One notification as WeChat Pay sends it: the four signature headers and the JSON body.</summary>
public sealed record SimulatedNotification(string Id, string Timestamp, string Nonce, string Signature, string Serial, string Body)
{
    public IReadOnlyDictionary<string, string> Headers => new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [WeChatPaySignedHeaders.TimestampHeader] = Timestamp,
        [WeChatPaySignedHeaders.NonceHeader] = Nonce,
        [WeChatPaySignedHeaders.SignatureHeader] = Signature,
        [WeChatPaySignedHeaders.SerialHeader] = Serial,
    };
}

/// <summary>The answer to one API call before the host signs it.</summary>
public sealed record SimulatorAnswer(int Status, string Body, string ContentType = "application/json", bool SignIt = true);

/// <summary>
/// WeChat Pay API v3 in memory: Native orders, query, close, refunds, the trade bill and its download, and notifications
/// (AEAD_AES_256_GCM resource, platform-signed) posted to the trade's notify_url. It checks our Authorization header
/// (scheme, mchid, serial, ±5 min, signature over <c>METHOD\nURL\ntimestamp\nnonce\nbody\n</c>) and refuses a reused nonce.
/// </summary>
public sealed class WeChatPaySimulator(WeChatPaySimulatorOptions options, TimeProvider time, HttpClient notifier)
{
    private readonly ConcurrentDictionary<string, Trade> _trades = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _codes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, RefundRecord> _refunds = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _bills = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _nonces = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<(HttpStatusCode Status, string Id)> _delivered = new();
    private readonly Lock _gate = new();

    public WeChatPaySimulatorOptions Options => options;

    /// <summary>What notifications are posted with (tests point it at their in-memory server).</summary>
    public HttpClient Notifier { get; set; } = notifier;

    /// <summary>Where the simulator listens (the host sets it; download URLs point here).</summary>
    public Uri BaseAddress { get; internal set; } = new("http://127.0.0.1/");

    /// <summary>The answers our notify endpoint gave, oldest first (status and notification id).</summary>
    public IReadOnlyList<(HttpStatusCode Status, string Id)> Delivered => [.. _delivered];

    /// <summary>What the trade is now (null when the simulator has no such trade).</summary>
    public string? TradeState(string outTradeNo) => _trades.TryGetValue(outTradeNo, out var t) ? t.State : null;

    public SimulatorAnswer Handle(string method, string pathAndQuery, string? authorization, string body)
    {
        if (Authenticate(method, pathAndQuery, authorization, body) is { } refused)
        {
            return refused;
        }

        var path = pathAndQuery.Split('?')[0];
        var query = System.Web.HttpUtility.ParseQueryString(pathAndQuery.Contains('?', StringComparison.Ordinal) ? pathAndQuery[(pathAndQuery.IndexOf('?', StringComparison.Ordinal) + 1)..] : string.Empty);
        return (method, path) switch
        {
            ("POST", WeChatPayApi.NativePath) => Native(body),
            ("GET", _) when path.StartsWith(WeChatPayApi.QueryPathPrefix, StringComparison.Ordinal) => Query(Uri.UnescapeDataString(path[WeChatPayApi.QueryPathPrefix.Length..]), query["mchid"]),
            ("POST", _) when path.StartsWith(WeChatPayApi.QueryPathPrefix, StringComparison.Ordinal) && path.EndsWith("/close", StringComparison.Ordinal) =>
                Close(Uri.UnescapeDataString(path[WeChatPayApi.QueryPathPrefix.Length..^"/close".Length])),
            ("POST", WeChatPayApi.RefundPath) => Refund(body),
            ("GET", WeChatPayApi.TradeBillPath) => TradeBill(query["bill_date"]),
            ("GET", "/v3/billdownload/file") => _bills.TryGetValue(query["token"] ?? string.Empty, out var file)
                ? new SimulatorAnswer(200, file, "text/plain; charset=utf-8", SignIt: false)
                : Fail(404, "RESOURCE_NOT_EXISTS", "账单文件不存在"),
            _ => Fail(404, "NOT_FOUND", "接口不存在"),
        };
    }

    /// <summary>Signs an answer body as the platform does: the four Wechatpay-* headers.</summary>
    public IReadOnlyDictionary<string, string> SignAnswer(string body)
    {
        var timestamp = WeChatPaySignature.UnixSeconds(time.GetUtcNow());
        var nonce = WeChatPaySignature.NewNonce();
        return new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [WeChatPaySignedHeaders.TimestampHeader] = timestamp,
            [WeChatPaySignedHeaders.NonceHeader] = nonce,
            [WeChatPaySignedHeaders.SignatureHeader] = WeChatPaySignature.Sign(options.PlatformPrivateKey, WeChatPaySignature.ResponseMessage(timestamp, nonce, body)),
            [WeChatPaySignedHeaders.SerialHeader] = options.PlatformSerial,
        };
    }

    /// <summary>The trade behind a code_url (the payer page), or null.</summary>
    public string? TradeForCode(string codeUrl) => _codes.TryGetValue(codeUrl, out var no) ? no : null;

    /// <summary>Pays a trade as the payer's wallet would and sends the notification(s) to its notify_url. False when there is no open trade.</summary>
    public async Task<bool> PayAsync(string outTradeNo, SimulatedPayment payment, CancellationToken ct)
    {
        if (!_trades.TryGetValue(outTradeNo, out var trade))
        {
            return false;
        }

        lock (_gate)
        {
            if (trade.State is not (WeChatPayApi.TradeStates.NotPay or WeChatPayApi.TradeStates.Success))
            {
                return false;
            }

            if (trade.State == WeChatPayApi.TradeStates.NotPay)
            {
                trade.State = WeChatPayApi.TradeStates.Success;
                trade.PaidFen = payment.AmountFen ?? trade.TotalFen;
                trade.PaidAt = time.GetUtcNow();
                trade.TransactionId = "4200" + time.GetUtcNow().ToOffset(TimeSpan.FromHours(8)).ToString("yyyyMMdd", CultureInfo.InvariantCulture)
                    + RandomNumberGenerator.GetInt32(100_000_000, 999_999_999).ToString(CultureInfo.InvariantCulture) + RandomNumberGenerator.GetInt32(10_000, 99_999).ToString(CultureInfo.InvariantCulture);
            }
        }

        if (!payment.Notify)
        {
            return true;
        }

        if (payment.Delay > TimeSpan.Zero)
        {
            await Task.Delay(payment.Delay, time, ct);
        }

        var notification = Notification(outTradeNo);
        await Task.WhenAll(Enumerable.Range(0, Math.Clamp(payment.Notifications, 1, 50)).Select(_ => DeliverAsync(trade.NotifyUrl, notification, ct)));
        return true;
    }

    /// <summary>A paid trade's notification (fresh nonces and signature; the same id every time, as WeChat Pay retries).</summary>
    public SimulatedNotification Notification(string outTradeNo)
    {
        var trade = _trades[outTradeNo];
        var transaction = Transaction(trade);
        var nonce = WeChatPaySignature.NewNonce()[..12];
        var resource = new WeChatPayResource(WeChatPayAead.Algorithm, WeChatPayAead.Encrypt(options.ApiV3Key, nonce, "transaction", JsonSerializer.Serialize(transaction, WeChatPayApi.Json)), nonce)
        {
            OriginalType = "transaction",
            AssociatedData = "transaction",
        };
        var body = JsonSerializer.Serialize(new WeChatPayNotificationBody(trade.NoticeId, Rfc3339(trade.PaidAt ?? time.GetUtcNow()), "TRANSACTION.SUCCESS", "encrypt-resource", resource) { Summary = "支付成功" }, WeChatPayApi.Json);
        var headers = SignAnswer(body);
        return new(trade.NoticeId, headers[WeChatPaySignedHeaders.TimestampHeader], headers[WeChatPaySignedHeaders.NonceHeader], headers[WeChatPaySignedHeaders.SignatureHeader], options.PlatformSerial, body);
    }

    /// <summary>Posts one notification to <paramref name="url"/> and keeps our answer.</summary>
    public async Task<HttpStatusCode> DeliverAsync(string url, SimulatedNotification notification, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(notification.Body, Encoding.UTF8, "application/json") };
        foreach (var (name, value) in notification.Headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        HttpStatusCode status;
        try
        {
            using var response = await Notifier.SendAsync(request, ct);
            status = response.StatusCode;
        }
        catch (HttpRequestException)
        {
            status = 0;
        }

        _delivered.Enqueue((status, notification.Id));
        return status;
    }

    private SimulatorAnswer? Authenticate(string method, string pathAndQuery, string? authorization, string body)
    {
        var values = WeChatPaySignature.ParseAuthorization(authorization);
        if (values is null || !values.TryGetValue("mchid", out var mchId) || !values.TryGetValue("nonce_str", out var nonce) || !values.TryGetValue("signature", out var signature)
            || !values.TryGetValue("timestamp", out var timestamp) || !values.TryGetValue("serial_no", out var serial))
        {
            return Fail(401, "SIGN_ERROR", "Authorization 不合法");
        }

        if (mchId != options.MchId)
        {
            return Fail(401, "SIGN_ERROR", "商户号不存在");
        }

        if (serial != options.MerchantSerial)
        {
            return Fail(401, "SIGN_ERROR", "商户证书序列号有误");
        }

        var now = time.GetUtcNow();
        if (!WeChatPaySignature.IsFresh(timestamp, now))
        {
            return Fail(401, "SIGN_ERROR", "请求时间戳已过期");
        }

        if (!WeChatPaySignature.Verify(options.MerchantPublicKey, WeChatPaySignature.RequestMessage(method, pathAndQuery, timestamp, nonce, body), signature))
        {
            return Fail(401, "SIGN_ERROR", "签名错误");
        }

        if (!_nonces.TryAdd(mchId + ":" + nonce, now))
        {
            return Fail(401, "SIGN_ERROR", "nonce 已使用");
        }

        return null;
    }

    private SimulatorAnswer Native(string body)
    {
        var order = WeChatPayApi.TryRead<WeChatPayNativeRequest>(body);
        if (order is null || order.Amount is not { Total: > 0, Currency: "CNY" } || order.OutTradeNo is not { Length: >= 6 and <= 32 } || string.IsNullOrEmpty(order.NotifyUrl) || string.IsNullOrEmpty(order.Description))
        {
            return Fail(400, "PARAM_ERROR", "参数错误");
        }

        if (order.Appid != options.AppId || order.Mchid != options.MchId)
        {
            return Fail(400, "APPID_MCHID_NOT_MATCH", "AppID和mch_id不匹配");
        }

        var trade = _trades.GetOrAdd(order.OutTradeNo, no => new Trade(no, order.Amount.Total, order.Description, order.NotifyUrl,
            "weixin://wxpay/bizpayurl?pr=" + WeChatPaySignature.NewNonce()[..12], "EV-" + Guid.NewGuid().ToString("N")));
        if (trade.TotalFen != order.Amount.Total || trade.Description != order.Description)
        {
            return Fail(400, "INVALID_REQUEST", "订单号重复，且参数与原订单不一致");
        }

        if (trade.State != WeChatPayApi.TradeStates.NotPay)
        {
            return Fail(400, "ORDERPAID", "该订单已支付");
        }

        _codes[trade.CodeUrl] = trade.OutTradeNo;
        return new(200, JsonSerializer.Serialize(new WeChatPayNativeResponse(trade.CodeUrl), WeChatPayApi.Json));
    }

    private SimulatorAnswer Query(string outTradeNo, string? mchId) =>
        mchId != options.MchId ? Fail(400, "PARAM_ERROR", "mchid 有误")
        : _trades.TryGetValue(outTradeNo, out var trade) ? new(200, JsonSerializer.Serialize(Transaction(trade), WeChatPayApi.Json))
        : Fail(404, "ORDER_NOT_EXIST", "订单不存在");

    private SimulatorAnswer Close(string outTradeNo)
    {
        if (!_trades.TryGetValue(outTradeNo, out var trade))
        {
            return Fail(404, "ORDER_NOT_EXIST", "订单不存在");
        }

        lock (_gate)
        {
            if (trade.State == WeChatPayApi.TradeStates.Success || trade.State == WeChatPayApi.TradeStates.Refund)
            {
                return Fail(400, "ORDERPAID", "订单已支付");
            }

            trade.State = WeChatPayApi.TradeStates.Closed;
        }

        return new(204, string.Empty);
    }

    private SimulatorAnswer Refund(string body)
    {
        var request = WeChatPayApi.TryRead<WeChatPayRefundRequest>(body);
        if (request is null || request.Amount is not { Refund: > 0 } || request.OutRefundNo is not { Length: > 0 })
        {
            return Fail(400, "PARAM_ERROR", "参数错误");
        }

        var trade = _trades.Values.FirstOrDefault(t => (request.TransactionId is not null && t.TransactionId == request.TransactionId) || (request.OutTradeNo is not null && t.OutTradeNo == request.OutTradeNo));
        if (trade is null || trade.TransactionId is null)
        {
            return Fail(404, "RESOURCE_NOT_EXISTS", "订单不存在");
        }

        lock (_gate)
        {
            if (_refunds.TryGetValue(request.OutRefundNo, out var earlier))
            {
                return earlier.RefundFen == request.Amount.Refund ? new(200, RefundJson(earlier, trade)) : Fail(400, "INVALID_REQUEST", "退款单号重复，且参数不一致");
            }

            if (request.Amount.Total != trade.PaidFen)
            {
                return Fail(400, "INVALID_REQUEST", "订单金额与原订单不一致");
            }

            if (trade.RefundedFen + request.Amount.Refund > trade.PaidFen)
            {
                return Fail(403, "NOT_ENOUGH", "退款金额超过可退金额");
            }

            trade.RefundedFen += request.Amount.Refund;
            if (trade.RefundedFen == trade.PaidFen)
            {
                trade.State = WeChatPayApi.TradeStates.Refund;
            }

            var refund = new RefundRecord("50" + WeChatPaySignature.NewNonce()[..28].ToLowerInvariant(), request.OutRefundNo, trade.OutTradeNo, request.Amount.Refund, time.GetUtcNow());
            _refunds[request.OutRefundNo] = refund;
            return new(200, RefundJson(refund, trade));
        }
    }

    private static string RefundJson(RefundRecord refund, Trade trade) =>
        JsonSerializer.Serialize(new WeChatPayRefundResponse(refund.RefundId, refund.OutRefundNo, WeChatPayApi.RefundStates.Success) { TransactionId = trade.TransactionId, OutTradeNo = trade.OutTradeNo }, WeChatPayApi.Json);

    private SimulatorAnswer TradeBill(string? billDate)
    {
        if (!DateOnly.TryParseExact(billDate, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
        {
            return Fail(400, "PARAM_ERROR", "bill_date 格式有误");
        }

        var beijing = TimeSpan.FromHours(8);
        bool OnDay(DateTimeOffset at) => DateOnly.FromDateTime(at.ToOffset(beijing).DateTime) == day;
        var rows = _trades.Values.Where(t => t.PaidAt is { } at && OnDay(at))
            .Select(t => new WeChatPayTradeBill.Row(t.PaidAt!.Value, options.AppId, options.MchId, t.TransactionId!, t.OutTradeNo, "oSimPayer", t.PaidFen, t.Description))
            .Concat(_refunds.Values.Where(r => OnDay(r.At)).Select(r =>
            {
                var t = _trades[r.OutTradeNo];
                return new WeChatPayTradeBill.Row(r.At, options.AppId, options.MchId, t.TransactionId!, t.OutTradeNo, "oSimPayer", t.PaidFen, t.Description, r.RefundId, r.OutRefundNo, r.RefundFen);
            }))
            .OrderBy(r => r.At)
            .ToList();
        var file = WeChatPayTradeBill.Write(rows);
        var token = WeChatPaySignature.NewNonce();
        _bills[token] = file;
#pragma warning disable CA5350 // the protocol's hash_type is SHA1
        var hash = Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(file)));
#pragma warning restore CA5350
        return new(200, JsonSerializer.Serialize(new WeChatPayTradeBillResponse("SHA1", hash, new Uri(BaseAddress, "v3/billdownload/file?token=" + token).ToString()), WeChatPayApi.Json));
    }

    private WeChatPayTransaction Transaction(Trade trade) => new(options.AppId, options.MchId, trade.OutTradeNo, trade.State)
    {
        TransactionId = trade.TransactionId,
        TradeType = "NATIVE",
        TradeStateDesc = trade.State == WeChatPayApi.TradeStates.Success ? "支付成功" : trade.State == WeChatPayApi.TradeStates.NotPay ? "未支付" : trade.State,
        BankType = trade.TransactionId is null ? null : "OTHERS",
        SuccessTime = trade.PaidAt is { } at ? Rfc3339(at) : null,
        Payer = trade.TransactionId is null ? null : new WeChatPayPayer("oSimPayer"),
        Amount = new WeChatPayAmount(trade.TransactionId is null ? trade.TotalFen : trade.PaidFen) { PayerTotal = trade.TransactionId is null ? null : trade.PaidFen, PayerCurrency = "CNY" },
    };

    private static string Rfc3339(DateTimeOffset at) => at.ToOffset(TimeSpan.FromHours(8)).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);

    private static SimulatorAnswer Fail(int status, string code, string message) => new(status, JsonSerializer.Serialize(new WeChatPayError(code, message), WeChatPayApi.Json));

    private sealed class Trade(string outTradeNo, long totalFen, string description, string notifyUrl, string codeUrl, string noticeId)
    {
        public string OutTradeNo { get; } = outTradeNo;

        public long TotalFen { get; } = totalFen;

        public string Description { get; } = description;

        public string NotifyUrl { get; } = notifyUrl;

        public string CodeUrl { get; } = codeUrl;

        public string NoticeId { get; } = noticeId;

        public string State { get; set; } = WeChatPayApi.TradeStates.NotPay;

        public long PaidFen { get; set; }

        public long RefundedFen { get; set; }

        public DateTimeOffset? PaidAt { get; set; }

        public string? TransactionId { get; set; }
    }

    private sealed record RefundRecord(string RefundId, string OutRefundNo, string OutTradeNo, long RefundFen, DateTimeOffset At);
}
