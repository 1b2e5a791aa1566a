using CityService.Core.Storage;

namespace CityService.Core.Payments;

/// <summary>
/// The ledger's accounts, by name. Debit-normal: clearing (money the channel holds for us). Credit-normal: revenue,
/// refunds payable, suspense.
/// </summary>
public static class LedgerAccounts
{
    /// <summary>What a channel has collected for us and not yet settled: debited by a payment, credited by a refund paid out.</summary>
    public static string Clearing(string channel) => $"clearing:{channel}";

    /// <summary>A department's revenue under one revenue head in one region.</summary>
    public static string Revenue(string regionCode, string departmentCode, string revenueHead) => $"revenue:{regionCode}:{departmentCode}:{revenueHead}";

    /// <summary>Refunds promised and not yet paid out by the channel.</summary>
    public static string RefundsPayable(string channel) => $"refunds-payable:{channel}";

    /// <summary>Money received that belongs to no bill yet (an amount that differs from the order's): for review.</summary>
    public static string Suspense(string channel) => $"suspense:{channel}";
}

/// <summary>What a posting records.</summary>
public static class LedgerKinds
{
    public const string Payment = "payment";
    public const string RefundRequested = "refund-requested";
    public const string RefundPaid = "refund-paid";
    public const string RefundReversed = "refund-reversed";
    public const string Suspense = "suspense";
    public const string Correction = "correction";
}

/// <summary>
/// One line of the double-entry ledger, in integer fen: exactly one of <see cref="DebitFen"/> and <see cref="CreditFen"/>
/// is positive. Lines are written in balanced postings (<see cref="Ledger.Post"/>) and never updated or deleted
/// (corrections are new postings). Region-scoped.
/// </summary>
public sealed class LedgerEntry
{
    private LedgerEntry()
    {
        RegionCode = Account = Kind = string.Empty;
    }

    /// <summary>UUIDv7.</summary>
    public Guid Id { get; private set; }

    /// <summary>The posting this line belongs to: Σ debits = Σ credits per posting.</summary>
    public Guid PostingId { get; private set; }

    public string RegionCode { get; private set; }

    public string Account { get; private set; }

    public long DebitFen { get; private set; }

    public long CreditFen { get; private set; }

    public string Kind { get; private set; }

    public Guid? PaymentId { get; private set; }

    /// <summary>The bill the line is about; a payment's posting has per bill a clearing debit and its revenue credits, so
    /// that every bill balances on its own.</summary>
    public Guid? BillId { get; private set; }

    public Guid? RefundId { get; private set; }

    public DateTimeOffset CreatedAt { get; private set; }

    public static LedgerEntry From(Guid postingId, LedgerPosting posting, LedgerLine line, DateTimeOffset now) => new()
    {
        Id = Guid.CreateVersion7(now),
        PostingId = postingId,
        RegionCode = posting.RegionCode,
        Account = line.Account,
        DebitFen = line.DebitFen,
        CreditFen = line.CreditFen,
        Kind = posting.Kind,
        PaymentId = posting.PaymentId,
        BillId = line.BillId,
        RefundId = posting.RefundId,
        CreatedAt = now,
    };
}

public sealed record LedgerLine(string Account, long DebitFen, long CreditFen, Guid? BillId = null)
{
    public static LedgerLine Debit(string account, long fen, Guid? billId = null) => new(account, fen, 0, billId);

    public static LedgerLine Credit(string account, long fen, Guid? billId = null) => new(account, 0, fen, billId);
}

public sealed record LedgerPosting(string Kind, string RegionCode, Guid? PaymentId, Guid? RefundId, IReadOnlyList<LedgerLine> Lines);

public static class Ledger
{
    /// <summary>Adds a balanced posting to the caller's unit of work (saved with its SaveChanges, so in the same
    /// transaction as the change it records). Throws on an unbalanced posting or a line that is not exactly one of
    /// debit and credit: that is a bug, never user input.</summary>
    public static Guid Post(this CityDbContext db, LedgerPosting posting, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(posting);
        if (posting.Lines.Count < 2)
        {
            throw new InvalidOperationException($"A {posting.Kind} posting needs at least two lines.");
        }

        long debits = 0, credits = 0;
        foreach (var line in posting.Lines)
        {
            if (line.DebitFen < 0 || line.CreditFen < 0 || (line.DebitFen > 0) == (line.CreditFen > 0))
            {
                throw new InvalidOperationException($"A ledger line is exactly one of debit and credit, positive: {line}.");
            }

            debits = checked(debits + line.DebitFen);
            credits = checked(credits + line.CreditFen);
        }

        if (debits != credits)
        {
            throw new InvalidOperationException($"Unbalanced {posting.Kind} posting: debits {debits} ≠ credits {credits} fen.");
        }

        var postingId = Guid.CreateVersion7(now);
        foreach (var line in posting.Lines)
        {
            db.LedgerEntries.Add(LedgerEntry.From(postingId, posting, line, now));
        }

        return postingId;
    }
}

public sealed class LedgerEntryConfiguration : IEntityTypeConfiguration<LedgerEntry>
{
    public void Configure(EntityTypeBuilder<LedgerEntry> builder)
    {
        builder.ToTable("ledger_entries");
        builder.HasKey(e => e.Id);
        builder.HasIndex(e => e.PostingId).HasDatabaseName("ix_ledger_entries_posting_id");
        builder.HasIndex(e => e.PaymentId).HasDatabaseName("ix_ledger_entries_payment_id");
        builder.HasIndex(e => e.BillId).HasDatabaseName("ix_ledger_entries_bill_id");
        builder.HasIndex(e => new { e.RegionCode, e.Account, e.CreatedAt }).HasDatabaseName("ix_ledger_entries_region_code_account_created_at");
    }
}
