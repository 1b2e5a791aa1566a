using System.Collections.Concurrent;
using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CityService.Core.Payments.Channels.Alipay;

namespace CityService.AlipaySimulator;

/// <summary>
/// The simulator's configuration: the one application it serves (app id and that app's public key, to check requests)
/// and its own "Alipay" key pair (it signs answers and notifications with the private key; the platform is given the
/// public key as <c>AlipayPublicKey</c>). TEST ONLY: keys are generated per run, never shipped.
/// </summary>
public sealed record AlipaySimulatorOptions(string AppId, RSA AppPublicKey, RSA AlipayPrivateKey)
{
    /// <summary>The merchant's partner id (seller_id, the bill file's account).</summary>
    public string SellerId { get; init; } = "2088000000000001";

    public static AlipaySimulatorOptions Generate(string appId, RSA appPublicKey) => new(appId, appPublicKey, RSA.Create(2048));

    public override string ToString() => $"AlipaySimulatorOptions {{ AppId = {AppId}, SellerId = {SellerId} }}";
}

/// <summary>How the control API pays a trade: the notification's amount, duplicates, holding it back, order, or none.</summary>
/// <param name="AmountFen">The total_amount the notification claims (default: the trade's).</param>
/// <param name="Duplicates">How many times the same notification (same notify_id) is sent, all at once.</param>
/// <param name="Hold">Keep the notification back until <see cref="AlipaySimulator.FlushAsync"/>: a late one.</param>
/// <param name="OutOfOrder">Send TRADE_FINISHED before TRADE_SUCCESS (two notifications, two notify_ids).</param>
/// <param name="Lost">Send no notification at all (the trade is paid; only a query finds out).</param>
public sealed record SimulatedPayOptions(long? AmountFen = null, int Duplicates = 1, bool Hold = false, bool OutOfOrder = false, bool Lost = false);

/// <summary>One notification sent (or held): its parameters and what our endpoint answered.</summary>
public sealed record SimulatedNotification(string NotifyId, string OutTradeNo, string TradeStatus, IReadOnlyDictionary<string, string> Form, int? Status, string? Body);

/// <summary>
/// Alipay's open-platform gateway, simulated in memory: <c>alipay.trade.wap.pay</c>/<c>page.pay</c> (the payer page),
/// <c>app.pay</c> (the order string the wallet app takes), <c>alipay.trade.query</c>, <c>alipay.trade.refund</c>
/// (idempotent by out_request_no) and the trade bill download (a zip of GBK CSVs in Alipay's layout). It checks every
/// request's RSA2 signature with the app's public key and signs every answer and notification with its private key,
/// as Alipay does. It keeps no personal data.
/// </summary>
public sealed class AlipaySimulator(AlipaySimulatorOptions options, TimeProvider time)
{
    private static readonly JsonSerializerOptions Json = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private readonly ConcurrentDictionary<string, Trade> _trades = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<SimulatedNotification> _sent = new();
    private readonly ConcurrentQueue<(Uri Url, Dictionary<string, string> Form)> _held = new();
    private long _sequence;

    static AlipaySimulator() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    public AlipaySimulatorOptions Options => options;

    /// <summary>Sends notifications (the platform's notify_url). Tests may point it at an in-memory server.</summary>
    public HttpClient Notifier { get; set; } = new();

    /// <summary>Where the simulator listens; set by its host (bill download URLs point here).</summary>
    public Uri BaseAddress { get; set; } = new("http://127.0.0.1/");

    public IReadOnlyList<SimulatedNotification> Notifications => [.. _sent];

    public SimulatedTrade? Find(string outTradeNo) => _trades.TryGetValue(outTradeNo, out var t) ? t.View() : null;

    /// <summary>
    /// A call to <c>gateway.do</c>: checks the common parameters and the signature, then answers the method (JSON, signed)
    /// — or, for the page/wap pay methods, creates the trade and returns null (the host shows the payer page).
    /// </summary>
    public GatewayAnswer Handle(IReadOnlyDictionary<string, string> parameters)
    {
        var method = parameters.GetValueOrDefault("method") ?? string.Empty;
        var key = method.Length > 0 ? AlipayMethods.ResponseKey(method) : "error_response";
        GatewayAnswer Error(string code, string msg, string subCode, string subMsg) =>
            GatewayAnswer.Json(Signed(key, new JsonObject { ["code"] = code, ["msg"] = msg, ["sub_code"] = subCode, ["sub_msg"] = subMsg }));

        foreach (var name in (string[])["app_id", "method", "charset", "sign_type", "sign", "timestamp", "version"])
        {
            if (string.IsNullOrEmpty(parameters.GetValueOrDefault(name)))
            {
                return Error("40001", "Missing Required Arguments", "isv.missing-" + name.Replace('_', '-'), "缺少参数 " + name);
            }
        }

        if (parameters["app_id"] != options.AppId)
        {
            return Error(AlipayMethods.InvalidSignature, "Invalid Arguments", "isv.invalid-app-id", "无效的AppID参数");
        }

        if (parameters["sign_type"] != "RSA2" || !AlipaySignature.Verify(AlipaySignature.Content(parameters), parameters["sign"], options.AppPublicKey))
        {
            return Error(AlipayMethods.InvalidSignature, "Invalid Arguments", "isv.invalid-signature", "验签出错");
        }

        if (!AlipayMethods.TryParseTime(parameters["timestamp"], out var stamp) || (stamp - time.GetUtcNow()).Duration() > TimeSpan.FromMinutes(30))
        {
            return Error("40002", "Invalid Arguments", "isv.invalid-timestamp", "非法的时间戳参数");
        }

        JsonObject biz;
        try
        {
            biz = JsonNode.Parse(parameters.GetValueOrDefault("biz_content") ?? "{}") as JsonObject ?? [];
        }
        catch (JsonException)
        {
            return Error("40002", "Invalid Arguments", "isv.invalid-biz-content", "biz_content 不是 JSON");
        }

        return method switch
        {
            AlipayMethods.WapPay or AlipayMethods.PagePay or AlipayMethods.AppPay => Create(biz, parameters, key),
            AlipayMethods.Query => Query(biz, key),
            AlipayMethods.Refund => Refund(biz, key),
            AlipayMethods.BillDownload => BillUrl(biz, key),
            _ => Error("40004", "Business Failed", "isv.invalid-method", "不存在的方法名"),
        };
    }

    /// <summary>The payer pressed "pay" (payer page) or a test paid through the control API: notifications as asked.</summary>
    public async Task<IReadOnlyList<SimulatedNotification>> PayAsync(string outTradeNo, SimulatedPayOptions pay, CancellationToken ct)
    {
        if (!_trades.TryGetValue(outTradeNo, out var trade))
        {
            throw new KeyNotFoundException("no trade " + outTradeNo);
        }

        lock (trade)
        {
            if (trade.Status == "WAIT_BUYER_PAY")
            {
                trade.Status = "TRADE_SUCCESS";
                trade.PaidAt = time.GetUtcNow();
            }
        }

        if (pay.Lost || trade.NotifyUrl is null)
        {
            return [];
        }

        var statuses = pay.OutOfOrder ? new[] { "TRADE_FINISHED", "TRADE_SUCCESS" } : ["TRADE_SUCCESS"];
        var sent = new List<SimulatedNotification>();
        foreach (var status in statuses)
        {
            var form = NotificationFor(trade, status, pay.AmountFen ?? trade.AmountFen);
            if (pay.Hold)
            {
                _held.Enqueue((trade.NotifyUrl, form));
                continue;
            }

            var copies = await Task.WhenAll(Enumerable.Range(0, Math.Clamp(pay.Duplicates, 1, 50)).Select(_ => SendAsync(trade.NotifyUrl, form, ct)));
            sent.AddRange(copies);
        }

        return sent;
    }

    /// <summary>Sends every held notification now (late ones), oldest first.</summary>
    public async Task<IReadOnlyList<SimulatedNotification>> FlushAsync(CancellationToken ct)
    {
        var sent = new List<SimulatedNotification>();
        while (_held.TryDequeue(out var held))
        {
            sent.Add(await SendAsync(held.Url, held.Form, ct));
        }

        return sent;
    }

    /// <summary>The parameters of a notification signed as Alipay signs them (sign and sign_type left out of the content).</summary>
    public Dictionary<string, string> SignNotification(Dictionary<string, string> form)
    {
        form["sign_type"] = "RSA2";
        form["sign"] = AlipaySignature.Sign(AlipaySignature.Content(form, notification: true), options.AlipayPrivateKey);
        return form;
    }

    /// <summary>The signed parameters of the browser's return to return_url after paying (the "sync" answer).</summary>
    public Dictionary<string, string> ReturnParameters(string outTradeNo)
    {
        var trade = _trades[outTradeNo];
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["app_id"] = options.AppId,
            ["auth_app_id"] = options.AppId,
            ["charset"] = "utf-8",
            ["method"] = trade.Method + ".return",
            ["out_trade_no"] = outTradeNo,
            ["seller_id"] = options.SellerId,
            ["timestamp"] = AlipayMethods.Time(time.GetUtcNow()),
            ["total_amount"] = AlipayAmount.ToYuan(trade.AmountFen),
            ["trade_no"] = trade.TradeNo,
            ["version"] = "1.0",
        };
        return SignNotification(parameters);
    }

    public Uri? ReturnUrl(string outTradeNo) => _trades.TryGetValue(outTradeNo, out var t) ? t.ReturnUrl : null;

    /// <summary>The trade bill zip of one day (Asia/Shanghai) in Alipay's layout, or null when the day has no trades.</summary>
    public byte[]? BillZip(DateOnly day)
    {
        var rows = new List<string[]>();
        foreach (var trade in _trades.Values.OrderBy(t => t.Sequence))
        {
            lock (trade)
            {
                if (trade.PaidAt is { } paid && DateOnly.FromDateTime(paid.ToOffset(AlipayMethods.Shanghai).DateTime) == day)
                {
                    rows.Add(Row(trade, AlipayBill.PaymentKind, trade.AmountFen, trade.CreatedAt, paid, string.Empty));
                }

                foreach (var refund in trade.Refunds.Values.Where(r => DateOnly.FromDateTime(r.At.ToOffset(AlipayMethods.Shanghai).DateTime) == day))
                {
                    rows.Add(Row(trade, AlipayBill.RefundKind, -refund.Fen, refund.At, refund.At, refund.OutRequestNo));
                }
            }
        }

        if (rows.Count == 0)
        {
            return null;
        }

        var date = day.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        var shown = day.ToString("yyyy年MM月dd日", CultureInfo.InvariantCulture);
        var next = day.AddDays(1).ToString("yyyy年MM月dd日", CultureInfo.InvariantCulture);
        var payments = rows.Where(r => r[2] == AlipayBill.PaymentKind).ToList();
        var refunds = rows.Where(r => r[2] == AlipayBill.RefundKind).ToList();
        var detail = new StringBuilder()
            .Append("#支付宝业务明细查询\r\n")
            .Append(CultureInfo.InvariantCulture, $"#账号：[{options.SellerId}0156]\r\n")
            .Append(CultureInfo.InvariantCulture, $"#起始日期：[{shown} 00:00:00]   终止日期：[{next} 00:00:00]\r\n")
            .Append("#-----------------------------------------业务明细列表----------------------------------------\r\n")
            .Append(string.Join(',', AlipayBill.Header)).Append("\r\n");
        foreach (var row in rows)
        {
            detail.Append(string.Join(',', row.Select(f => f + "\t"))).Append("\r\n");
        }

        detail.Append("#-----------------------------------------业务明细列表结束------------------------------------\r\n")
            .Append(CultureInfo.InvariantCulture, $"#交易合计：{payments.Count}笔，商家实收共{Sum(payments)}元，商家优惠共0.00元\r\n")
            .Append(CultureInfo.InvariantCulture, $"#退款合计：{refunds.Count}笔，商家实收退款共{Sum(refunds)}元，商家优惠退款共0.00元\r\n")
            .Append(CultureInfo.InvariantCulture, $"#导出时间：[{AlipayMethods.Time(time.GetUtcNow()).Replace('-', '年')}]\r\n");
        var summary = new StringBuilder()
            .Append("#支付宝业务汇总查询\r\n")
            .Append(CultureInfo.InvariantCulture, $"#账号：[{options.SellerId}0156]\r\n")
            .Append("门店编号,门店名称,交易订单总笔数,退款订单总笔数,订单金额（元）,商家实收（元）\r\n")
            .Append(CultureInfo.InvariantCulture, $"合计,,{payments.Count},{refunds.Count},{Sum(rows)},{Sum(rows)}\r\n")
            .Append("#-----------------------------------------业务汇总列表结束------------------------------------\r\n");
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, text) in new[] { ($"{options.SellerId}0156_{date}_业务明细.csv", detail), ($"{options.SellerId}0156_{date}_业务明细(汇总).csv", summary) })
            {
                using var stream = zip.CreateEntry(name).Open();
                var bytes = Encoding.GetEncoding(936).GetBytes(text.ToString());
                stream.Write(bytes);
            }
        }

        return buffer.ToArray();
    }

    /// <summary>The payer page's facts of a trade waiting to be paid.</summary>
    public SimulatedTrade? Waiting(string outTradeNo) => Find(outTradeNo) is { Status: "WAIT_BUYER_PAY" } trade ? trade : null;

    private static string Sum(IEnumerable<string[]> rows)
    {
        var fen = rows.Sum(r => AlipayAmount.TryParseSignedFen(r[11], out var f) ? f : 0);
        return (fen < 0 ? "-" : string.Empty) + AlipayAmount.ToYuan(Math.Abs(fen));
    }

    private static string[] Row(Trade trade, string kind, long fen, DateTimeOffset created, DateTimeOffset finished, string refundNo)
    {
        var amount = (fen < 0 ? "-" : string.Empty) + AlipayAmount.ToYuan(Math.Abs(fen));
        return
        [
            trade.TradeNo, trade.OutTradeNo, kind, trade.Subject.Replace(',', '，'), AlipayMethods.Time(created), AlipayMethods.Time(finished),
            string.Empty, string.Empty, string.Empty, string.Empty, "bu***@example.com", amount, amount, "0.00", "0.00", "0.00", "0.00", "0.00",
            string.Empty, "0.00", "0.00", refundNo, "0.00", "0.00", string.Empty,
        ];
    }

    private GatewayAnswer Create(JsonObject biz, IReadOnlyDictionary<string, string> parameters, string key)
    {
        var outTradeNo = Text(biz, "out_trade_no");
        if (outTradeNo is not { Length: > 0 and <= 64 } || !AlipayAmount.TryParseFen(Text(biz, "total_amount"), out var fen) || fen == 0 || Text(biz, "subject") is not { Length: > 0 } subject)
        {
            return GatewayAnswer.Json(Signed(key, new JsonObject { ["code"] = "40002", ["msg"] = "Invalid Arguments", ["sub_code"] = "isv.invalid-parameter", ["sub_msg"] = "参数无效" }));
        }

        var trade = _trades.GetOrAdd(outTradeNo, no => new Trade(no, TradeNumber(), fen, subject, parameters["method"], time.GetUtcNow(), Interlocked.Increment(ref _sequence))
        {
            NotifyUrl = Uri.TryCreate(parameters.GetValueOrDefault("notify_url"), UriKind.Absolute, out var notify) ? notify : null,
            ReturnUrl = Uri.TryCreate(parameters.GetValueOrDefault("return_url"), UriKind.Absolute, out var back) ? back : null,
        });
        return trade.AmountFen != fen
            ? GatewayAnswer.Json(Signed(key, new JsonObject { ["code"] = "40004", ["msg"] = "Business Failed", ["sub_code"] = "ACQ.CONTEXT_INCONSISTENT", ["sub_msg"] = "交易信息被篡改" }))
            : GatewayAnswer.PayerPage(outTradeNo);
    }

    private GatewayAnswer Query(JsonObject biz, string key)
    {
        if (Text(biz, "out_trade_no") is not { } no || !_trades.TryGetValue(no, out var trade))
        {
            return GatewayAnswer.Json(Signed(key, new JsonObject { ["code"] = "40004", ["msg"] = "Business Failed", ["sub_code"] = AlipayMethods.TradeNotExist, ["sub_msg"] = "交易不存在" }));
        }

        lock (trade)
        {
            var node = new JsonObject
            {
                ["code"] = AlipayMethods.Success,
                ["msg"] = "Success",
                ["buyer_logon_id"] = "bu***@example.com",
                ["buyer_pay_amount"] = trade.PaidAt is null ? "0.00" : AlipayAmount.ToYuan(trade.AmountFen),
                ["out_trade_no"] = trade.OutTradeNo,
                ["receipt_amount"] = trade.PaidAt is null ? "0.00" : AlipayAmount.ToYuan(trade.AmountFen),
                ["total_amount"] = AlipayAmount.ToYuan(trade.AmountFen),
                ["trade_no"] = trade.TradeNo,
                ["trade_status"] = trade.Status,
            };
            if (trade.PaidAt is { } paid)
            {
                node["send_pay_date"] = AlipayMethods.Time(paid);
            }

            return GatewayAnswer.Json(Signed(key, node));
        }
    }

    private GatewayAnswer Refund(JsonObject biz, string key)
    {
        GatewayAnswer Fail(string subCode, string subMsg) =>
            GatewayAnswer.Json(Signed(key, new JsonObject { ["code"] = "40004", ["msg"] = "Business Failed", ["sub_code"] = subCode, ["sub_msg"] = subMsg }));

        if (Text(biz, "out_trade_no") is not { } no || !_trades.TryGetValue(no, out var trade))
        {
            return Fail(AlipayMethods.TradeNotExist, "交易不存在");
        }

        if (!AlipayAmount.TryParseFen(Text(biz, "refund_amount"), out var fen) || fen == 0)
        {
            return Fail("ACQ.INVALID_PARAMETER", "退款金额无效");
        }

        var requestNo = Text(biz, "out_request_no") ?? trade.OutTradeNo;
        lock (trade)
        {
            if (trade.PaidAt is null)
            {
                return Fail("ACQ.TRADE_STATUS_ERROR", "交易状态不合法");
            }

            if (trade.Refunds.TryGetValue(requestNo, out var earlier))
            {
                if (earlier.Fen != fen)
                {
                    return Fail("ACQ.REQUEST_AMOUNT_EXCEED", "同一请求号的退款金额不一致");
                }
            }
            else
            {
                if (trade.Refunds.Values.Sum(r => r.Fen) + fen > trade.AmountFen)
                {
                    return Fail("ACQ.REFUND_AMT_NOT_EQUAL_TOTAL", "退款金额超限");
                }

                trade.Refunds[requestNo] = new SimulatedRefund(requestNo, fen, time.GetUtcNow());
                if (trade.Refunds.Values.Sum(r => r.Fen) == trade.AmountFen)
                {
                    trade.Status = "TRADE_CLOSED";
                }
            }

            return GatewayAnswer.Json(Signed(key, new JsonObject
            {
                ["code"] = AlipayMethods.Success,
                ["msg"] = "Success",
                ["buyer_logon_id"] = "bu***@example.com",
                ["fund_change"] = earlier is null ? "Y" : "N",
                ["gmt_refund_pay"] = AlipayMethods.Time(trade.Refunds[requestNo].At),
                ["out_trade_no"] = trade.OutTradeNo,
                ["refund_fee"] = AlipayAmount.ToYuan(trade.Refunds.Values.Sum(r => r.Fen)),
                ["trade_no"] = trade.TradeNo,
            }));
        }
    }

    private GatewayAnswer BillUrl(JsonObject biz, string key)
    {
        if (Text(biz, "bill_type") != "trade" || !DateOnly.TryParseExact(Text(biz, "bill_date"), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
        {
            return GatewayAnswer.Json(Signed(key, new JsonObject { ["code"] = "40004", ["msg"] = "Business Failed", ["sub_code"] = "isp.bill_type_not_exist", ["sub_msg"] = "账单类型不存在" }));
        }

        if (BillZip(day) is null)
        {
            return GatewayAnswer.Json(Signed(key, new JsonObject { ["code"] = "40004", ["msg"] = "Business Failed", ["sub_code"] = AlipayMethods.BillNotExist, ["sub_msg"] = "账单不存在" }));
        }

        var url = new Uri(BaseAddress, $"sim/bills/{day:yyyy-MM-dd}.zip");
        return GatewayAnswer.Json(Signed(key, new JsonObject { ["code"] = AlipayMethods.Success, ["msg"] = "Success", ["bill_download_url"] = url.ToString() }));
    }

    private Dictionary<string, string> NotificationFor(Trade trade, string status, long fen)
    {
        var now = time.GetUtcNow();
        var amount = AlipayAmount.ToYuan(fen);
        return SignNotification(new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["gmt_create"] = AlipayMethods.Time(trade.CreatedAt),
            ["charset"] = "utf-8",
            ["gmt_payment"] = AlipayMethods.Time(trade.PaidAt ?? now),
            ["notify_time"] = AlipayMethods.Time(now),
            ["subject"] = trade.Subject,
            ["buyer_id"] = "2088102177846875",
            ["invoice_amount"] = amount,
            ["version"] = "1.0",
            ["notify_id"] = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)),
            ["fund_bill_list"] = "[{\"amount\":\"" + amount + "\",\"fundChannel\":\"ALIPAYACCOUNT\"}]",
            ["notify_type"] = "trade_status_sync",
            ["out_trade_no"] = trade.OutTradeNo,
            ["total_amount"] = amount,
            ["trade_status"] = status,
            ["trade_no"] = trade.TradeNo,
            ["auth_app_id"] = options.AppId,
            ["receipt_amount"] = amount,
            ["point_amount"] = "0.00",
            ["buyer_pay_amount"] = amount,
            ["app_id"] = options.AppId,
            ["seller_id"] = options.SellerId,
        });
    }

    private async Task<SimulatedNotification> SendAsync(Uri url, Dictionary<string, string> form, CancellationToken ct)
    {
        int? status = null;
        string? body = null;
        try
        {
            using var response = await Notifier.PostAsync(url, new FormUrlEncodedContent(form), ct);
            status = (int)response.StatusCode;
            body = await response.Content.ReadAsStringAsync(ct);
        }
        catch (HttpRequestException)
        {
            // Alipay would retry later; the test sees the missing answer.
        }

        var sent = new SimulatedNotification(form["notify_id"], form["out_trade_no"], form["trade_status"], form, status, body);
        _sent.Enqueue(sent);
        return sent;
    }

    private string Signed(string key, JsonObject node)
    {
        var text = node.ToJsonString(Json);
        var sign = AlipaySignature.Sign(text, options.AlipayPrivateKey);
        return "{\"" + key + "\":" + text + ",\"sign\":\"" + sign + "\"}";
    }

    private string TradeNumber() =>
        time.GetUtcNow().ToOffset(AlipayMethods.Shanghai).ToString("yyyyMMdd", CultureInfo.InvariantCulture) + "22001"
        + RandomNumberGenerator.GetInt32(100_000_000, 999_999_999).ToString(CultureInfo.InvariantCulture)
        + Interlocked.Increment(ref _sequence).ToString("000000", CultureInfo.InvariantCulture);

    private static string? Text(JsonObject node, string name) =>
        node.TryGetPropertyValue(name, out var value) && value is JsonValue v && v.TryGetValue<string>(out var text) ? text : null;

    private sealed class Trade(string outTradeNo, string tradeNo, long amountFen, string subject, string method, DateTimeOffset createdAt, long sequence)
    {
        public string OutTradeNo { get; } = outTradeNo;

        public string TradeNo { get; } = tradeNo;

        public long AmountFen { get; } = amountFen;

        public string Subject { get; } = subject;

        public string Method { get; } = method;

        public DateTimeOffset CreatedAt { get; } = createdAt;

        public long Sequence { get; } = sequence;

        public Uri? NotifyUrl { get; init; }

        public Uri? ReturnUrl { get; init; }

        public string Status { get; set; } = "WAIT_BUYER_PAY";

        public DateTimeOffset? PaidAt { get; set; }

        public Dictionary<string, SimulatedRefund> Refunds { get; } = new(StringComparer.Ordinal);

        public SimulatedTrade View()
        {
            lock (this)
            {
                return new(OutTradeNo, TradeNo, AmountFen, Subject, Status, PaidAt, [.. Refunds.Values]);
            }
        }
    }
}

public sealed record SimulatedRefund(string OutRequestNo, long Fen, DateTimeOffset At);

public sealed record SimulatedTrade(string OutTradeNo, string TradeNo, long AmountFen, string Subject, string Status, DateTimeOffset? PaidAt, IReadOnlyList<SimulatedRefund> Refunds);

/// <summary>What the gateway answers: signed JSON, or (page/wap pay) the payer page of a trade.</summary>
public sealed record GatewayAnswer(string? Body, string? PayerPageOf)
{
    public static GatewayAnswer Json(string body) => new(body, null);

    public static GatewayAnswer PayerPage(string outTradeNo) => new(null, outTradeNo);
}
