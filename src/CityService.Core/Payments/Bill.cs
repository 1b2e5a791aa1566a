using CityService.Core.Storage;

namespace CityService.Core.Payments;

/// <summary>Revenue heads (tax heads in eGov DIGIT's words): what a line of a bill is for. The ledger credits one
/// revenue account per region, department and head.</summary>
public static class RevenueHeads
{
    public const string Fine = "fine";
    public const string LateFee = "late-fee";
    public const string Contribution = "contribution";
    public const string RegistrationFee = "registration-fee";
    public const string Utility = "utility";
    public const string Tax = "tax";
    public const string ServiceFee = "service-fee";

    public static readonly IReadOnlyList<string> All = [Fine, LateFee, Contribution, RegistrationFee, Utility, Tax, ServiceFee];
}

/// <summary>Who a bill is addressed to.</summary>
public enum BillPayerKind
{
    /// <summary>A person by the blind index of the resident ID number (<c>PersonalDataProtector.BlindIndex(id, "id-number")</c>).</summary>
    Citizen,
    /// <summary>A vehicle by its plate (traffic fines), found with the violation number.</summary>
    Plate,
    /// <summary>A utility account number, found with the second factor the bill names.</summary>
    UtilityAccount,
}

public enum BillState
{
    Open,
    Paid,
    Cancelled,
}

/// <summary>One line of a bill: what for (a revenue head) and how much, in fen.</summary>
public sealed record BillLine(string RevenueHead, long AmountFen, string DescriptionZh, string DescriptionEn);

/// <summary>
/// A department's bill (demand → bill in DIGIT's words). Region-scoped; the department's own reference is unique per
/// region and department. Amounts are integer fen. A bill is paid by at most one payment order
/// (<see cref="PaidByPaymentId"/>, set by a conditional update from Open), never twice.
/// </summary>
public sealed class Bill
{
    private Bill()
    {
        RegionCode = DepartmentCode = Reference = PayerKey = TitleZh = TitleEn = string.Empty;
        Lines = [];
    }

    /// <summary>UUIDv7.</summary>
    public Guid Id { get; private set; }

    public string RegionCode { get; private set; }

    public string DepartmentCode { get; private set; }

    /// <summary>The department's own reference (unique per region and department; the push API is idempotent on it).</summary>
    public string Reference { get; private set; }

    public string TitleZh { get; private set; }

    public string TitleEn { get; private set; }

    public BillPayerKind PayerKind { get; private set; }

    /// <summary>Citizen: the ID number's blind index; plate: the normalised plate's blind index; utility: the account
    /// number's blind index — never the value in clear.</summary>
    public string PayerKey { get; private set; }

    /// <summary>Plate bills: the violation number; utility bills: null (the account number is the key).</summary>
    public string? LookupNumber { get; private set; }

    /// <summary>Utility bills: what the second factor is (e.g. "holder-name-last" — the last character of the holder's
    /// name), shown to the person looking it up.</summary>
    public string? SecondFactorKind { get; private set; }

    /// <summary>The second factor's blind index.</summary>
    public string? SecondFactorKey { get; private set; }

    /// <summary>The lines as issued or last adjusted (principal; late fees are computed on top, see <see cref="LateFee"/>).</summary>
    public IReadOnlyList<BillLine> Lines { get; private set; }

    /// <summary>Σ <see cref="Lines"/>.</summary>
    public long AmountFen { get; private set; }

    /// <summary>The last day (Asia/Shanghai) to pay without a late fee.</summary>
    public DateOnly DueDate { get; private set; }

    /// <summary>Late fee per day after the due date in per mille of the principal (30 = 3 % a day), 0 for none.</summary>
    public int LateFeePerMillePerDay { get; private set; }

    /// <summary>The late fee never exceeds this (fen); traffic fines: the fine itself.</summary>
    public long LateFeeCapFen { get; private set; }

    public BillState State { get; private set; }

    public Guid? PaidByPaymentId { get; private set; }

    public DateTimeOffset? PaidAt { get; private set; }

    /// <summary>A hash of the push body that made or last changed the bill: same reference and body → the same bill.</summary>
    public string RequestHash { get; private set; } = string.Empty;

    public int Version { get; private set; }

    public DateTimeOffset CreatedAt { get; private set; }

    public DateTimeOffset UpdatedAt { get; private set; }

    public static Bill Issue(
        string regionCode, string departmentCode, string reference, string titleZh, string titleEn, BillPayerKind payerKind, string payerKey,
        string? lookupNumber, string? secondFactorKind, string? secondFactorKey, IReadOnlyList<BillLine> lines, DateOnly dueDate,
        int lateFeePerMillePerDay, long lateFeeCapFen, string requestHash, DateTimeOffset now) => new()
    {
        Id = Guid.CreateVersion7(now),
        RegionCode = regionCode,
        DepartmentCode = departmentCode,
        Reference = reference,
        TitleZh = titleZh,
        TitleEn = titleEn,
        PayerKind = payerKind,
        PayerKey = payerKey,
        LookupNumber = lookupNumber,
        SecondFactorKind = secondFactorKind,
        SecondFactorKey = secondFactorKey,
        Lines = lines,
        AmountFen = lines.Sum(l => l.AmountFen),
        DueDate = dueDate,
        LateFeePerMillePerDay = lateFeePerMillePerDay,
        LateFeeCapFen = lateFeeCapFen,
        State = BillState.Open,
        RequestHash = requestHash,
        Version = 1,
        CreatedAt = now,
        UpdatedAt = now,
    };

    /// <summary>The late fee owed on <paramref name="today"/> (Asia/Shanghai): per mille per whole day after the due date,
    /// rounded down to the fen, capped.</summary>
    public long LateFee(DateOnly today)
    {
        if (LateFeePerMillePerDay <= 0 || today <= DueDate)
        {
            return 0;
        }

        var days = today.DayNumber - DueDate.DayNumber;
        var fee = checked(AmountFen * LateFeePerMillePerDay * days / 1000);
        return Math.Min(fee, LateFeeCapFen);
    }

    /// <summary>What paying on <paramref name="today"/> costs: the lines plus the late fee as a line of its own.</summary>
    public IReadOnlyList<BillLine> LinesDue(DateOnly today)
    {
        var fee = LateFee(today);
        return fee == 0 ? Lines : [.. Lines, new BillLine(RevenueHeads.LateFee, fee, "滞纳金", "Late fee")];
    }

    /// <summary>Replaces the lines and dates (an adjustment before payment); the caller checks the state.</summary>
    public void Adjust(IReadOnlyList<BillLine> lines, DateOnly dueDate, int lateFeePerMillePerDay, long lateFeeCapFen, string requestHash, DateTimeOffset now)
    {
        Lines = lines;
        AmountFen = lines.Sum(l => l.AmountFen);
        DueDate = dueDate;
        LateFeePerMillePerDay = lateFeePerMillePerDay;
        LateFeeCapFen = lateFeeCapFen;
        RequestHash = requestHash;
        Version++;
        UpdatedAt = now;
    }

    public void Cancel(DateTimeOffset now)
    {
        State = BillState.Cancelled;
        Version++;
        UpdatedAt = now;
    }

    /// <summary>In memory only: the payments rules mark a bill paid with a conditional UPDATE (state = Open) so that two
    /// orders can never both pay it; this keeps a tracked instance in step.</summary>
    public void MarkPaid(Guid paymentId, DateTimeOffset now)
    {
        State = BillState.Paid;
        PaidByPaymentId = paymentId;
        PaidAt = now;
        Version++;
        UpdatedAt = now;
    }
}

public sealed class BillConfiguration : IEntityTypeConfiguration<Bill>
{
    public void Configure(EntityTypeBuilder<Bill> builder)
    {
        builder.ToTable("bills");
        builder.HasKey(b => b.Id);
        builder.Property(b => b.Lines).HasJsonConversion();
        builder.Property(b => b.Version).IsConcurrencyToken();
        builder.HasIndex(b => new { b.RegionCode, b.DepartmentCode, b.Reference }).IsUnique().HasDatabaseName("ux_bills_region_code_department_code_reference");
        builder.HasIndex(b => new { b.PayerKind, b.PayerKey }).HasDatabaseName("ix_bills_payer_kind_payer_key");
    }
}
