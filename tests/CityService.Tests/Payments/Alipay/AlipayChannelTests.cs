using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text.Json;
using CityService.AlipaySimulator;
using CityService.Core.Audit;
using CityService.Core.Payments;
using CityService.Core.Payments.Channels.Alipay;
using CityService.Core.Payments.Orders;
using CityService.Core.Storage;
using CityService.Tests.Infrastructure;
using CityService.Web.Features.Payments.Alipay;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CityService.Tests.Payments.Alipay;

/// <summary>
/// The Alipay channel in the host against the in-process simulator over real HTTP: starting, paying on the payer page,
/// the notifications reaching <c>POST /api/channels/alipay/notify</c> (duplicate, out of order, late, lost), query,
/// refund, the bill download, and every refused notification audited.
/// </summary>
public abstract class AlipayChannelTests(AppFixture app)
{
    private static readonly ConditionalWeakTable<AppFixture, AlipayHost> Hosts = [];
    private static int _next;

    private AlipayHost Host => Hosts.GetValue(app, a => new AlipayHost(a));

    private static string NewOrder() => Guid.CreateVersion7().ToString("N")[..24] + Interlocked.Increment(ref _next).ToString("x8", System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task Paying_on_the_payer_page_sends_a_signed_notification_that_is_taken_and_returns_the_browser_signed()
    {
        var (simulator, client) = await Host.StartedAsync();
        var (order, started) = await Host.OrderAsync(20_000);
        Assert.StartsWith(client.Options.GatewayUrl + "?", started.PayUrl, StringComparison.Ordinal);
        Assert.Contains("method=alipay.trade.wap.pay", started.PayUrl, StringComparison.Ordinal);
        Assert.Contains("app_id=", started.Parameters["orderString"], StringComparison.Ordinal);

        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        var page = await browser.GetStringAsync(started.PayUrl);
        Assert.Contains("￥200.00", page, StringComparison.Ordinal);
        var paid = await browser.PostAsync(new Uri(client.Options.GatewayUrl, $"/sim/payer/{order}"), null);
        Assert.Equal(HttpStatusCode.Redirect, paid.StatusCode);
        var back = paid.Headers.Location!;
        Assert.Equal("fuwu.example", back.Host);
        var returned = QueryHelpers.ParseQuery(back.Query).ToDictionary(q => q.Key, q => q.Value.ToString(), StringComparer.Ordinal);
        Assert.Equal("200.00", returned["total_amount"]);
        Assert.True(AlipaySignature.Verify(AlipaySignature.Content(returned, notification: true), returned["sign"], client.Options.AlipayPublicKey));

        var notification = Assert.Single(simulator.Notifications, n => n.OutTradeNo == order);
        Assert.Equal((200, AlipayNotifyEndpoint.Accepted), (notification.Status, notification.Body));
        Assert.Equal(new PaidOnce(PaymentState.Succeeded, null, notification.Form["trade_no"], 1, 1), await Host.StateAsync(order));
        Assert.Equal(ChannelTradeState.Paid, (await Host.Channel.QueryAsync(order, default)).State);
    }

    [Fact]
    public async Task Duplicate_out_of_order_and_late_notifications_are_each_answered_success_and_applied_once()
    {
        var (simulator, _) = await Host.StartedAsync();
        var duplicated = await Host.TradeAsync(5_000);
        var sent = await simulator.PayAsync(duplicated, new SimulatedPayOptions(Duplicates: 5), default);
        Assert.Equal(5, sent.Count);
        Assert.All(sent, n => Assert.Equal(AlipayNotifyEndpoint.Accepted, n.Body));
        Assert.Single(sent.Select(n => n.NotifyId).Distinct());
        Assert.Equal(new PaidOnce(PaymentState.Succeeded, null, sent[0].Form["trade_no"], 1, 1), await Host.StateAsync(duplicated));

        var reordered = await Host.TradeAsync(5_000);
        sent = await simulator.PayAsync(reordered, new SimulatedPayOptions(OutOfOrder: true), default);
        Assert.Equal(["TRADE_FINISHED", "TRADE_SUCCESS"], sent.Select(n => n.TradeStatus));
        Assert.All(sent, n => Assert.Equal(AlipayNotifyEndpoint.Accepted, n.Body));
        Assert.Equal(new PaidOnce(PaymentState.Succeeded, null, sent[0].Form["trade_no"], 1, 1), await Host.StateAsync(reordered));

        var late = await Host.TradeAsync(5_000);
        Assert.Empty(await simulator.PayAsync(late, new SimulatedPayOptions(Hold: true), default));
        Assert.Equal(PaymentState.Pending, (await Host.StateAsync(late)).State);
        app.Time.Advance(TimeSpan.FromMinutes(10)); // Alipay's second try comes 4 minutes after the first, its third 10 after that
        var flushed = Assert.Single(await simulator.FlushAsync(default), n => n.OutTradeNo == late);
        Assert.Equal(AlipayNotifyEndpoint.Accepted, flushed.Body);
        Assert.Equal(new PaidOnce(PaymentState.Succeeded, null, flushed.Form["trade_no"], 1, 1), await Host.StateAsync(late));
    }

    [Fact]
    public async Task A_lost_notification_leaves_the_trade_to_the_query_and_an_unknown_trade_is_not_found()
    {
        var (simulator, _) = await Host.StartedAsync();
        var order = await Host.TradeAsync(12_345);
        Assert.Equal(ChannelTradeState.Pending, (await Host.Channel.QueryAsync(order, default)).State);
        Assert.Empty(await simulator.PayAsync(order, new SimulatedPayOptions(Lost: true), default));
        Assert.Equal(PaymentState.Pending, (await Host.StateAsync(order)).State);

        var query = await Host.Channel.QueryAsync(order, default);
        Assert.Equal((ChannelTradeState.Paid, 12_345L, simulator.Find(order)!.TradeNo, (string?)null), (query.State, query.AmountFen, query.TradeNo, query.Error));
        Assert.Equal(app.Time.GetUtcNow().AddTicks(-app.Time.GetUtcNow().Ticks % TimeSpan.TicksPerSecond), query.PaidAt);
        Assert.Equal((ChannelTradeState.NotFound, (string?)null), ((await Host.Channel.QueryAsync(NewOrder(), default)).State, (await Host.Channel.QueryAsync(NewOrder(), default)).Error));
    }

    [Fact]
    public async Task Refunds_go_through_the_gateway_once_per_refund_number_and_never_above_the_payment()
    {
        var (simulator, _) = await Host.StartedAsync();
        var order = await Host.TradeAsync(10_000);
        await simulator.PayAsync(order, new SimulatedPayOptions(Lost: true), default);
        var first = new ChannelRefundRequest(order, null, NewOrder(), 3_000, 10_000, "多缴");

        Assert.Equal(ChannelRefundState.Succeeded, (await Host.Channel.RefundAsync(first, default)).State);
        Assert.Equal(ChannelRefundState.Succeeded, (await Host.Channel.RefundAsync(first, default)).State); // the same out_request_no: refunded once
        Assert.Equal(3_000, simulator.Find(order)!.Refunds.Sum(r => r.Fen));
        var tooMuch = await Host.Channel.RefundAsync(first with { OutRefundNo = NewOrder(), RefundFen = 7_001 }, default);
        Assert.Equal(ChannelRefundState.Failed, tooMuch.State);
        Assert.Contains("ACQ.REFUND_AMT_NOT_EQUAL_TOTAL", tooMuch.Error, StringComparison.Ordinal);
        Assert.Equal(ChannelRefundState.Succeeded, (await Host.Channel.RefundAsync(first with { OutRefundNo = NewOrder(), RefundFen = 7_000 }, default)).State);
        Assert.Equal("TRADE_CLOSED", simulator.Find(order)!.Status);
        Assert.Equal(ChannelRefundState.Failed, (await Host.Channel.RefundAsync(first with { OutTradeNo = NewOrder() }, default)).State);
    }

    [Fact]
    public async Task The_days_bill_is_downloaded_as_alipays_zip_and_read_back_trade_by_trade()
    {
        var (simulator, _) = await Host.StartedAsync();
        var order = await Host.TradeAsync(8_800);
        await simulator.PayAsync(order, new SimulatedPayOptions(Lost: true), default);
        var refundNo = NewOrder();
        await Host.Channel.RefundAsync(new ChannelRefundRequest(order, null, refundNo, 800, 8_800, "部分退款"), default);
        var day = DateOnly.FromDateTime(app.Time.GetUtcNow().ToOffset(TimeSpan.FromHours(8)).DateTime);

        var file = await Host.Channel.DownloadSettlementAsync(day, default);
        Assert.True(file.Ok, file.Error);
        Assert.StartsWith("#支付宝业务明细查询", file.Text, StringComparison.Ordinal);
        var parsed = Host.Channel.ParseSettlement(file.Text!);
        Assert.Null(parsed.Error);
        var tradeNo = simulator.Find(order)!.TradeNo;
        Assert.Contains(parsed.Lines, l => l == new SettlementLine(tradeNo, order, SettlementKind.Payment, 8_800, l.At, null));
        Assert.Contains(parsed.Lines, l => l == new SettlementLine(tradeNo, order, SettlementKind.Refund, 800, l.At, refundNo));

        var empty = await Host.Channel.DownloadSettlementAsync(day.AddYears(-5), default);
        Assert.Equal((true, string.Empty), (empty.Ok, empty.Text));
    }

    public static TheoryData<string> Refusals() =>
    [
        PaymentErrors.Alipay.NotSigned, PaymentErrors.Alipay.BadSignature, PaymentErrors.Alipay.WrongApp, PaymentErrors.Alipay.Stale,
        PaymentErrors.Alipay.Replayed, PaymentErrors.Alipay.UnknownOrder, PaymentErrors.Alipay.BadAmount, PaymentErrors.Alipay.Malformed,
    ];

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task A_refused_notification_answers_fail_changes_nothing_and_is_audited_with_its_reason(string reason)
    {
        var (simulator, _) = await Host.StartedAsync();
        var (order, _) = await Host.OrderAsync(20_000);
        var now = app.Time.GetUtcNow();
        var form = Host.NotificationFor(simulator, order, now);
        switch (reason)
        {
            case PaymentErrors.Alipay.NotSigned:
                form.Remove("sign");
                break;
            case PaymentErrors.Alipay.BadSignature:
                form["sign"] = (form["sign"][0] == 'A' ? "B" : "A") + form["sign"][1..];
                break;
            case PaymentErrors.Alipay.WrongApp:
                form = simulator.SignNotification(new(form) { ["app_id"] = "2021009999999999" });
                break;
            case PaymentErrors.Alipay.Stale:
                form = simulator.SignNotification(new(form) { ["notify_time"] = AlipayMethods.Time(now.AddHours(-27)) });
                break;
            case PaymentErrors.Alipay.Replayed:
                Assert.Equal(AlipayNotifyEndpoint.Accepted, await Host.PostAsync(form, HttpStatusCode.OK));
                form = simulator.SignNotification(new(form) { ["out_trade_no"] = (await Host.OrderAsync(20_000)).OutTradeNo });
                break;
            case PaymentErrors.Alipay.UnknownOrder:
                form = simulator.SignNotification(new(form) { ["out_trade_no"] = NewOrder() });
                break;
            case PaymentErrors.Alipay.BadAmount:
                form = simulator.SignNotification(new(form) { ["total_amount"] = "200" });
                break;
            default:
                form = simulator.SignNotification(new(form) { ["trade_status"] = "TRADE_PAID" });
                break;
        }

        Assert.Equal(AlipayNotifyEndpoint.Refused, await Host.PostAsync(form, HttpStatusCode.BadRequest));
        if (reason != PaymentErrors.Alipay.UnknownOrder)
        {
            Assert.Equal(new PaidOnce(PaymentState.Pending, null, null, 0, 0), await Host.StateAsync(form["out_trade_no"]));
        }

        Assert.Contains(await Host.RefusalsAsync(), d => d.Contains($"\"reason\":\"{reason}\"", StringComparison.Ordinal) && d.Contains(form["notify_id"], StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_well_signed_notification_with_another_amount_is_flagged_and_pays_no_bill()
    {
        var (simulator, _) = await Host.StartedAsync();
        var order = await Host.TradeAsync(20_000);
        var sent = Assert.Single(await simulator.PayAsync(order, new SimulatedPayOptions(AmountFen: 19_999), default));
        Assert.Equal(AlipayNotifyEndpoint.Accepted, sent.Body);
        var state = await Host.StateAsync(order);
        Assert.NotEqual(PaymentState.Succeeded, state.State);
        Assert.Equal((PaymentFlags.AmountMismatch, 0), (state.FlagReason, state.BillsPaid));
    }

    [Fact]
    public async Task A_notification_signed_in_node_the_way_alipay_signs_is_taken_and_tampered_ones_are_refused()
    {
        var (simulator, _) = await Host.StartedAsync();
        var (order, _) = await Host.OrderAsync(20_000);
        var form = Host.NotificationFor(simulator, order, app.Time.GetUtcNow());
        form.Remove("sign");
        form.Remove("sign_type");
        var results = await AlipayNode.RunAsync(new System.Text.Json.Nodes.JsonObject
        {
            ["kind"] = "signNotify", ["alipayPrivateKey"] = simulator.Options.AlipayPrivateKey.ExportPkcs8PrivateKeyPem(), ["form"] = JsonSerializer.SerializeToNode(form),
        });
        var signed = results[0]!["form"].Deserialize<Dictionary<string, string>>()!;

        var amount = new Dictionary<string, string>(signed) { ["total_amount"] = "2.00" };
        Assert.Equal(AlipayNotifyEndpoint.Refused, await Host.PostAsync(amount, HttpStatusCode.BadRequest));
        var sign = signed["sign"];
        var oneCharacter = new Dictionary<string, string>(signed) { ["sign"] = sign[..10] + (sign[10] == 'x' ? 'y' : 'x') + sign[11..] };
        Assert.Equal(AlipayNotifyEndpoint.Refused, await Host.PostAsync(oneCharacter, HttpStatusCode.BadRequest));
        Assert.Equal(PaymentState.Pending, (await Host.StateAsync(order)).State);
        Assert.Equal(AlipayNotifyEndpoint.Accepted, await Host.PostAsync(signed, HttpStatusCode.OK));
        Assert.Equal(new PaidOnce(PaymentState.Succeeded, null, signed["trade_no"], 1, 1), await Host.StateAsync(order));
    }

    [Theory]
    [InlineData("text/plain", "hello")]
    [InlineData("application/x-www-form-urlencoded", "")]
    [InlineData("application/x-www-form-urlencoded", "sign=%%%&a=1")]
    [InlineData("application/x-www-form-urlencoded", "sign=a&sign=b")]
    [InlineData("application/json", "{\"sign\":\"x\"}")]
    public async Task Garbage_at_the_notify_endpoint_is_refused_without_an_error(string type, string body)
    {
        using var content = new StringContent(body, System.Text.Encoding.UTF8);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(type);
        var response = await Host.Client.PostAsync("/api/channels/alipay/notify", content);
        Assert.True(response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.UnsupportedMediaType, $"{response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>What an order came to: its state, flag and trade number, its bills paid by it, its payment postings.</summary>
    private sealed record PaidOnce(PaymentState State, string? FlagReason, string? TradeNo, int BillsPaid, int Postings);

    /// <summary>The fixture's host with its real payment rules, and the simulator's notifications routed into it.</summary>
    private sealed class AlipayHost(AppFixture app)
    {
        private static int _bill;
        private Guid? _account;

        public HttpClient Client { get; } = app.Client();

        public AlipayChannel Channel { get; } = app.Service<AlipayChannel>();

        public string NotifyUrl => new Uri(Client.BaseAddress!, "/api/channels/alipay/notify").ToString();

        public async Task<(AlipaySimulator.AlipaySimulator Simulator, AlipayClient Client)> StartedAsync()
        {
            var client = await Channel.Simulator!.ClientAsync(default);
            var simulator = Channel.Simulator.Host!.Simulator;
            simulator.Notifier = Client;
            return (simulator, client);
        }

        /// <summary>A bill and a citizen's order for it through the alipay channel (the payments rules ask the channel to start).</summary>
        public async Task<(string OutTradeNo, PaymentStartView Start)> OrderAsync(long fen)
        {
            await using var scope = app.App.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<CityDbContext>();
            var now = app.Time.GetUtcNow();
            if (_account is null)
            {
                var account = CityService.Core.Identity.Account.Open(CityService.Core.Identity.AccountKind.Citizen, "alipay-test-" + Guid.NewGuid().ToString("N"), "cipher", now);
                db.Add(account);
                await db.SaveChangesAsync();
                _account = account.Id;
            }

            var n = Interlocked.Increment(ref _bill).ToString(System.Globalization.CultureInfo.InvariantCulture);
            var bill = Bill.Issue("330100", "PSB", "ALIPAY-" + Guid.NewGuid().ToString("N"), "交通违法罚款", "Traffic fine", BillPayerKind.Plate, "alipay-plate-" + n, "V-" + n, null, null,
                [new BillLine(RevenueHeads.Fine, fen, "罚款", "Fine")], PaymentService.Today(now).AddDays(30), 0, 0, "hash-" + n, now);
            db.Bills.Add(bill);
            await db.SaveChangesAsync();
            var answer = await scope.ServiceProvider.GetRequiredService<PaymentService>().CreateAsync(
                _account.Value, "alipay-" + Guid.NewGuid().ToString("N"), new CreatePaymentRequest([bill.Id], PaymentChannels.Alipay), _ => NotifyUrl, id => $"https://fuwu.example/pay/result/{id}", default);
            Assert.True(answer.Payment?.Start is not null, $"{answer.Status} {answer.Error}");
            return (answer.Payment!.Id.ToString("N"), answer.Payment.Start!);
        }

        /// <summary>An order whose trade the simulator knows (the wallet app took our order string), not yet paid.</summary>
        public async Task<string> TradeAsync(long fen)
        {
            var (_, client) = await StartedAsync();
            var (outTradeNo, start) = await OrderAsync(fen);
            using var http = new HttpClient();
            var taken = await http.PostAsync(new Uri(client.Options.GatewayUrl, "/sim/app-pay"), new StringContent(start.Parameters["orderString"]));
            Assert.Contains(outTradeNo, await taken.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            return outTradeNo;
        }

        public async Task<PaidOnce> StateAsync(string outTradeNo)
        {
            var id = Guid.ParseExact(outTradeNo, "N");
            await using var scope = app.App.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<CityDbContext>();
            var order = await db.PaymentOrders.AsNoTracking().SingleAsync(o => o.Id == id);
            var bills = await db.Bills.AsNoTracking().CountAsync(b => b.PaidByPaymentId == id && b.State == BillState.Paid);
            var postings = await db.LedgerEntries.AsNoTracking().Where(e => e.PaymentId == id && e.Kind == LedgerKinds.Payment).Select(e => e.PostingId).Distinct().CountAsync();
            return new(order.State, order.FlagReason, order.ChannelTradeNo, bills, postings);
        }

        public Dictionary<string, string> NotificationFor(AlipaySimulator.AlipaySimulator simulator, string outTradeNo, DateTimeOffset now) =>
            simulator.SignNotification(new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["app_id"] = Channel.Connection.AppId, ["notify_id"] = Guid.NewGuid().ToString("N"), ["notify_time"] = AlipayMethods.Time(now), ["notify_type"] = "trade_status_sync",
                ["out_trade_no"] = outTradeNo, ["trade_no"] = "2026112222001" + outTradeNo[..15], ["trade_status"] = "TRADE_SUCCESS", ["total_amount"] = "200.00",
                ["gmt_payment"] = AlipayMethods.Time(now), ["charset"] = "utf-8", ["version"] = "1.0", ["subject"] = "交通违法罚款",
            });

        public async Task<string> PostAsync(Dictionary<string, string> form, HttpStatusCode status)
        {
            var response = await Client.PostAsync("/api/channels/alipay/notify", new FormUrlEncodedContent(form));
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == status, $"{response.StatusCode}: {body}");
            return body;
        }

        public async Task<List<string>> RefusalsAsync()
        {
            await using var scope = app.App.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<CityDbContext>();
            return await db.AuditEntries.AsNoTracking().Where(e => e.Action == AuditActions.NoticeRejected && e.Outcome == AuditOutcomes.Refused).Select(e => e.Details!).ToListAsync();
        }
    }
}

public sealed class AlipayChannelTests_Sqlite(SqliteApp app) : AlipayChannelTests(app), IClassFixture<SqliteApp>;

public sealed class AlipayChannelTests_Postgres(PostgresApp app) : AlipayChannelTests(app), IClassFixture<PostgresApp>;
