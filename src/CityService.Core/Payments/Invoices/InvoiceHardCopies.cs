using CityService.Core.Documents;
using CityService.Core.Documents.Pdf;

namespace CityService.Core.Payments.Invoices;

/// <summary>
/// An invoice's PDF hard copy (docs/invoices.md, "Hard copy"): made on first request with PDFsharp and an embedded CJK font
/// (<see cref="InvoicePdf"/>), QR code as vector modules carrying <c>{verifyBase}v/{compact}</c>, then kept as a
/// <see cref="DocumentFile"/> by its SHA-256 and served from there. A reversal clears the kept hash
/// (<see cref="Invoice.AddReversal"/>), so the next copy shows it; the hash is kept only if the invoice has not changed
/// since it was read, so a copy made from a stale read is served once and never kept.
/// </summary>
public sealed class InvoiceHardCopies(IDbContextFactory<CityDbContext> dbs, TimeProvider time)
{
    public const string ContentType = "application/pdf";

    private long _rendered;

    /// <summary>How many PDFs this instance has rendered (not served from the store): tests and the benchmark read it.</summary>
    public long Rendered => Interlocked.Read(ref _rendered);

    /// <summary>The PDF of the invoice, or null when there is no such invoice. <paramref name="verifyBase"/> is the
    /// site's public base address ending in "/".</summary>
    public async Task<DocumentFile?> PdfAsync(Guid invoiceId, Uri verifyBase, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(verifyBase);
        await using var db = await dbs.CreateDbContextAsync(ct);
        var invoice = await db.Invoices.AsNoTracking().FirstOrDefaultAsync(i => i.Id == invoiceId, ct);
        if (invoice is null)
        {
            return null;
        }

        if (invoice.PdfSha256 is { } kept && await db.DocumentFiles.AsNoTracking().FirstOrDefaultAsync(f => f.Sha256 == kept, ct) is { } stored)
        {
            return stored;
        }

        var file = DocumentFile.Of(invoice.RegionCode, ContentType, InvoicePdf.Render(invoice, await ContextAsync(db, invoice, verifyBase, ct)), time.GetUtcNow());
        Interlocked.Increment(ref _rendered);

        // Concurrent first requests render the same bytes (the layout is deterministic), so they race for one row.
        if (!await db.DocumentFiles.AnyAsync(f => f.Sha256 == file.Sha256, ct))
        {
            db.DocumentFiles.Add(file);
            await db.TrySaveChangesAsync(ct);
        }

        await db.Invoices.Where(i => i.Id == invoice.Id && i.Version == invoice.Version && i.PdfSha256 != file.Sha256)
            .ExecuteUpdateAsync(s => s.SetProperty(i => i.PdfSha256, file.Sha256), ct);
        return file;
    }

    private static async Task<InvoicePdfContext> ContextAsync(CityDbContext db, Invoice invoice, Uri verifyBase, CancellationToken ct)
    {
        var department = await db.Departments.AsNoTracking()
            .Where(d => d.RegionCode == invoice.RegionCode && d.Code == invoice.DepartmentCode)
            .Select(d => new { d.NameZh, d.NameEn }).FirstOrDefaultAsync(ct);
        var region = await db.Regions.AsNoTracking().Where(r => r.Code == invoice.RegionCode).Select(r => r.NameZh).FirstOrDefaultAsync(ct);
        var original = invoice.OriginalInvoiceId is { } originalId ? await db.Invoices.AsNoTracking().FirstOrDefaultAsync(i => i.Id == originalId, ct) : null;
        var signedName = DocumentEnvelope.Verify(invoice.Compact, _ => null).Document?.Field(InvoiceClaims.IssuerName);
        return new InvoicePdfContext(
            signedName ?? department?.NameZh ?? invoice.DepartmentCode, department?.NameEn ?? invoice.DepartmentCode, region, original, verifyBase);
    }
}
