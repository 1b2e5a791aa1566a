using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using CityService.Core.Audit;
using CityService.Core.Common;
using CityService.Core.Jobs;
using CityService.Core.Notifications;
using CityService.Core.Payments.Invoices;

namespace CityService.Core.Payments.Orders;

/// <summary>
/// Applies a verified payment notice exactly once, on both providers and across instances. The order is claimed with a
/// conditional UPDATE (not yet succeeded, not flagged): of concurrent notices one claims it, the others find nothing to
/// claim (AlreadyApplied). In the same transaction each bill is marked paid by a conditional UPDATE from Open (in id order,
/// so two orders never wait on each other in a circle), the ledger posted, the citizen notified through the outbox and the
/// act audited. If a bill was paid by another order first, that transaction is rolled back and a second one flags the order
/// <c>bill-already-paid</c> and refunds it in full automatically. A paid amount that differs from the order's is flagged
/// <c>amount-mismatch</c> and posted to suspense, never paid. The payment's fiscal e-invoices are issued in the paying
/// transaction (<see cref="InvoiceIssuance"/>), with the issuers' signers fetched before it opens.
/// </summary>
public sealed class PaymentNotices(
    IDbContextFactory<CityDbContext> dbs, AuditLog audit, NotificationService notifications, InvoiceIssuance invoices, TimeProvider time) : IPaymentNotices
{
    private static readonly ConcurrentDictionary<string, SemaphoreSlim> SqliteGates = new(StringComparer.Ordinal);

    public async Task<NoticeOutcome> ApplyAsync(ChannelPaymentNotice notice, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(notice);
        var outcome = await DecideAsync(notice, ct);
        PaymentMetrics.Notices.Add(1, new("channel", notice.Channel), new("outcome", OutcomeName(outcome)));
        return outcome;
    }

    public static string OutcomeName(NoticeOutcome outcome) => outcome switch
    {
        NoticeOutcome.Applied => "applied",
        NoticeOutcome.AlreadyApplied => "already-applied",
        NoticeOutcome.UnknownOrder => "unknown-order",
        NoticeOutcome.AmountMismatch => PaymentFlags.AmountMismatch,
        _ => "refunded-automatically",
    };

    private async Task<NoticeOutcome> DecideAsync(ChannelPaymentNotice notice, CancellationToken ct)
    {
        if (!Guid.TryParseExact(notice.OutTradeNo, "N", out var id))
        {
            return NoticeOutcome.UnknownOrder;
        }

        await using var db = await dbs.CreateDbContextAsync(ct);
        var order = await db.PaymentOrders.AsNoTracking().SingleOrDefaultAsync(o => o.Id == id && o.Channel == notice.Channel, ct);
        if (order is null)
        {
            return NoticeOutcome.UnknownOrder;
        }

        if (Settled(order))
        {
            return NoticeOutcome.AlreadyApplied; // the common duplicate: no transaction, no lock
        }

        if (notice.AmountFen != order.AmountFen)
        {
            return (await InTransactionAsync(db, async () => await MismatchAsync(db, order, notice, ct), ct))!.Value;
        }

        // An order's bills never change once it is made: read them (and the issuers' signers, which may write a first key
        // with their own context) before the paying transaction opens.
        var lines = await db.PaymentOrderBills.AsNoTracking().Where(b => b.PaymentId == order.Id).ToListAsync(ct);
        var signers = await invoices.SignersAsync(lines.Select(l => (l.RegionCode, l.DepartmentCode)), ct);
        var paid = await InTransactionAsync(db, () => PayAsync(db, order, lines, signers, notice, ct), ct);
        return paid ?? (await InTransactionAsync(db, async () => await RefundAsync(db, order, notice, ct), ct))!.Value;
    }

    private static bool Settled(PaymentOrder order) => order.State == PaymentState.Succeeded || order.FlagReason is not null;

    /// <summary>One transaction; a null or AlreadyApplied answer rolls it back. SQLite has one writer: this process's
    /// appliers queue in memory instead of backing off on the database lock.</summary>
    private static async Task<NoticeOutcome?> InTransactionAsync(CityDbContext db, Func<Task<NoticeOutcome?>> work, CancellationToken ct)
    {
        var gate = db.Database.IsSqlite() ? SqliteGates.GetOrAdd(db.Database.GetConnectionString() ?? string.Empty, _ => new SemaphoreSlim(1, 1)) : null;
        if (gate is not null)
        {
            await gate.WaitAsync(ct);
        }

        try
        {
            await using var tx = await db.BeginSerialisedAsync(ct);
            var result = await work();
            if (result is null or NoticeOutcome.AlreadyApplied)
            {
                await tx.RollbackAsync(ct);
            }
            else
            {
                await tx.CommitAsync(ct);
            }

            db.ChangeTracker.Clear();
            return result;
        }
        finally
        {
            gate?.Release();
        }
    }

    private static IQueryable<PaymentOrder> Claimable(CityDbContext db, Guid id) =>
        db.PaymentOrders.Where(o => o.Id == id && o.State != PaymentState.Succeeded && o.FlagReason == null);

    /// <summary>Null when a bill was no longer open (the caller rolls back and refunds).</summary>
    private async Task<NoticeOutcome?> PayAsync(
        CityDbContext db, PaymentOrder order, IReadOnlyList<PaymentOrderBill> lines, InvoiceSigners signers, ChannelPaymentNotice notice, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var claimed = await Claimable(db, order.Id).ExecuteUpdateAsync(s => s
            .SetProperty(o => o.State, PaymentState.Succeeded)
            .SetProperty(o => o.ChannelTradeNo, notice.TradeNo)
            .SetProperty(o => o.CompletedAt, now)
            .SetProperty(o => o.Version, o => o.Version + 1), ct);
        if (claimed == 0)
        {
            return NoticeOutcome.AlreadyApplied;
        }

        foreach (var line in lines.OrderBy(l => l.BillId))
        {
            var billId = line.BillId;
            var marked = await db.Bills.Where(b => b.Id == billId && b.State == BillState.Open).ExecuteUpdateAsync(s => s
                .SetProperty(b => b.State, BillState.Paid)
                .SetProperty(b => b.PaidByPaymentId, order.Id)
                .SetProperty(b => b.PaidAt, now)
                .SetProperty(b => b.UpdatedAt, now)
                .SetProperty(b => b.Version, b => b.Version + 1), ct);
            if (marked == 0)
            {
                return null;
            }
        }

        var ledger = new List<LedgerLine>();
        foreach (var line in lines)
        {
            ledger.Add(LedgerLine.Debit(LedgerAccounts.Clearing(order.Channel), line.AmountFen, line.BillId));
            ledger.AddRange(line.Lines.Select(l => LedgerLine.Credit(LedgerAccounts.Revenue(line.RegionCode, line.DepartmentCode, l.RevenueHead), l.AmountFen, line.BillId)));
        }

        db.Post(new LedgerPosting(LedgerKinds.Payment, order.RegionCode, order.Id, null, ledger), now);
        db.PaymentNotices.Add(PaymentNotice.Of(order.Id, notice, NoticeOutcomes.Applied, now));
        var billIds = lines.Select(l => l.BillId).ToList();
        var titles = await db.Bills.AsNoTracking().Where(b => billIds.Contains(b.Id)).Select(b => b.TitleZh).ToListAsync(ct);
        await notifications.NotifyAsync(db, order.AccountId, NotificationEvents.PaymentSucceeded, new Dictionary<string, string>
        {
            ["amount"] = new Money(order.AmountFen).ToString(),
            ["what"] = PaymentService.Subject(titles),
            ["payment"] = order.OutTradeNo[..8],
            ["at"] = NotificationEvents.Time(now),
        }, order.RegionCode, ct);
        var issued = await invoices.IssueAsync(db, order, lines, signers, now, ct);
        await db.SaveChangesAsync(ct);
        await audit.RecordAsync(db, new AuditRecord(AuditActions.PaymentSucceeded, AuditActor.System, "payment", order.Id.ToString(), AuditOutcomes.Succeeded,
            order.RegionCode, AuditRecord.DetailsOf(new { channel = order.Channel, amountFen = order.AmountFen, tradeNo = notice.TradeNo, bills = billIds.Count, notice = notice.NoticeId })), ct);
        foreach (var record in issued)
        {
            await audit.RecordAsync(db, record, ct);
        }
        PaymentMetrics.Orders.Add(1, new("channel", order.Channel), new("outcome", "succeeded"));
        return NoticeOutcome.Applied;
    }

    /// <summary>Paid, but a bill was paid by another order first (or cancelled): flagged, and all of it refunded.</summary>
    private async Task<NoticeOutcome> RefundAsync(CityDbContext db, PaymentOrder order, ChannelPaymentNotice notice, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var claimed = await Claimable(db, order.Id).ExecuteUpdateAsync(s => s
            .SetProperty(o => o.State, PaymentState.Succeeded)
            .SetProperty(o => o.FlagReason, PaymentFlags.BillAlreadyPaid)
            .SetProperty(o => o.ChannelTradeNo, notice.TradeNo)
            .SetProperty(o => o.PaidFen, notice.AmountFen)
            .SetProperty(o => o.CompletedAt, now)
            .SetProperty(o => o.RefundedFen, o => o.RefundedFen + notice.AmountFen)
            .SetProperty(o => o.Version, o => o.Version + 1), ct);
        if (claimed == 0)
        {
            return NoticeOutcome.AlreadyApplied;
        }

        var refund = Refund.Request(order, null, notice.AmountFen, PaymentFlags.BillAlreadyPaid, null, automatic: true, now);
        db.Refunds.Add(refund);
        db.EnqueueJob(Refund.JobName, JsonSerializer.Serialize(refund.Id), now);
        db.Post(new LedgerPosting(LedgerKinds.RefundRequested, order.RegionCode, order.Id, refund.Id,
            [LedgerLine.Debit(LedgerAccounts.Clearing(order.Channel), notice.AmountFen), LedgerLine.Credit(LedgerAccounts.RefundsPayable(order.Channel), notice.AmountFen)]), now);
        db.PaymentNotices.Add(PaymentNotice.Of(order.Id, notice, NoticeOutcomes.RefundedAutomatically, now));
        await db.SaveChangesAsync(ct);
        await audit.RecordAsync(db, new AuditRecord(AuditActions.PaymentFlagged, AuditActor.System, "payment", order.Id.ToString(), AuditOutcomes.Refused,
            order.RegionCode, AuditRecord.DetailsOf(new { reason = PaymentFlags.BillAlreadyPaid, channel = order.Channel, paidFen = notice.AmountFen, tradeNo = notice.TradeNo, refund = refund.Id })), ct);
        return NoticeOutcome.RefundedAutomatically;
    }

    private async Task<NoticeOutcome> MismatchAsync(CityDbContext db, PaymentOrder order, ChannelPaymentNotice notice, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var claimed = await Claimable(db, order.Id).ExecuteUpdateAsync(s => s
            .SetProperty(o => o.State, PaymentState.Failed)
            .SetProperty(o => o.FlagReason, PaymentFlags.AmountMismatch)
            .SetProperty(o => o.ChannelTradeNo, notice.TradeNo)
            .SetProperty(o => o.PaidFen, notice.AmountFen)
            .SetProperty(o => o.CompletedAt, now)
            .SetProperty(o => o.Version, o => o.Version + 1), ct);
        if (claimed == 0)
        {
            return NoticeOutcome.AlreadyApplied;
        }

        if (notice.AmountFen > 0)
        {
            db.Post(new LedgerPosting(LedgerKinds.Suspense, order.RegionCode, order.Id, null,
                [LedgerLine.Debit(LedgerAccounts.Clearing(order.Channel), notice.AmountFen), LedgerLine.Credit(LedgerAccounts.Suspense(order.Channel), notice.AmountFen)]), now);
        }

        db.PaymentNotices.Add(PaymentNotice.Of(order.Id, notice, NoticeOutcomes.AmountMismatch, now));
        await db.SaveChangesAsync(ct);
        await audit.RecordAsync(db, new AuditRecord(AuditActions.PaymentFlagged, AuditActor.System, "payment", order.Id.ToString(), AuditOutcomes.Refused,
            order.RegionCode, AuditRecord.DetailsOf(new { reason = PaymentFlags.AmountMismatch, channel = order.Channel, orderedFen = order.AmountFen, paidFen = notice.AmountFen, tradeNo = notice.TradeNo })), ct);
        PaymentMetrics.Orders.Add(1, new("channel", order.Channel), new("outcome", "flagged"));
        return NoticeOutcome.AmountMismatch;
    }
}

public static class NoticeOutcomes
{
    public const string Applied = "applied";
    public const string AmountMismatch = PaymentFlags.AmountMismatch;
    public const string RefundedAutomatically = "refunded-automatically";
}
