namespace CityService.Core.Payments.Orders;

/// <summary>One way the ledger does not balance: the scope (overall, posting, payment, bill), its id, and the sums.</summary>
public sealed record LedgerProblem(string Scope, string? Id, long DebitFen, long CreditFen)
{
    public override string ToString() => FormattableString.Invariant($"{Scope} {Id ?? "-"}: debits {DebitFen} ≠ credits {CreditFen} fen");
}

public sealed record LedgerVerification(bool Balanced, int Entries, int Postings, long DebitFen, long CreditFen, IReadOnlyList<LedgerProblem> Problems, DateTimeOffset CheckedAt);

/// <summary>Proves Σ debits = Σ credits overall, per posting, per payment and per bill (the <c>ledger verify</c> command).</summary>
public sealed class LedgerVerifier(IDbContextFactory<CityDbContext> dbs, TimeProvider time)
{
    public const int MaxProblemsPerScope = 100;

    public async Task<LedgerVerification> VerifyAsync(CancellationToken ct)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        var entries = db.LedgerEntries.AsNoTracking();
        var count = await entries.CountAsync(ct);
        var debits = await entries.SumAsync(e => e.DebitFen, ct);
        var credits = await entries.SumAsync(e => e.CreditFen, ct);
        var postings = await entries.Select(e => e.PostingId).Distinct().CountAsync(ct);
        var problems = new List<LedgerProblem>();
        if (debits != credits)
        {
            problems.Add(new("overall", null, debits, credits));
        }

        problems.AddRange((await entries.GroupBy(e => e.PostingId).Select(g => new { g.Key, D = g.Sum(e => e.DebitFen), C = g.Sum(e => e.CreditFen) })
            .Where(g => g.D != g.C).OrderBy(g => g.Key).Take(MaxProblemsPerScope).ToListAsync(ct)).Select(g => new LedgerProblem("posting", g.Key.ToString(), g.D, g.C)));
        problems.AddRange((await entries.Where(e => e.PaymentId != null).GroupBy(e => e.PaymentId).Select(g => new { g.Key, D = g.Sum(e => e.DebitFen), C = g.Sum(e => e.CreditFen) })
            .Where(g => g.D != g.C).OrderBy(g => g.Key).Take(MaxProblemsPerScope).ToListAsync(ct)).Select(g => new LedgerProblem("payment", g.Key.ToString(), g.D, g.C)));
        problems.AddRange((await entries.Where(e => e.BillId != null).GroupBy(e => e.BillId).Select(g => new { g.Key, D = g.Sum(e => e.DebitFen), C = g.Sum(e => e.CreditFen) })
            .Where(g => g.D != g.C).OrderBy(g => g.Key).Take(MaxProblemsPerScope).ToListAsync(ct)).Select(g => new LedgerProblem("bill", g.Key.ToString(), g.D, g.C)));
        return new(problems.Count == 0, count, postings, debits, credits, problems, time.GetUtcNow());
    }
}
