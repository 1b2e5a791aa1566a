using CityService.Core.Documents;

namespace CityService.Core.Payments.Invoices;

/// <summary>One line of an invoice: a revenue head of one bill of the issuing department (negative on a red-letter one).</summary>
public sealed record InvoiceItem(Guid BillId, string RevenueHead, string NameZh, string NameEn, long AmountFen);

/// <summary>
/// A fiscal e-invoice (财政电子票据, docs/invoices.md): issued by one department for what one succeeded payment paid it, in
/// the same transaction that marks the payment succeeded; or a red-letter (红字) one, negative, for a refund, linked to the
/// original. Numbered without gaps per department and year (<see cref="InvoiceSequence"/>). Signed: <see cref="Compact"/>
/// is the JWS of its essential fields (kind <see cref="DocumentKinds.Invoice"/>), and the QR code carries
/// <c>{PublicBaseUrl}/v/{Compact}</c>. Region-scoped.
/// </summary>
public sealed class Invoice
{
    private Invoice()
    {
        RegionCode = DepartmentCode = InvoiceCode = PayerName = AmountInWords = CheckCode = KeyId = Compact = string.Empty;
        Items = [];
    }

    /// <summary>UUIDv7; the JWS <c>jti</c>.</summary>
    public Guid Id { get; private set; }

    public string RegionCode { get; private set; }

    /// <summary>The issuing department.</summary>
    public string DepartmentCode { get; private set; }

    public Guid PaymentId { get; private set; }

    /// <summary>The refund a red-letter invoice reverses; null on a blue (ordinary) one.</summary>
    public Guid? RefundId { get; private set; }

    /// <summary>The invoice a red-letter one reverses.</summary>
    public Guid? OriginalInvoiceId { get; private set; }

    /// <summary>The payer's account (who may read it).</summary>
    public Guid AccountId { get; private set; }

    /// <summary>The payer as printed: the verified name masked (张*三), or a generic word when there is none.</summary>
    public string PayerName { get; private set; }

    /// <summary>票据代码: the issuer and year (docs/invoices.md).</summary>
    public string InvoiceCode { get; private set; }

    public int Year { get; private set; }

    /// <summary>票据号码: 1, 2, 3 … per department and year, no gaps; shown as ten digits.</summary>
    public long Number { get; private set; }

    /// <summary>Total in fen; negative on a red-letter invoice.</summary>
    public long AmountFen { get; private set; }

    /// <summary>The total in Chinese capital numerals (壹佰元整; 负 in front on a red-letter invoice).</summary>
    public string AmountInWords { get; private set; }

    public IReadOnlyList<InvoiceItem> Items { get; private set; }

    public DateTimeOffset IssuedAt { get; private set; }

    /// <summary>校验码 (docs/invoices.md).</summary>
    public string CheckCode { get; private set; }

    public string KeyId { get; private set; }

    /// <summary>The signed document (JWS compact).</summary>
    public string Compact { get; private set; }

    /// <summary>How much of a blue invoice red-letter ones have reversed (positive fen); equal to the total: fully reversed.</summary>
    public long ReversedFen { get; private set; }

    /// <summary>SHA-256 of the PDF hard copy in <see cref="DocumentFile"/>, once made.</summary>
    public string? PdfSha256 { get; private set; }

    public int Version { get; private set; }

    public bool RedLetter => OriginalInvoiceId is not null;

    public string NumberText => Number.ToString("D10", System.Globalization.CultureInfo.InvariantCulture);

    public static Invoice Issue(
        Guid id, string regionCode, string departmentCode, Guid paymentId, Guid accountId, string payerName, string invoiceCode, int year, long number,
        IReadOnlyList<InvoiceItem> items, string amountInWords, string checkCode, DateTimeOffset issuedAt, string keyId, string compact,
        Guid? refundId = null, Guid? originalInvoiceId = null) => new()
    {
        Id = id,
        RegionCode = regionCode,
        DepartmentCode = departmentCode,
        PaymentId = paymentId,
        RefundId = refundId,
        OriginalInvoiceId = originalInvoiceId,
        AccountId = accountId,
        PayerName = payerName,
        InvoiceCode = invoiceCode,
        Year = year,
        Number = number,
        AmountFen = items.Sum(i => i.AmountFen),
        AmountInWords = amountInWords,
        Items = items,
        IssuedAt = issuedAt,
        CheckCode = checkCode,
        KeyId = keyId,
        Compact = compact,
    };

    public void AddReversal(long fen)
    {
        ReversedFen = checked(ReversedFen + fen);
        PdfSha256 = null; // the next hard copy shows the reversal (InvoiceHardCopies)
        Version++;
    }

    public void KeepPdf(string sha256) => PdfSha256 = sha256;
}

public sealed class InvoiceConfiguration : IEntityTypeConfiguration<Invoice>
{
    public void Configure(EntityTypeBuilder<Invoice> builder)
    {
        builder.ToTable("invoices");
        builder.HasKey(i => i.Id);
        builder.Ignore(i => i.RedLetter);
        builder.Ignore(i => i.NumberText);
        builder.Property(i => i.Items).HasJsonConversion();
        builder.Property(i => i.Version).IsConcurrencyToken();
        builder.HasIndex(i => new { i.RegionCode, i.DepartmentCode, i.Year, i.Number }).IsUnique().HasDatabaseName("ux_invoices_region_code_department_code_year_number");
        builder.HasIndex(i => new { i.PaymentId, i.DepartmentCode, i.RefundId }).HasDatabaseName("ix_invoices_payment_id_department_code_refund_id");
        builder.HasIndex(i => new { i.AccountId, i.IssuedAt }).HasDatabaseName("ix_invoices_account_id_issued_at");
        builder.HasOne<PaymentOrder>().WithMany().HasForeignKey(i => i.PaymentId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<Invoice>().WithMany().HasForeignKey(i => i.OriginalInvoiceId).OnDelete(DeleteBehavior.Restrict);
    }
}

/// <summary>
/// The last invoice number a department used in a year. Taken with a conditional UPDATE (last_number = last_number + 1)
/// inside the payment's transaction: a rollback or crash undoes it with everything else, so numbers have no gaps, and
/// the row lock (PostgreSQL) or the single writer (SQLite) makes concurrent payments take distinct numbers. Region-scoped.
/// </summary>
public sealed class InvoiceSequence
{
    private InvoiceSequence()
    {
        RegionCode = DepartmentCode = string.Empty;
    }

    public string RegionCode { get; private set; }

    public string DepartmentCode { get; private set; }

    public int Year { get; private set; }

    public long LastNumber { get; private set; }

    public static InvoiceSequence Start(string regionCode, string departmentCode, int year) => new()
    {
        RegionCode = regionCode,
        DepartmentCode = departmentCode,
        Year = year,
    };
}

public sealed class InvoiceSequenceConfiguration : IEntityTypeConfiguration<InvoiceSequence>
{
    public void Configure(EntityTypeBuilder<InvoiceSequence> builder)
    {
        builder.ToTable("invoice_sequences");
        builder.HasKey(s => new { s.RegionCode, s.DepartmentCode, s.Year });
    }
}
