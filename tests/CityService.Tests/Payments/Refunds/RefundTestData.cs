using System.Collections.Concurrent;
using System.Net.Http.Headers;
using CityService.Core.Identity;
using CityService.Core.Identity.Staff;
using CityService.Core.Payments;
using CityService.Core.Storage;
using CityService.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CityService.Tests.Payments.Refunds;

/// <summary>A stand-in for a wallet (until the channels are merged): answers refunds, queries and settlement files as told,
/// and records what it was asked.</summary>
public sealed class TestWallet(string slug = TestWallet.Slug) : IPaymentChannel
{
    public const string Slug = "test-wallet";

    public ConcurrentQueue<ChannelRefundRequest> Refunds { get; } = new();

    public Queue<ChannelRefundResult> Answers { get; } = new();

    public Dictionary<string, ChannelQueryResult> Trades { get; } = new(StringComparer.Ordinal);

    public string? File { get; set; }

    string IPaymentChannel.Slug => slug;

    public Task<ChannelStartResult> StartAsync(ChannelOrder order, CancellationToken ct) => Task.FromResult(ChannelStartResult.Failed("not used"));

    public Task<ChannelQueryResult> QueryAsync(string outTradeNo, CancellationToken ct) =>
        Task.FromResult(Trades.TryGetValue(outTradeNo, out var t) ? t : new ChannelQueryResult(ChannelTradeState.NotFound, null, null, null, null));

    public Task<ChannelRefundResult> RefundAsync(ChannelRefundRequest request, CancellationToken ct)
    {
        Refunds.Enqueue(request);
        return Task.FromResult(Answers.Count > 0 ? Answers.Dequeue() : new ChannelRefundResult(ChannelRefundState.Succeeded, "R" + request.OutRefundNo[..8], null));
    }

    public Task<ChannelFileResult> DownloadSettlementAsync(DateOnly day, CancellationToken ct) =>
        Task.FromResult(File is null ? new ChannelFileResult(false, null, "no bill for that day") : new ChannelFileResult(true, File, null));

    /// <summary>The test layout: <c>trade_no,out_trade_no,payment|refund,amount_fen,unix_seconds[,out_refund_no]</c>, a header line first.</summary>
    public SettlementParseResult ParseSettlement(string text)
    {
        var lines = new List<SettlementLine>();
        var rows = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        for (var i = 1; i < rows.Length; i++)
        {
            var f = rows[i].Split(',');
            if (f.Length < 5 || !long.TryParse(f[3], System.Globalization.CultureInfo.InvariantCulture, out var fen) || !long.TryParse(f[4], System.Globalization.CultureInfo.InvariantCulture, out var at))
            {
                return new SettlementParseResult([], $"line {i + 1}: expected trade_no,out_trade_no,kind,amount_fen,unix_seconds");
            }

            lines.Add(new SettlementLine(f[0], f[1], f[2] == "refund" ? SettlementKind.Refund : SettlementKind.Payment, fen, DateTimeOffset.FromUnixTimeSeconds(at), f.Length > 5 ? f[5] : null));
        }

        return new SettlementParseResult(lines, null);
    }
}

/// <summary>Orders, bills, their payment posting and staff written straight into the fixture's database.</summary>
public static class RefundTestData
{
    private static int _phone = 10_000; // above the demo accounts (13700000001, 13800000002, 139000000xx)

    public const string Region = "330100";

    public static string NewPhone(string prefix) => prefix + Interlocked.Increment(ref _phone).ToString("00000000", System.Globalization.CultureInfo.InvariantCulture);

    public static CityDbContext Db(this AppFixture app) => app.Service<IDbContextFactory<CityDbContext>>().CreateDbContext();

    public static async Task<Guid> CitizenAsync(AppFixture app, string phone)
    {
        var protector = app.Service<PersonalDataProtector>();
        await using var db = app.Db();
        var account = await db.FindOrOpenAccountAsync(AccountKind.Citizen, protector.BlindIndex(phone, "phone"), () => protector.Encrypt(phone, "phone"), app.Time.GetUtcNow(), default);
        await db.SaveChangesAsync();
        return account.Id;
    }

    /// <summary>A staff account with the given roles, signed in by code just now (a fresh code): a bearer client.</summary>
    public static async Task<(HttpClient Client, Guid AccountId)> StaffAsync(AppFixture app, params (string Department, StaffRole Role)[] roles)
    {
        var phone = NewPhone("136");
        var protector = app.Service<PersonalDataProtector>();
        Guid id;
        await using (var db = app.Db())
        {
            var account = await db.FindOrOpenAccountAsync(AccountKind.Staff, protector.BlindIndex(phone, "phone"), () => protector.Encrypt(phone, "phone"), app.Time.GetUtcNow(), default);
            await db.SaveChangesAsync();
            id = account.Id;
            foreach (var (department, role) in roles)
            {
                db.StaffAssignments.Add(new StaffAssignment(Region, department, account.Id, role, app.Time.GetUtcNow()));
            }

            await db.SaveChangesAsync();
        }

        var client = app.Client();
        var token = await app.CodeToken(client, phone);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return (client, id);
    }

    /// <summary>A succeeded order paying one bill per (department, amount) with its payment posting (per bill: clearing debit,
    /// revenue credits per line), as the payments rules write it.</summary>
    public static async Task<PaymentOrder> PaidOrderAsync(AppFixture app, Guid citizen, string channel, params (string Department, long Fen)[] bills) =>
        await OrderAsync(app, citizen, channel, succeeded: true, bills);

    public static async Task<PaymentOrder> OrderAsync(AppFixture app, Guid citizen, string channel, bool succeeded, params (string Department, long Fen)[] bills)
    {
        var now = app.Time.GetUtcNow();
        await using var db = app.Db();
        var order = PaymentOrder.Create(Region, citizen, channel, bills.Sum(b => b.Fen), now, TimeSpan.FromMinutes(30));
        order.MarkPending("{}");
        var lines = new List<LedgerLine>();
        var issued = new List<Bill>();
        foreach (var (department, fen) in bills)
        {
            // Two lines per bill (a fine and a late fee), so a refund spans revenue heads.
            var fine = fen - (fen / 10);
            var bill = Bill.Issue(Region, department, "REF-" + Guid.NewGuid().ToString("N")[..12], "罚款", "Fine", BillPayerKind.Plate, "plate-" + Guid.NewGuid().ToString("N"),
                "V1", null, null, [new BillLine(RevenueHeads.Fine, fine, "罚款", "Fine"), new BillLine(RevenueHeads.LateFee, fen - fine, "滞纳金", "Late fee")],
                new DateOnly(2026, 12, 31), 0, 0, "hash", now);
            issued.Add(bill);
            db.Bills.Add(bill);
            db.PaymentOrderBills.Add(PaymentOrderBill.For(order, bill, bill.Lines));
            lines.Add(LedgerLine.Debit(LedgerAccounts.Clearing(channel), fen, bill.Id));
            lines.AddRange(bill.Lines.Select(l => LedgerLine.Credit(LedgerAccounts.Revenue(Region, department, l.RevenueHead), l.AmountFen, bill.Id)));
        }

        db.PaymentOrders.Add(order);
        if (succeeded)
        {
            order.MarkSucceeded("T" + order.OutTradeNo[..20], now);
            foreach (var bill in issued)
            {
                bill.MarkPaid(order.Id, now);
            }

            db.Post(new LedgerPosting(LedgerKinds.Payment, Region, order.Id, null, lines), now);
        }

        await db.SaveChangesAsync();
        return order;
    }

    /// <summary>Σ debits − Σ credits of the payment's entries, overall and per bill: all zero when balanced.</summary>
    public static async Task AssertBalancedAsync(AppFixture app, Guid paymentId)
    {
        await using var db = app.Db();
        var entries = await db.LedgerEntries.AsNoTracking().Where(e => e.PaymentId == paymentId).ToListAsync();
        Assert.NotEmpty(entries);
        Assert.Equal(entries.Sum(e => e.DebitFen), entries.Sum(e => e.CreditFen));
        foreach (var bill in entries.GroupBy(e => e.BillId))
        {
            Assert.True(bill.Sum(e => e.DebitFen) == bill.Sum(e => e.CreditFen), $"bill {bill.Key} does not balance");
        }

        foreach (var posting in entries.GroupBy(e => e.PostingId))
        {
            Assert.Equal(posting.Sum(e => e.DebitFen), posting.Sum(e => e.CreditFen));
        }
    }
}
