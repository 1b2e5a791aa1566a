using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using CityService.Core.Audit;
using CityService.Core.Payments;
using CityService.Core.Payments.Channels.WeChatPay;
using CityService.Core.Storage;
using CityService.Tests.Infrastructure;
using CityService.WeChatPaySimulator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CityService.Tests.Payments.WeChatPay;

/// <summary>The wechatpay channel through the host and its in-process simulator, on the fixture's database and clock.</summary>
public abstract class WeChatPayHttpTests(AppFixture app)
{
    private const string NotifyUrl = "http://localhost" + WeChatPayApi.NotifyPath;
    private readonly WeChatPayTestHost _host = WeChatPayTestHost.For(app);

    private static int _bill;

    /// <summary>A bill and a wechatpay order for it (as the payments API writes them), and the trade started at the simulator.</summary>
    private async Task<(string OutTradeNo, ChannelStartResult Start)> NewTradeAsync(long amountFen = 20_000)
    {
        string outTradeNo;
        await using (var scope = _host.Factory.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<CityDbContext>();
            var now = app.Time.GetUtcNow();
            var n = "WX-" + Interlocked.Increment(ref _bill).ToString(CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N")[..8];
            var bill = Bill.Issue("330100", "PSB", n, "交通违法罚款", "Traffic fine", BillPayerKind.Plate, "plate-" + n, "V-" + n, null, null,
                [new BillLine(RevenueHeads.Fine, amountFen, "罚款", "Fine")], DateOnly.FromDateTime(now.UtcDateTime).AddDays(30), 0, 0, "hash-" + n, now);
            var account = await db.Accounts.AsNoTracking().OrderBy(a => a.Id).Select(a => a.Id).FirstAsync();
            var order = PaymentOrder.Create("330100", account, PaymentChannels.WeChatPay, amountFen, now, TimeSpan.FromMinutes(30));
            order.MarkPending("{}");
            db.Bills.Add(bill);
            db.PaymentOrders.Add(order);
            db.PaymentOrderBills.Add(PaymentOrderBill.For(order, bill, bill.Lines));
            await db.SaveChangesAsync();
            outTradeNo = order.OutTradeNo;
        }

        var start = await _host.Channel.StartAsync(new ChannelOrder(outTradeNo, amountFen, "交通违法罚款", app.Time.GetUtcNow().AddMinutes(30), NotifyUrl, null), CancellationToken.None);
        Assert.True(start.Ok, start.Error);
        return (outTradeNo, start);
    }

    private Task<WeChatPaySimulatorHost> SimulatorAsync() => _host.SimulatorAsync();

    private async Task<HttpResponseMessage> PostAsync(SimulatedNotification notice, Action<HttpRequestMessage>? change = null, string? language = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, WeChatPayApi.NotifyPath) { Content = new StringContent(notice.Body, Encoding.UTF8, "application/json") };
        foreach (var (name, value) in notice.Headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        change?.Invoke(request);
        return await _host.Client(language).SendAsync(request);
    }

    /// <summary>A notification signed with the simulator's platform key over <paramref name="body"/> at <paramref name="at"/>.</summary>
    private SimulatedNotification Signed(string id, string body, DateTimeOffset? at = null)
    {
        var timestamp = WeChatPaySignature.UnixSeconds(at ?? app.Time.GetUtcNow());
        var nonce = WeChatPaySignature.NewNonce();
        var options = _host.Connection.SimulatorOptions;
        return new(id, timestamp, nonce, WeChatPaySignature.Sign(options.PlatformPrivateKey, WeChatPaySignature.ResponseMessage(timestamp, nonce, body)), options.PlatformSerial, body);
    }

    private string Body(string id, WeChatPayTransaction transaction, string? apiV3Key = null, string associatedData = "transaction")
    {
        const string nonce = "0123456789ab";
        var ciphertext = WeChatPayAead.Encrypt(apiV3Key ?? _host.Connection.SimulatorOptions.ApiV3Key, nonce, associatedData, JsonSerializer.Serialize(transaction, WeChatPayApi.Json));
        return JsonSerializer.Serialize(new WeChatPayNotificationBody(id, "2026-11-22T10:00:00+08:00", "TRANSACTION.SUCCESS", "encrypt-resource",
            new WeChatPayResource(WeChatPayAead.Algorithm, ciphertext, nonce) { AssociatedData = "transaction", OriginalType = "transaction" }), WeChatPayApi.Json);
    }

    private WeChatPayTransaction Paid(string outTradeNo, long fen, string? mchId = null) =>
        new(_host.Connection.Options.AppId, mchId ?? _host.Connection.Options.MchId, outTradeNo, WeChatPayApi.TradeStates.Success)
        {
            TransactionId = "4200000000202611220000000001",
            SuccessTime = "2026-11-22T10:00:00+08:00",
            Amount = new WeChatPayAmount(fen) { PayerTotal = fen, PayerCurrency = "CNY" },
        };

    private async Task<(PaymentState State, string? Flag, long? PaidFen, int LedgerLines)> OrderAsync(string outTradeNo)
    {
        using var scope = _host.Factory.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<CityDbContext>();
        var id = Guid.ParseExact(outTradeNo, "N");
        var order = await db.PaymentOrders.AsNoTracking().SingleAsync(o => o.Id == id);
        return (order.State, order.FlagReason, order.PaidFen, await db.LedgerEntries.CountAsync(e => e.PaymentId == id));
    }

    private async Task<List<string>> RejectionReasonsAsync()
    {
        using var scope = _host.Factory.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<CityDbContext>();
        var details = await db.AuditEntries.AsNoTracking().Where(e => e.Action == AuditActions.NoticeRejected).Select(e => e.Details!).ToListAsync();
        return [.. details.Select(d => JsonDocument.Parse(d).RootElement.GetProperty("reason").GetString()!)];
    }

    [Fact]
    public async Task A_native_order_pays_on_the_payer_page_and_five_copies_of_the_notification_apply_it_once()
    {
        var (outTradeNo, start) = await NewTradeAsync();
        Assert.StartsWith("weixin://wxpay/bizpayurl?pr=", start.Parameters["codeUrl"], StringComparison.Ordinal);
        Assert.Equal("NATIVE", start.Parameters["tradeType"]);
        var simulator = await SimulatorAsync();
        Assert.StartsWith(simulator.BaseAddress + "pay?code_url=", start.PayUrl, StringComparison.Ordinal);

        using var payer = new HttpClient();
        var page = await payer.GetStringAsync(start.PayUrl);
        Assert.Contains("确认支付", page, StringComparison.Ordinal);
        var paid = await payer.PostAsync(new Uri(simulator.BaseAddress, "pay"), new FormUrlEncodedContent(new Dictionary<string, string> { ["code_url"] = start.Parameters["codeUrl"] }));
        Assert.Equal(HttpStatusCode.OK, paid.StatusCode);

        var again = await payer.PostAsJsonAsync(new Uri(simulator.BaseAddress, $"sim/trades/{outTradeNo}/pay"), new { notifications = 5 });
        Assert.Equal(HttpStatusCode.NoContent, again.StatusCode);

        var noticeId = simulator.Simulator.Notification(outTradeNo).Id;
        var delivered = simulator.Simulator.Delivered.Where(d => d.Id == noticeId).ToList();
        Assert.Equal(6, delivered.Count);
        Assert.All(delivered, d => Assert.Equal(HttpStatusCode.NoContent, d.Status));
        var (state, flag, _, ledgerLines) = await OrderAsync(outTradeNo);
        Assert.Equal((PaymentState.Succeeded, (string?)null, 2), (state, flag, ledgerLines)); // one posting: clearing debit, revenue credit

        using var scope = _host.Factory.Services.CreateScope();
        var seen = await scope.ServiceProvider.GetRequiredService<CityDbContext>().WeChatPayNotices.AsNoTracking().Where(n => n.OutTradeNo == outTradeNo).ToListAsync();
        Assert.Equal(noticeId, Assert.Single(seen).Id);
    }

    [Fact]
    public async Task A_lost_notification_is_recovered_by_the_query_and_refunds_and_the_trade_bill_go_through_the_simulator()
    {
        var (outTradeNo, _) = await NewTradeAsync(12_345);
        var simulator = await SimulatorAsync();
        Assert.Equal(ChannelTradeState.Pending, (await _host.Channel.QueryAsync(outTradeNo, CancellationToken.None)).State);
        Assert.True(await simulator.Simulator.PayAsync(outTradeNo, new SimulatedPayment(Notify: false), CancellationToken.None));
        Assert.Equal(PaymentState.Pending, (await OrderAsync(outTradeNo)).State);

        var query = await _host.Channel.QueryAsync(outTradeNo, CancellationToken.None);
        Assert.Equal((ChannelTradeState.Paid, 12_345L, (string?)null), (query.State, query.AmountFen!.Value, query.Error));
        Assert.Equal(new ChannelQueryResult(ChannelTradeState.NotFound, null, null, null, null), await _host.Channel.QueryAsync(Guid.NewGuid().ToString("N"), CancellationToken.None));

        var refundNo = Guid.CreateVersion7().ToString("N");
        var refund = await _host.Channel.RefundAsync(new ChannelRefundRequest(outTradeNo, query.TradeNo, refundNo, 2_345, 12_345, "多缴退还"), CancellationToken.None);
        Assert.Equal(ChannelRefundState.Succeeded, refund.State);
        Assert.Equal(refund, await _host.Channel.RefundAsync(new ChannelRefundRequest(outTradeNo, query.TradeNo, refundNo, 2_345, 12_345, "多缴退还"), CancellationToken.None));
        var tooMuch = await _host.Channel.RefundAsync(new ChannelRefundRequest(outTradeNo, query.TradeNo, Guid.CreateVersion7().ToString("N"), 10_001, 12_345, "超额"), CancellationToken.None);
        Assert.Equal(ChannelRefundState.Failed, tooMuch.State);
        Assert.Contains("NOT_ENOUGH", tooMuch.Error, StringComparison.Ordinal);

        var day = DateOnly.FromDateTime(app.Time.GetUtcNow().ToOffset(TimeSpan.FromHours(8)).DateTime);
        var file = await _host.Channel.DownloadSettlementAsync(day, CancellationToken.None);
        Assert.True(file.Ok, file.Error);
        var lines = _host.Channel.ParseSettlement(file.Text!);
        Assert.Null(lines.Error);
        Assert.Equal([(SettlementKind.Payment, 12_345L), (SettlementKind.Refund, 2_345L)], lines.Lines.Where(l => l.OutTradeNo == outTradeNo).Select(l => (l.Kind, l.AmountFen)));
        Assert.Equal(refundNo, lines.Lines.Single(l => l.Kind == SettlementKind.Refund && l.OutTradeNo == outTradeNo).OutRefundNo);
    }

    [Fact]
    public async Task An_amount_the_wallet_reports_differently_reaches_the_payments_rules_as_it_was_paid()
    {
        var (outTradeNo, _) = await NewTradeAsync(5_000);
        var simulator = await SimulatorAsync();
        Assert.True(await simulator.Simulator.PayAsync(outTradeNo, new SimulatedPayment(AmountFen: 4_999), CancellationToken.None));
        var (state, flag, paid, _) = await OrderAsync(outTradeNo);
        Assert.NotEqual(PaymentState.Succeeded, state);
        Assert.NotNull(flag);
        Assert.Equal(4_999L, paid);
    }

    [Fact]
    public async Task Notifications_unsigned_mis_signed_stale_undecryptable_not_ours_replayed_or_for_no_order_are_refused_and_audited()
    {
        var (outTradeNo, _) = await NewTradeAsync();
        var simulator = await SimulatorAsync();
        Assert.True(await simulator.Simulator.PayAsync(outTradeNo, new SimulatedPayment(Notify: false), CancellationToken.None));
        var genuine = simulator.Simulator.Notification(outTradeNo);
        var before = (await RejectionReasonsAsync()).Count;

        async Task Refused(HttpResponseMessage response, HttpStatusCode status, string error)
        {
            var body = await response.Json(status);
            Assert.Equal("FAIL", body.GetProperty("code").GetString());
            Assert.Equal(error, body.GetProperty("error").GetString());
            Assert.False(string.IsNullOrEmpty(body.GetProperty("message").GetString()));
        }

        await Refused(await PostAsync(genuine, r => r.Headers.Remove(WeChatPaySignedHeaders.SignatureHeader)), HttpStatusCode.Unauthorized, "wechatpay.notice-unsigned");
        await Refused(await PostAsync(genuine with { Serial = "PUB_KEY_ID_OTHER" }), HttpStatusCode.Unauthorized, "wechatpay.notice-unknown-serial");
        await Refused(await PostAsync(genuine with { Body = genuine.Body.Replace("支付成功", "支付成功 ", StringComparison.Ordinal) }), HttpStatusCode.Unauthorized, "wechatpay.notice-bad-signature");
        await Refused(await PostAsync(genuine with { Timestamp = WeChatPaySignature.UnixSeconds(app.Time.GetUtcNow().AddSeconds(1)) }), HttpStatusCode.Unauthorized, "wechatpay.notice-bad-signature");
        await Refused(await PostAsync(Signed(genuine.Id, genuine.Body, app.Time.GetUtcNow().AddMinutes(-6))), HttpStatusCode.Unauthorized, "wechatpay.notice-stale");
        await Refused(await PostAsync(Signed("EV-X1", Body("EV-X1", Paid(outTradeNo, 20_000), apiV3Key: "ffffffffffffffffffffffffffffffff"))), HttpStatusCode.BadRequest, "wechatpay.notice-undecryptable");
        await Refused(await PostAsync(Signed("EV-X2", Body("EV-X2", Paid(outTradeNo, 20_000), associatedData: "certificate"))), HttpStatusCode.BadRequest, "wechatpay.notice-undecryptable");
        await Refused(await PostAsync(Signed("EV-X3", Body("EV-X3", Paid(outTradeNo, 20_000, mchId: "1900000999"))), language: "en"), HttpStatusCode.BadRequest, "wechatpay.notice-wrong-merchant");
        await Refused(await PostAsync(Signed("EV-X4", "{\"id\":\"EV-X4\"")), HttpStatusCode.BadRequest, "wechatpay.notice-malformed");
        await Refused(await PostAsync(Signed("EV-X5", Body("EV-X5", Paid(Guid.NewGuid().ToString("N"), 20_000)))), HttpStatusCode.NotFound, "wechatpay.notice-unknown-order");

        Assert.Equal(HttpStatusCode.NoContent, (await PostAsync(genuine)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await PostAsync(simulator.Simulator.Notification(outTradeNo))).StatusCode); // a retry: same id, same content, fresh nonces
        await Refused(await PostAsync(Signed(genuine.Id, Body(genuine.Id, Paid(outTradeNo, 1)))), HttpStatusCode.Conflict, "wechatpay.notice-replayed");

        Assert.Equal((PaymentState.Succeeded, 2), ((await OrderAsync(outTradeNo)).State, (await OrderAsync(outTradeNo)).LedgerLines));
        Assert.Equal(
            ["wechatpay.notice-unsigned", "wechatpay.notice-unknown-serial", "wechatpay.notice-bad-signature", "wechatpay.notice-bad-signature", "wechatpay.notice-stale",
                "wechatpay.notice-undecryptable", "wechatpay.notice-undecryptable", "wechatpay.notice-wrong-merchant", "wechatpay.notice-malformed", "wechatpay.notice-unknown-order",
                "wechatpay.notice-replayed"],
            (await RejectionReasonsAsync()).Skip(before));
    }

    [Theory]
    [InlineData("")]
    [InlineData("null")]
    [InlineData("[]")]
    [InlineData("{\"id\":\"EV\",\"resource_type\":\"encrypt-resource\",\"resource\":{\"algorithm\":\"AEAD_AES_256_GCM\",\"ciphertext\":\"AAAA\",\"nonce\":null}}")]
    [InlineData("{\"id\":1,\"resource\":7}")]
    public async Task Any_signed_garbage_is_a_4xx_never_a_500(string body)
    {
        var response = await PostAsync(Signed("EV-G", body));
        Assert.InRange((int)response.StatusCode, 400, 499);
    }

    [Fact]
    public async Task A_notification_built_by_the_wechatpay_library_is_accepted_and_tampered_copies_are_refused()
    {
        var (outTradeNo, _) = await NewTradeAsync(8_800);
        await SimulatorAsync();
        var options = _host.Connection.SimulatorOptions;
        var id = "EV-" + Guid.NewGuid().ToString("N");
        string[] tampers = ["ciphertext", "signature", "timestamp", "none"];
        var built = await WeChatPayTestHost.Node("notifications", new
        {
            apiV3Key = options.ApiV3Key, platformPrivateKey = options.PlatformPrivateKey.ExportPkcs8PrivateKeyPem(), serial = options.PlatformSerial,
            timestamp = app.Time.GetUtcNow().ToUnixTimeSeconds(), id, createTime = "2026-11-22T10:00:00+08:00", tampers,
            transaction = JsonSerializer.SerializeToElement(Paid(outTradeNo, 8_800), WeChatPayApi.Json),
        });
        var statuses = new List<HttpStatusCode>();
        foreach (var notice in built.GetProperty("notifications").EnumerateArray())
        {
            var headers = notice.GetProperty("headers");
            Assert.Equal(PaymentState.Pending, (await OrderAsync(outTradeNo)).State);
            statuses.Add((await PostAsync(new SimulatedNotification(id, headers.GetProperty("Wechatpay-Timestamp").GetString()!, headers.GetProperty("Wechatpay-Nonce").GetString()!,
                headers.GetProperty("Wechatpay-Signature").GetString()!, headers.GetProperty("Wechatpay-Serial").GetString()!, notice.GetProperty("body").GetString()!))).StatusCode);
        }

        Assert.Equal([HttpStatusCode.BadRequest, HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.NoContent], statuses);
        Assert.Equal(PaymentState.Succeeded, (await OrderAsync(outTradeNo)).State);
    }
}

public sealed class WeChatPayHttpTests_Sqlite(SqliteApp app) : WeChatPayHttpTests(app), IClassFixture<SqliteApp>;

public sealed class WeChatPayHttpTests_Postgres(PostgresApp app) : WeChatPayHttpTests(app), IClassFixture<PostgresApp>;
