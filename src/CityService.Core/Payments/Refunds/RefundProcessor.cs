using System.Globalization;
using CityService.Core.Audit;
using CityService.Core.Common;
using CityService.Core.Jobs;
using CityService.Core.Notifications;
using CityService.Core.Payments.Invoices;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace CityService.Core.Payments.Refunds;

/// <summary>
/// The one-off job <see cref="Refund.JobName"/>: hands a requested refund to its payment's channel and records the answer.
/// Safe to repeat: the channel's <c>out_refund_no</c> (the refund id) makes a second call the same refund, and the answer is
/// applied only while the refund is still open (under a lock on the refund).
/// </summary>
public sealed partial class RefundJob(RefundProcessor processor, ILogger<RefundJob> log) : IJob
{
    public async Task RunAsync(JobRunContext context, CancellationToken ct)
    {
        if (RefundService.ParsePayload(context.Payload) is not { } id)
        {
            LogBadPayload(log);
            return;
        }

        await processor.ProcessAsync(id, ct);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Refund job with a payload that is not a refund id; nothing done")]
    private static partial void LogBadPayload(ILogger logger);
}

public sealed partial class RefundProcessor(
    CityDbContext db, IEnumerable<IPaymentChannel> channels, NotificationService notifications, InvoiceIssuance invoices, AuditLog audit, TimeProvider time,
    ILogger<RefundProcessor> log)
{
    /// <summary>How long to wait before asking the channel again: a quarter of the refund's age, between 1 minute and 1 hour.</summary>
    public static TimeSpan RetryDelay(DateTimeOffset createdAt, DateTimeOffset now) =>
        TimeSpan.FromTicks(Math.Clamp((now - createdAt).Ticks / 4, TimeSpan.FromMinutes(1).Ticks, TimeSpan.FromHours(1).Ticks));

    /// <summary>Asks the channel and records its answer; returns the refund's state afterwards (null: no such refund).</summary>
    public async Task<RefundState?> ProcessAsync(Guid refundId, CancellationToken ct)
    {
        var refund = await db.Refunds.AsNoTracking().FirstOrDefaultAsync(r => r.Id == refundId, ct);
        if (refund is null || refund.State is RefundState.Succeeded or RefundState.Failed)
        {
            return refund?.State;
        }

        var order = await db.PaymentOrders.AsNoTracking().FirstAsync(p => p.Id == refund.PaymentId, ct);
        var channel = channels.FirstOrDefault(c => c.Slug == order.Channel);
        ChannelRefundResult answer;
        if (channel is null)
        {
            LogNoChannel(log, refund.Id, order.Channel);
            answer = new ChannelRefundResult(ChannelRefundState.Processing, null, "channel not configured");
        }
        else
        {
            try
            {
                answer = await channel.RefundAsync(
                    new ChannelRefundRequest(order.OutTradeNo, order.ChannelTradeNo, refund.OutRefundNo, refund.AmountFen, order.PaidFen ?? order.AmountFen, refund.Reason), ct);
            }
            catch (Exception e) when (e is HttpRequestException or IOException || (e is TaskCanceledException && !ct.IsCancellationRequested))
            {
                answer = new ChannelRefundResult(ChannelRefundState.Processing, null, e.GetType().Name); // unknown outcome: ask again later
            }
        }

        // A department's refund that succeeds issues a red-letter invoice in the same transaction: its signer first.
        var signer = answer.State == ChannelRefundState.Succeeded ? await invoices.SignerForAsync(refund, ct) : null;
        return await RecordAsync(refundId, answer, signer, ct);
    }

    private async Task<RefundState> RecordAsync(Guid refundId, ChannelRefundResult answer, Documents.IssuerSigner? signer, CancellationToken ct)
    {
        db.ChangeTracker.Clear();
        await using var tx = await db.BeginSerialisedAsync(ct);
        await db.LockAsync("refund:" + refundId.ToString("N"), ct);
        var refund = await db.Refunds.FirstAsync(r => r.Id == refundId, ct);
        if (refund.State is RefundState.Succeeded or RefundState.Failed)
        {
            return refund.State; // another run got there first
        }

        var order = await db.PaymentOrders.FirstAsync(p => p.Id == refund.PaymentId, ct);
        var now = time.GetUtcNow();
        var entries = await db.LedgerEntries.AsNoTracking().Where(e => e.RefundId == refund.Id).ToListAsync(ct);
        switch (answer.State)
        {
            case ChannelRefundState.Succeeded:
                refund.MarkSucceeded(answer.ChannelRefundNo, now);
                db.Post(new LedgerPosting(LedgerKinds.RefundPaid, refund.RegionCode, order.Id, refund.Id, PaidLines(entries, refund, order.Channel)), now);
                await notifications.NotifyAsync(db, order.AccountId, NotificationEvents.PaymentRefunded, new Dictionary<string, string>
                {
                    ["amount"] = new Money(refund.AmountFen).ToString(),
                    ["reason"] = refund.Reason,
                    ["payment"] = order.OutTradeNo[..8],
                    ["at"] = NotificationEvents.Time(now),
                }, refund.RegionCode, ct);
                var reversed = await invoices.ReverseAsync(db, refund, order, signer, now, ct);
                await audit.SaveWithAsync(db, reversed is null ? [Completed(refund, order, AuditOutcomes.Succeeded)] : [Completed(refund, order, AuditOutcomes.Succeeded), reversed], ct);
                break;

            case ChannelRefundState.Failed:
                refund.MarkFailed(answer.Error ?? "refused by the channel", now);
                if (order.RefundedFen >= refund.AmountFen)
                {
                    order.AddRefund(-refund.AmountFen); // the reservation goes back: the amount is available again
                }

                if (ReversalLines(entries) is { Count: >= 2 } reversal)
                {
                    db.Post(new LedgerPosting(LedgerKinds.RefundReversed, refund.RegionCode, order.Id, refund.Id, reversal), now);
                }

                await audit.SaveWithAsync(db, [Completed(refund, order, AuditOutcomes.Failed)], ct);
                break;

            default:
                if (refund.State == RefundState.Requested && answer.Error is null)
                {
                    refund.MarkProcessing(answer.ChannelRefundNo);
                }

                db.EnqueueJob(Refund.JobName, RefundService.Payload(refund.Id), now + RetryDelay(refund.CreatedAt, now), now);
                await db.SaveChangesAsync(ct);
                break;
        }

        await tx.CommitAsync(ct);
        return refund.State;
    }

    private static AuditRecord Completed(Refund refund, PaymentOrder order, string outcome) =>
        new(AuditActions.RefundCompleted, AuditActor.System, "refund", refund.Id.ToString(), outcome, refund.RegionCode,
            AuditRecord.DetailsOf(new { payment = order.Id, amountFen = refund.AmountFen, automatic = refund.Automatic, error = refund.LastError }));

    /// <summary>Refunds payable → clearing, per bill as the request credited refunds payable.</summary>
    private static List<LedgerLine> PaidLines(IReadOnlyList<LedgerEntry> entries, Refund refund, string channel)
    {
        var payable = LedgerAccounts.RefundsPayable(channel);
        var perBill = entries.Where(e => e.Account == payable).GroupBy(e => e.BillId)
            .Select(g => (Bill: g.Key, Fen: g.Sum(e => e.CreditFen) - g.Sum(e => e.DebitFen))).Where(b => b.Fen > 0).ToList();
        if (perBill.Count == 0 || perBill.Sum(b => b.Fen) != refund.AmountFen)
        {
            perBill = [(null, refund.AmountFen)];
        }

        return [.. perBill.SelectMany(b => new[] { LedgerLine.Debit(payable, b.Fen, b.Bill), LedgerLine.Credit(LedgerAccounts.Clearing(channel), b.Fen, b.Bill) })];
    }

    /// <summary>The mirror of everything posted for the refund so far (a new posting; entries are never changed).</summary>
    private static List<LedgerLine> ReversalLines(IReadOnlyList<LedgerEntry> entries) =>
        [.. entries.GroupBy(e => (e.Account, e.BillId)).Select(g => (g.Key.Account, g.Key.BillId, Net: g.Sum(e => e.DebitFen) - g.Sum(e => e.CreditFen)))
            .Where(n => n.Net != 0).OrderBy(n => n.BillId).ThenBy(n => n.Account, StringComparer.Ordinal)
            .Select(n => n.Net > 0 ? LedgerLine.Credit(n.Account, n.Net, n.BillId) : LedgerLine.Debit(n.Account, -n.Net, n.BillId))];

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refund {RefundId}: no channel '{Channel}' is configured; asking again later")]
    private static partial void LogNoChannel(ILogger logger, Guid refundId, string channel);
}
