using System.Globalization;
using System.Text;
using CityService.Core.Audit;
using CityService.Core.Payments;
using CityService.Core.Payments.Reconciliation;
using CityService.Tests.Infrastructure;
using CityService.Tests.Payments.Refunds;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static CityService.Tests.Payments.Refunds.RefundTestData;

namespace CityService.Tests.Payments.Reconciliation;

/// <summary>Reconciliation of a settlement file with our payments and refunds, the repair through the query call, the command.</summary>
public abstract class ReconciliationTests(AppFixture app)
{
    /// <summary>Stands in for the payments rules: applies a notice by marking the order succeeded.</summary>
    private sealed class Notices(AppFixture app) : IPaymentNotices
    {
        public List<ChannelPaymentNotice> Applied { get; } = [];

        public async Task<NoticeOutcome> ApplyAsync(ChannelPaymentNotice notice, CancellationToken ct)
        {
            Applied.Add(notice);
            await using var db = app.Db();
            var order = await db.PaymentOrders.SingleAsync(p => p.Id == Guid.ParseExact(notice.OutTradeNo, "N"), ct);
            order.MarkSucceeded(notice.TradeNo, notice.PaidAt);
            await db.SaveChangesAsync(ct);
            return NoticeOutcome.Applied;
        }
    }

    private static string Line(string tradeNo, PaymentOrder order, long fen, string kind = "payment", string? outRefundNo = null) =>
        string.Create(CultureInfo.InvariantCulture, $"{tradeNo},{order.OutTradeNo},{kind},{fen},1795000000{(outRefundNo is null ? "" : "," + outRefundNo)}\n");

    [Fact]
    public async Task A_file_with_every_kind_of_difference_is_reported_the_lost_notice_repaired_and_the_report_exported()
    {
        var slug = "recon-wallet-" + app.Provider.ToString().ToLowerInvariant();
        var citizen = await CitizenAsync(app, NewPhone("135"));
        var matched = await PaidOrderAsync(app, citizen, slug, ("PSB", 1_000));
        var differs = await PaidOrderAsync(app, citizen, slug, ("PSB", 2_000));
        var notInFile = await PaidOrderAsync(app, citizen, slug, ("PSB", 3_000));
        var lost = await OrderAsync(app, citizen, slug, succeeded: false, ("PSB", 4_000));
        var refunded = await PaidOrderAsync(app, citizen, slug, ("PSB", 5_000));
        Guid refundId;
        await using (var db = app.Db())
        {
            var order = await db.PaymentOrders.SingleAsync(p => p.Id == refunded.Id);
            var refund = Core.Payments.Refund.Request(order, "PSB", 500, "重复", null, false, app.Time.GetUtcNow());
            refund.MarkSucceeded("CR-1", app.Time.GetUtcNow());
            db.Refunds.Add(refund);
            await db.SaveChangesAsync();
            refundId = refund.Id;
        }

        var unknown = PaymentOrder.Create(Region, citizen, slug, 1, app.Time.GetUtcNow(), TimeSpan.FromMinutes(30)); // never written here
        var file = "trade_no,out_trade_no,kind,amount_fen,at,out_refund_no\n"
            + Line("T-MATCH", matched, 1_000) + Line("T-MATCH", matched, 1_000)
            + Line("T-DIFF", differs, 2_100)
            + Line("T-LOST", lost, 4_000)
            + Line("T-UNKNOWN", unknown, 99)
            + Line("T-REFUND", refunded, 600, "refund", refundId.ToString("N"));
        var wallet = new TestWallet(slug);
        wallet.Trades[lost.OutTradeNo] = new ChannelQueryResult(ChannelTradeState.Paid, "T-LOST", 4_000, app.Time.GetUtcNow(), null);
        var notices = new Notices(app);
        var day = ReconciliationService.Yesterday(app.Time.GetUtcNow().AddDays(1)); // the fixture's today (Asia/Shanghai)
        using var scope = app.App.Services.CreateScope();
        var service = ActivatorUtilities.CreateInstance<ReconciliationService>(scope.ServiceProvider,
            new IPaymentChannel[] { wallet }.AsEnumerable(), new IPaymentNotices[] { notices }.AsEnumerable());

        var result = await service.RunAsync(slug, day, file, null, default);
        Assert.True(result.IsOk, result.Error?.Code);
        var run = result.Value;
        Assert.Null(run.Error);
        Assert.Equal((5, 1), (run.PaymentLines, run.RefundLines));
        Assert.Equal(1, run.Repaired);

        await using var read = app.Db();
        var items = await read.ReconciliationItems.Where(i => i.RunId == run.Id).ToListAsync();
        string Kinds(Func<ReconciliationItem, bool> which) => string.Join(' ', items.Where(which).Select(i => i.Kind).Order(StringComparer.Ordinal));
        Assert.Equal("duplicate", Kinds(i => i.TradeNo == "T-MATCH"));
        Assert.Equal("amount-mismatch", Kinds(i => i.OutTradeNo == differs.OutTradeNo));
        Assert.Equal("missing-at-channel", Kinds(i => i.OutTradeNo == notInFile.OutTradeNo));
        Assert.Equal("missing-here", Kinds(i => i.OutTradeNo == unknown.OutTradeNo));
        Assert.Equal("amount-mismatch", Kinds(i => i.OutRefundNo == refundId.ToString("N")));
        var repaired = Assert.Single(items, i => i.OutTradeNo == lost.OutTradeNo);
        Assert.Equal(("missing-here", ReconciliationResolutions.Repaired), (repaired.Kind, repaired.Resolution));
        var notice = Assert.Single(notices.Applied);
        Assert.Equal(("recon:T-LOST", lost.OutTradeNo, 4_000L), (notice.NoticeId, notice.OutTradeNo, notice.AmountFen));
        Assert.Equal(PaymentState.Succeeded, (await read.PaymentOrders.SingleAsync(p => p.Id == lost.Id)).State);
        Assert.Equal(items.Count - 1, run.Differences);
        Assert.Equal(1, await read.AuditEntries.CountAsync(a => a.Action == AuditActions.ReconciliationRun && a.ObjectId == run.Id.ToString()));

        var csv = ReconciliationService.Csv(items);
        Assert.Equal([0xEF, 0xBB, 0xBF], csv[..3]);
        var text = Encoding.UTF8.GetString(csv, 3, csv.Length - 3);
        Assert.StartsWith("kind,subject,trade_no,out_trade_no,out_refund_no,our_fen,channel_fen,resolution,note\r\n", text, StringComparison.Ordinal);
        Assert.Contains($"amount-mismatch,payment,T-DIFF,{differs.OutTradeNo},,2000,2100,open,amounts differ", text, StringComparison.Ordinal);

        // Again with the repaired order: it now matches, and an upload in the wrong layout is refused without a run.
        var again = await service.RunAsync(slug, day, file, null, default);
        Assert.Equal(0, again.Value!.Repaired);
        Assert.DoesNotContain(await read.ReconciliationItems.Where(i => i.RunId == again.Value.Id).ToListAsync(), i => i.OutTradeNo == lost.OutTradeNo);
        var bad = await service.RunAsync(slug, day, "header\nnot,a,line\n", null, default);
        Assert.Equal(PaymentErrors.Reconciliation.FileInvalid, bad.Error?.Code);
        Assert.Equal(PaymentErrors.Reconciliation.UnknownChannel, (await service.RunAsync("nosuch", day, file, null, default)).Error?.Code);

        // A download that fails is a run with its error, for the operators' list.
        var failed = await service.RunAsync(slug, day, null, null, default);
        Assert.StartsWith("download failed", failed.Value!.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_reconcile_command_exits_2_for_what_it_cannot_run()
    {
        var (exit, text) = await HostCommand.RunAsync(["reconcile", "nosuch-channel", "2026-11-21"], new Dictionary<string, string>
        {
            ["Storage__Provider"] = app.Storage.Provider.ToString(),
            ["ConnectionStrings__Main"] = app.Storage.ConnectionString,
            ["ASPNETCORE_ENVIRONMENT"] = "Testing",
            ["Jobs__Enabled"] = "false",
            ["Identity__PersonalData__ActiveKey"] = "t1",
            ["Identity__PersonalData__Keys__t1"] = Convert.ToBase64String(new byte[32]),
            ["Identity__PersonalData__BlindIndexKey"] = Convert.ToBase64String(new byte[32]),
        });
        Assert.True(exit == 2, $"exit {exit}: {text}");
        Assert.Contains("recon.unknown-channel", text, StringComparison.Ordinal);
    }
}

public sealed class ReconciliationTests_Sqlite(SqliteApp app) : ReconciliationTests(app), IClassFixture<SqliteApp>;

public sealed class ReconciliationTests_Postgres(PostgresApp app) : ReconciliationTests(app), IClassFixture<PostgresApp>;
