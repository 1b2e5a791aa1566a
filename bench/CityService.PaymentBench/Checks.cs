using CityService.Core.Payments;
using CityService.Core.Storage;
using Microsoft.EntityFrameworkCore;

namespace CityService.PaymentBench;

/// <summary>
/// What the database must show after a run (and after a crash and restart): every payment the platform acknowledged
/// to the driver is succeeded with its bill paid by it, no bill is paid by two orders, the ledger balances overall and
/// per payment, and the citizens' notifications are in the outbox.
/// </summary>
public static class Checks
{
    public sealed record Outcome(int Acknowledged, int Missing, int SucceededOrders, int PaidBills, int PaidTwice, long Debits, long Credits, int UnbalancedPayments, int OutboxRows)
    {
        public bool Ok => Missing == 0 && PaidTwice == 0 && Debits == Credits && UnbalancedPayments == 0;

        public override string ToString() =>
            $"acknowledged {Acknowledged}, missing {Missing}; succeeded orders {SucceededOrders}, paid bills {PaidBills}, bills paid twice {PaidTwice}; "
            + $"ledger Σ debits {Debits} = Σ credits {Credits}: {(Debits == Credits ? "yes" : "NO")}, unbalanced payments {UnbalancedPayments}; outbox rows {OutboxRows}";
    }

    public static async Task<Outcome> RunAsync(StorageSettings storage, IReadOnlyCollection<(Guid Order, Guid Bill)> acknowledged, CancellationToken ct)
    {
        var options = new DbContextOptionsBuilder<CityDbContext>();
        storage.Configure(options);
        await using var db = new CityDbContext(options.Options);
        var succeeded = await db.PaymentOrders.AsNoTracking().Where(o => o.State == PaymentState.Succeeded && o.FlagReason == null).Select(o => o.Id).ToListAsync(ct);
        var succeededSet = succeeded.ToHashSet();
        var paidBy = await db.Bills.AsNoTracking().Where(b => b.State == BillState.Paid).Select(b => new { b.Id, b.PaidByPaymentId }).ToDictionaryAsync(b => b.Id, b => b.PaidByPaymentId, ct);
        var missing = acknowledged.Count(a => !succeededSet.Contains(a.Order) || !paidBy.TryGetValue(a.Bill, out var by) || by != a.Order);

        // A bill is paid twice when two orders that are succeeded (and not flagged for automatic refund) both carry it.
        var links = await db.PaymentOrderBills.AsNoTracking().Select(l => new { l.PaymentId, l.BillId }).ToListAsync(ct);
        var paidTwice = links.Where(l => succeededSet.Contains(l.PaymentId)).GroupBy(l => l.BillId).Count(g => g.Count() > 1);
        var entries = await db.LedgerEntries.AsNoTracking().Select(e => new { e.PaymentId, e.DebitFen, e.CreditFen }).ToListAsync(ct);
        var unbalanced = entries.Where(e => e.PaymentId != null).GroupBy(e => e.PaymentId).Count(g => g.Sum(e => e.DebitFen) != g.Sum(e => e.CreditFen));
        var outbox = await db.OutboxMessages.CountAsync(ct);
        return new Outcome(acknowledged.Count, missing, succeeded.Count, paidBy.Count, paidTwice, entries.Sum(e => e.DebitFen), entries.Sum(e => e.CreditFen), unbalanced, outbox);
    }

    public static IReadOnlyCollection<(Guid Order, Guid Bill)> ReadAcknowledged(string file) =>
        File.Exists(file)
            ? File.ReadLines(file).Select(l => l.Split(' ')).Where(p => p.Length == 2 && Guid.TryParse(p[0], out _) && Guid.TryParse(p[1], out _))
                .Select(p => (Guid.Parse(p[0]), Guid.Parse(p[1]))).ToList()
            : [];
}
