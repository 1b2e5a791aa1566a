using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text.Json;
using CityService.AlipaySimulator;
using CityService.Core.Audit;
using CityService.Core.Payments;
using CityService.Core.Payments.Channels.Alipay;
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
        var order = Host.Known(NewOrder(), 20_000);
        var started = await Host.Channel.StartAsync(new ChannelOrder(order, 20_000, "交通违法罚款", app.Time.GetUtcNow().AddMinutes(30), Host.NotifyUrl, "https://fuwu.example/pay/result"), default);
        Assert.True(started.Ok);
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
        var notice = Assert.Single(Host.Notices.Received, n => n.OutTradeNo == order);
        Assert.Equal(("alipay", 20_000L, notification.Form["trade_no"], notification.NotifyId), (notice.Channel, notice.AmountFen, notice.TradeNo, notice.NoticeId));
        Assert.Equal(ChannelTradeState.Paid, (await Host.Channel.QueryAsync(order, default)).State);
    }

    [Fact]
    public async Task Duplicate_out_of_order_and_late_notifications_are_each_answered_success_and_applied_once()
    {
        var (simulator, _) = await Host.StartedAsync();
        var duplicated = await Host.TradeAsync(NewOrder(), 5_000);
        var sent = await simulator.PayAsync(duplicated, new SimulatedPayOptions(Duplicates: 5), default);
        Assert.Equal(5, sent.Count);
        Assert.All(sent, n => Assert.Equal(AlipayNotifyEndpoint.Accepted, n.Body));
        Assert.Single(sent.Select(n => n.NotifyId).Distinct());
        Assert.Equal([NoticeOutcome.Applied, .. Enumerable.Repeat(NoticeOutcome.AlreadyApplied, 4)], Host.Notices.OutcomesOf(duplicated).Order());

        var reordered = await Host.TradeAsync(NewOrder(), 5_000);
        sent = await simulator.PayAsync(reordered, new SimulatedPayOptions(OutOfOrder: true), default);
        Assert.Equal(["TRADE_FINISHED", "TRADE_SUCCESS"], sent.Select(n => n.TradeStatus));
        Assert.All(sent, n => Assert.Equal(AlipayNotifyEndpoint.Accepted, n.Body));
        Assert.Equal([NoticeOutcome.Applied, NoticeOutcome.AlreadyApplied], Host.Notices.OutcomesOf(reordered));

        var late = await Host.TradeAsync(NewOrder(), 5_000);
        Assert.Empty(await simulator.PayAsync(late, new SimulatedPayOptions(Hold: true), default));
        Assert.Empty(Host.Notices.OutcomesOf(late));
        app.Time.Advance(TimeSpan.FromHours(2));
        var flushed = Assert.Single(await simulator.FlushAsync(default), n => n.OutTradeNo == late);
        Assert.Equal(AlipayNotifyEndpoint.Accepted, flushed.Body);
        Assert.Equal([NoticeOutcome.Applied], Host.Notices.OutcomesOf(late));
    }

    [Fact]
    public async Task A_lost_notification_leaves_the_trade_to_the_query_and_an_unknown_trade_is_not_found()
    {
        var (simulator, _) = await Host.StartedAsync();
        var order = await Host.TradeAsync(NewOrder(), 12_345);
        Assert.Equal(ChannelTradeState.Pending, (await Host.Channel.QueryAsync(order, default)).State);
        Assert.Empty(await simulator.PayAsync(order, new SimulatedPayOptions(Lost: true), default));
        Assert.Empty(Host.Notices.OutcomesOf(order));

        var query = await Host.Channel.QueryAsync(order, default);
        Assert.Equal((ChannelTradeState.Paid, 12_345L, simulator.Find(order)!.TradeNo, (string?)null), (query.State, query.AmountFen, query.TradeNo, query.Error));
        Assert.Equal(app.Time.GetUtcNow().AddTicks(-app.Time.GetUtcNow().Ticks % TimeSpan.TicksPerSecond), query.PaidAt);
        Assert.Equal((ChannelTradeState.NotFound, (string?)null), ((await Host.Channel.QueryAsync(NewOrder(), default)).State, (await Host.Channel.QueryAsync(NewOrder(), default)).Error));
    }

    [Fact]
    public async Task Refunds_go_through_the_gateway_once_per_refund_number_and_never_above_the_payment()
    {
        var (simulator, _) = await Host.StartedAsync();
        var order = await Host.TradeAsync(NewOrder(), 10_000);
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
        var order = await Host.TradeAsync(NewOrder(), 8_800);
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
        var order = Host.Known(NewOrder(), 20_000);
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
                form = simulator.SignNotification(new(form) { ["out_trade_no"] = Host.Known(NewOrder(), 20_000) });
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
        Assert.Equal(reason == PaymentErrors.Alipay.UnknownOrder ? [NoticeOutcome.UnknownOrder] : [], Host.Notices.OutcomesOf(form["out_trade_no"]));
        Assert.Contains(await Host.RefusalsAsync(), d => d.Contains($"\"reason\":\"{reason}\"", StringComparison.Ordinal) && d.Contains(form["notify_id"], StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_well_signed_notification_with_another_amount_is_handed_on_for_the_rules_to_flag()
    {
        var (simulator, _) = await Host.StartedAsync();
        var order = await Host.TradeAsync(NewOrder(), 20_000);
        var sent = Assert.Single(await simulator.PayAsync(order, new SimulatedPayOptions(AmountFen: 19_999), default));
        Assert.Equal(AlipayNotifyEndpoint.Accepted, sent.Body);
        Assert.Equal(NoticeOutcome.AmountMismatch, Host.Notices.OutcomeOf(sent.NotifyId));
    }

    [Fact]
    public async Task A_notification_signed_in_node_the_way_alipay_signs_is_taken_and_tampered_ones_are_refused()
    {
        var (simulator, _) = await Host.StartedAsync();
        var order = Host.Known(NewOrder(), 20_000);
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
        Assert.Empty(Host.Notices.OutcomesOf(order));
        Assert.Equal(AlipayNotifyEndpoint.Accepted, await Host.PostAsync(signed, HttpStatusCode.OK));
        Assert.Equal([NoticeOutcome.Applied], Host.Notices.OutcomesOf(order));
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

    /// <summary>The fixture's host with a recording <see cref="IPaymentNotices"/> and the simulator's notifications routed into it.</summary>
    private sealed class AlipayHost
    {
        private readonly AppFixture _app;
        private readonly WebApplicationFactory<Program> _factory;

        public AlipayHost(AppFixture app)
        {
            _app = app;
            _factory = app.App.WithWebHostBuilder(b => b.ConfigureTestServices(s => s.AddSingleton<IPaymentNotices>(Notices)));
            Client = _factory.CreateClient();
            Channel = _factory.Services.GetRequiredService<AlipayChannel>();
        }

        public RecordingNotices Notices { get; } = new();

        public HttpClient Client { get; }

        public AlipayChannel Channel { get; }

        public string NotifyUrl => new Uri(Client.BaseAddress!, "/api/channels/alipay/notify").ToString();

        public async Task<(AlipaySimulator.AlipaySimulator Simulator, AlipayClient Client)> StartedAsync()
        {
            var client = await Channel.Simulator!.ClientAsync(default);
            var simulator = Channel.Simulator.Host!.Simulator;
            simulator.Notifier = Client;
            return (simulator, client);
        }

        public string Known(string outTradeNo, long fen)
        {
            Notices.Orders[outTradeNo] = fen;
            return outTradeNo;
        }

        /// <summary>A trade the simulator knows (the wallet app took our order string), not yet paid.</summary>
        public async Task<string> TradeAsync(string outTradeNo, long fen)
        {
            var (_, client) = await StartedAsync();
            var started = await Channel.StartAsync(new ChannelOrder(Known(outTradeNo, fen), fen, "水费", _app.Time.GetUtcNow().AddMinutes(30), NotifyUrl, null), default);
            using var http = new HttpClient();
            var taken = await http.PostAsync(new Uri(client.Options.GatewayUrl, "/sim/app-pay"), new StringContent(started.Parameters["orderString"]));
            Assert.Contains(outTradeNo, await taken.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            return outTradeNo;
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
            await using var scope = _factory.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<CityDbContext>();
            return await db.AuditEntries.AsNoTracking().Where(e => e.Action == AuditActions.NoticeRejected && e.Outcome == AuditOutcomes.Refused).Select(e => e.Details!).ToListAsync();
        }
    }

    /// <summary>
    /// Stands in for the payments rules here: the orders it knows and their amounts; the first notice of an order applies,
    /// later ones are already applied; an unknown order or another amount answer as the rules do.
    /// </summary>
    private sealed class RecordingNotices : IPaymentNotices
    {
        private readonly ConcurrentQueue<(ChannelPaymentNotice Notice, NoticeOutcome Outcome)> _received = new();
        private readonly ConcurrentDictionary<string, bool> _paid = new(StringComparer.Ordinal);

        public ConcurrentDictionary<string, long> Orders { get; } = new(StringComparer.Ordinal);

        public IReadOnlyList<ChannelPaymentNotice> Received => [.. _received.Select(r => r.Notice)];

        public NoticeOutcome OutcomeOf(string noticeId) => _received.Last(r => r.Notice.NoticeId == noticeId).Outcome;

        /// <summary>What the notices of one order came to, in the order they arrived.</summary>
        public IReadOnlyList<NoticeOutcome> OutcomesOf(string outTradeNo) => [.. _received.Where(r => r.Notice.OutTradeNo == outTradeNo).Select(r => r.Outcome)];

        public Task<NoticeOutcome> ApplyAsync(ChannelPaymentNotice notice, CancellationToken ct)
        {
            var outcome = !Orders.TryGetValue(notice.OutTradeNo, out var fen) ? NoticeOutcome.UnknownOrder
                : fen != notice.AmountFen ? NoticeOutcome.AmountMismatch
                : _paid.TryAdd(notice.OutTradeNo, true) ? NoticeOutcome.Applied
                : NoticeOutcome.AlreadyApplied;
            _received.Enqueue((notice, outcome));
            return Task.FromResult(outcome);
        }
    }
}

public sealed class AlipayChannelTests_Sqlite(SqliteApp app) : AlipayChannelTests(app), IClassFixture<SqliteApp>;

public sealed class AlipayChannelTests_Postgres(PostgresApp app) : AlipayChannelTests(app), IClassFixture<PostgresApp>;
