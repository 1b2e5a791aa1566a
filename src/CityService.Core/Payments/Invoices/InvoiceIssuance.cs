using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using CityService.Core.Audit;
using CityService.Core.Common;
using CityService.Core.Documents;
using CityService.Core.Identity;
using CityService.Core.Notifications;
using CityService.Core.Payments.Billing;

namespace CityService.Core.Payments.Invoices;

/// <param name="IssueWithPayments">Issue invoices with payments (<c>Invoices:IssueWithPayments</c>, default true); off only
/// to measure what issuance costs (docs/benchmarks.md, "Invoice issuance cost").</param>
public sealed record InvoiceSettings(bool IssueWithPayments)
{
    public static readonly InvoiceSettings Default = new(true);
}

/// <summary>The issuers' signers a payment or refund needs, fetched before its transaction opens (a first key is written
/// with its own context); empty when invoices are off.</summary>
public sealed record InvoiceSigners(IReadOnlyDictionary<string, IssuerSigner> ByDepartment)
{
    public static readonly InvoiceSigners None = new(new Dictionary<string, IssuerSigner>(StringComparer.Ordinal));
}

/// <summary>
/// Issues fiscal e-invoices (docs/invoices.md, ADR 026) inside the caller's transaction: one per issuing department of a
/// payment when it is marked succeeded (<see cref="IssueAsync"/>), and a red-letter one when a department's refund succeeds
/// (<see cref="ReverseAsync"/>). Numbers come from <see cref="InvoiceSequence"/> with one upsert per department, taken in
/// department order (so two payments never wait on each other in a circle) and undone by the caller's rollback: no gaps.
/// </summary>
public sealed class InvoiceIssuance(IssuerKeys keys, Func<PersonalDataProtector> protector, NotificationService notifications, InvoiceSettings settings)
{
    /// <summary>What a payer is printed as when the account has no verified name.</summary>
    public const string UnknownPayer = "缴款人";

    public bool Enabled => settings.IssueWithPayments;

    /// <summary>票据代码: the region, the year (Asia/Shanghai) and the department, e.g. <c>3301002026-PSB</c>.</summary>
    public static string CodeOf(string regionCode, int year, string departmentCode) =>
        string.Create(CultureInfo.InvariantCulture, $"{regionCode}{year:D4}-{departmentCode}");

    /// <summary>校验码: six digits, the first 64 bits of SHA-256("{code}|{number}|{amountFen}|{issuedAt unix s}") modulo 10^6.</summary>
    public static string CheckCodeOf(string invoiceCode, long number, long amountFen, DateTimeOffset issuedAt)
    {
        var text = string.Create(CultureInfo.InvariantCulture, $"{invoiceCode}|{number:D10}|{amountFen}|{issuedAt.ToUnixTimeSeconds()}");
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(text));
        return (BinaryPrimitives.ReadUInt64BigEndian(hash) % 1_000_000).ToString("D6", CultureInfo.InvariantCulture);
    }

    /// <summary>张*三, 李*, or <see cref="UnknownPayer"/>.</summary>
    public static string MaskName(string? name) => name?.Trim() switch
    {
        null or "" => UnknownPayer,
        { Length: 1 } n => n,
        { Length: 2 } n => n[..1] + "*",
        var n => n[..1] + new string('*', n.Length - 2) + n[^1..],
    };

    /// <summary>The year an invoice issued at <paramref name="at"/> is numbered in (Asia/Shanghai).</summary>
    public static int YearOf(DateTimeOffset at) => at.ToOffset(BillDates.Offset).Year;

    public async Task<InvoiceSigners> SignersAsync(IEnumerable<(string RegionCode, string DepartmentCode)> departments, CancellationToken ct)
    {
        if (!Enabled)
        {
            return InvoiceSigners.None;
        }

        var signers = new Dictionary<string, IssuerSigner>(StringComparer.Ordinal);
        foreach (var (region, department) in departments.Distinct())
        {
            var signer = await keys.SignerAsync(DocumentIssuer.Department(region, department), ct);
            signers[Key(region, department)] = signer;
        }

        return new InvoiceSigners(signers);
    }

    /// <summary>
    /// In the payment's transaction: one invoice per department of <paramref name="lines"/>, added to <paramref name="db"/>
    /// (the caller saves), the citizen notified through the outbox; returns the audit records for the caller to write.
    /// </summary>
    public async Task<IReadOnlyList<AuditRecord>> IssueAsync(
        CityDbContext db, PaymentOrder order, IReadOnlyList<PaymentOrderBill> lines, InvoiceSigners signers, DateTimeOffset now, CancellationToken ct)
    {
        if (signers.ByDepartment.Count == 0)
        {
            return [];
        }

        var at = Seconds(now);
        var year = YearOf(at);
        var payer = await PayerAsync(db, order.AccountId, ct);
        var byDepartment = lines.GroupBy(l => (l.RegionCode, l.DepartmentCode)).OrderBy(g => g.Key.RegionCode, StringComparer.Ordinal)
            .ThenBy(g => g.Key.DepartmentCode, StringComparer.Ordinal).ToList();
        var names = await NamesAsync(db, byDepartment.Select(g => g.Key), ct);
        var records = new List<AuditRecord>();
        foreach (var group in byDepartment)
        {
            var (region, department) = group.Key;
            var signer = signers.ByDepartment[Key(region, department)];
            var items = group.OrderBy(l => l.BillId).SelectMany(l => l.Lines.GroupBy(x => x.RevenueHead, StringComparer.Ordinal)
                .Select(h => new InvoiceItem(l.BillId, h.Key, InvoiceHeads.NameZh(h.Key), InvoiceHeads.NameEn(h.Key), h.Sum(x => x.AmountFen)))).ToList();
            var invoice = await SignedAsync(db, Guid.CreateVersion7(at), region, department, order, payer, year, items, at, signer, names[Key(region, department)], null, null, ct);
            db.Invoices.Add(invoice);
            await notifications.NotifyAsync(db, order.AccountId, NotificationEvents.InvoiceIssued, Variables(invoice, names[Key(region, department)]), region, ct);
            records.Add(new AuditRecord(AuditActions.InvoiceIssued, AuditActor.System, "invoice", invoice.Id.ToString(), AuditOutcomes.Succeeded, region,
                AuditRecord.DetailsOf(new { code = invoice.InvoiceCode, number = invoice.NumberText, amountFen = invoice.AmountFen, payment = order.Id, keyId = invoice.KeyId })));
        }

        InvoiceMetrics.Issued.Add(records.Count, new KeyValuePair<string, object?>("kind", "blue"));
        return records;
    }

    /// <summary>The signer a department refund's red-letter invoice needs (null: none is issued — an automatic refund, or invoices off).</summary>
    public async Task<IssuerSigner?> SignerForAsync(Refund refund, CancellationToken ct) =>
        !Enabled || refund.Automatic || refund.DepartmentCode is null ? null : await keys.SignerAsync(DocumentIssuer.Department(refund.RegionCode, refund.DepartmentCode), ct);

    /// <summary>
    /// In the transaction that marks <paramref name="refund"/> succeeded: a red-letter invoice of its department linked to the
    /// department's invoice of the payment, numbered from the same sequence, and the amount added to the original's
    /// <see cref="Invoice.ReversedFen"/>. Null when there is nothing to reverse (no signer, or the payment had no invoice).
    /// </summary>
    public async Task<AuditRecord?> ReverseAsync(CityDbContext db, Refund refund, PaymentOrder order, IssuerSigner? signer, DateTimeOffset now, CancellationToken ct)
    {
        if (signer is null || refund.DepartmentCode is not { } department)
        {
            return null;
        }

        var originalId = await db.Invoices.AsNoTracking()
            .Where(i => i.PaymentId == order.Id && i.RegionCode == refund.RegionCode && i.DepartmentCode == department && i.OriginalInvoiceId == null)
            .Select(i => (Guid?)i.Id).FirstOrDefaultAsync(ct);
        if (originalId is not { } id)
        {
            return null;
        }

        // An atomic increment (it also locks the original): concurrent refunds of one payment each add their own amount.
        await db.Invoices.Where(i => i.Id == id).ExecuteUpdateAsync(s => s
            .SetProperty(i => i.ReversedFen, i => i.ReversedFen + refund.AmountFen)
            .SetProperty(i => i.Version, i => i.Version + 1), ct);
        var original = await db.Invoices.AsNoTracking().SingleAsync(i => i.Id == id, ct);
        var items = RedItems(original.Items, original.ReversedFen - refund.AmountFen, refund.AmountFen);
        var at = Seconds(now);
        var payer = original.PayerName;
        var name = (await NamesAsync(db, [(refund.RegionCode, department)], ct))[Key(refund.RegionCode, department)];
        var red = await SignedAsync(db, Guid.CreateVersion7(at), refund.RegionCode, department, order, payer, YearOf(at), items, at, signer, name, refund.Id, original, ct);
        db.Invoices.Add(red);
        await notifications.NotifyAsync(db, order.AccountId, NotificationEvents.InvoiceIssued, Variables(red, name), refund.RegionCode, ct);
        InvoiceMetrics.Issued.Add(1, new KeyValuePair<string, object?>("kind", "red-letter"));
        return new AuditRecord(AuditActions.InvoiceReversed, AuditActor.System, "invoice", original.Id.ToString(), AuditOutcomes.Succeeded, refund.RegionCode,
            AuditRecord.DetailsOf(new { redLetter = red.Id, code = red.InvoiceCode, number = red.NumberText, amountFen = red.AmountFen, refund = refund.Id, reversedFen = original.ReversedFen }));
    }

    /// <summary>The original's items, skipping the <paramref name="already"/> fen earlier red-letter invoices took, for
    /// <paramref name="fen"/> more, negative.</summary>
    public static List<InvoiceItem> RedItems(IReadOnlyList<InvoiceItem> items, long already, long fen)
    {
        var red = new List<InvoiceItem>();
        foreach (var item in items)
        {
            var skip = Math.Min(already, item.AmountFen);
            already -= skip;
            var take = Math.Min(fen, item.AmountFen - skip);
            if (take > 0)
            {
                red.Add(item with { AmountFen = -take });
                fen -= take;
            }
        }

        if (fen > 0 || red.Count == 0)
        {
            // More than the items hold (cannot happen: refunds are capped per department): the rest on the first head.
            var first = items.Count > 0 ? items[0] : new InvoiceItem(Guid.Empty, RevenueHeads.ServiceFee, InvoiceHeads.NameZh(RevenueHeads.ServiceFee), InvoiceHeads.NameEn(RevenueHeads.ServiceFee), 0);
            red.Add(first with { AmountFen = -Math.Max(fen, 0) });
        }

        return red;
    }

    /// <summary>Takes the next number of (region, department, year): one upsert, in the caller's transaction.</summary>
    public static async Task<long> NextNumberAsync(CityDbContext db, string regionCode, string departmentCode, int year, CancellationToken ct)
    {
        var taken = await db.Database.SqlQuery<long>($"""
            INSERT INTO invoice_sequences (region_code, department_code, year, last_number) VALUES ({regionCode}, {departmentCode}, {year}, 1)
            ON CONFLICT (region_code, department_code, year) DO UPDATE SET last_number = invoice_sequences.last_number + 1
            RETURNING last_number AS "Value"
            """).ToListAsync(ct);
        return taken.Single();
    }

    private static async Task<Invoice> SignedAsync(
        CityDbContext db, Guid id, string region, string department, PaymentOrder order, string payer, int year, List<InvoiceItem> items, DateTimeOffset at,
        IssuerSigner signer, string issuerNameZh, Guid? refundId, Invoice? original, CancellationToken ct)
    {
        var code = CodeOf(region, year, department);
        var number = await NextNumberAsync(db, region, department, year, ct);
        var amount = items.Sum(i => i.AmountFen);
        var unsigned = Invoice.Issue(id, region, department, order.Id, order.AccountId, payer, code, year, number, items, ChineseAmount.InWords(amount),
            CheckCodeOf(code, number, amount, at), at, signer.KeyId, string.Empty, refundId, original?.Id);
        var compact = signer.Sign(InvoiceClaims.For(unsigned, issuerNameZh, original));
        return Invoice.Issue(id, region, department, order.Id, order.AccountId, payer, code, year, number, items, unsigned.AmountInWords,
            unsigned.CheckCode, at, signer.KeyId, compact, refundId, original?.Id);
    }

    private async Task<string> PayerAsync(CityDbContext db, Guid accountId, CancellationToken ct)
    {
        var cipher = await db.Accounts.AsNoTracking().Where(a => a.Id == accountId).Select(a => a.NameCipher).FirstOrDefaultAsync(ct);
        return MaskName(cipher is null ? null : protector().Decrypt(cipher, "name"));
    }

    private static async Task<Dictionary<string, string>> NamesAsync(CityDbContext db, IEnumerable<(string RegionCode, string DepartmentCode)> departments, CancellationToken ct)
    {
        var wanted = departments.ToList();
        var codes = wanted.Select(d => d.DepartmentCode).Distinct().ToList();
        var regions = wanted.Select(d => d.RegionCode).Distinct().ToList();
        var found = await db.Departments.AsNoTracking().Where(d => codes.Contains(d.Code) && regions.Contains(d.RegionCode))
            .Select(d => new { d.RegionCode, d.Code, d.NameZh }).ToListAsync(ct);
        return wanted.Distinct().ToDictionary(w => Key(w.RegionCode, w.DepartmentCode),
            w => found.FirstOrDefault(f => f.RegionCode == w.RegionCode && f.Code == w.DepartmentCode)?.NameZh ?? w.DepartmentCode, StringComparer.Ordinal);
    }

    private static Dictionary<string, string> Variables(Invoice invoice, string issuerNameZh) => new(StringComparer.Ordinal)
    {
        ["amount"] = new Money(invoice.AmountFen).ToString(),
        ["issuer"] = issuerNameZh,
        ["number"] = $"{invoice.InvoiceCode}/{invoice.NumberText}",
        ["link"] = InvoicePaths.Citizen(invoice.Id),
        ["at"] = NotificationEvents.Time(invoice.IssuedAt),
    };

    private static DateTimeOffset Seconds(DateTimeOffset at) => new(at.Ticks - at.Ticks % TimeSpan.TicksPerSecond, at.Offset);

    private static string Key(string region, string department) => region + "/" + department;
}

/// <summary>The invoices part's counter on the platform's meter.</summary>
public static class InvoiceMetrics
{
    /// <summary>Invoices issued, by kind (blue, red-letter).</summary>
    public static readonly System.Diagnostics.Metrics.Counter<long> Issued =
        PlatformMetrics.Meter.CreateCounter<long>("cityservice.invoices.issued", "{invoice}", "Fiscal e-invoices issued by kind");
}

public static class InvoicePaths
{
    /// <summary>The citizen's invoice page (part pages), which the notification links to.</summary>
    public static string Citizen(Guid id) => "/me/invoices/" + id.ToString();
}

/// <summary>Revenue heads as invoices print them (the same words as the payment pages' <c>pay.head.*</c> texts; a test keeps them equal).</summary>
public static class InvoiceHeads
{
    private static readonly Dictionary<string, (string Zh, string En)> Names = new(StringComparer.Ordinal)
    {
        [RevenueHeads.Fine] = ("罚款", "Fine"),
        [RevenueHeads.LateFee] = ("滞纳金", "Late fee"),
        [RevenueHeads.Contribution] = ("社会保险费", "Contribution"),
        [RevenueHeads.RegistrationFee] = ("登记费", "Registration fee"),
        [RevenueHeads.Utility] = ("公用事业费", "Utility"),
        [RevenueHeads.Tax] = ("税款", "Tax"),
        [RevenueHeads.ServiceFee] = ("服务费", "Service fee"),
    };

    public static string NameZh(string head) => Names.TryGetValue(head, out var n) ? n.Zh : head;

    public static string NameEn(string head) => Names.TryGetValue(head, out var n) ? n.En : head;
}
