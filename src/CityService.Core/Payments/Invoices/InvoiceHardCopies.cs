using CityService.Core.Documents;

namespace CityService.Core.Payments.Invoices;

/// <summary>
/// An invoice's PDF hard copy (docs/invoices.md): made on first request with PDFsharp and an embedded CJK font, QR code as
/// vector modules carrying <c>{verifyBase}v/{compact}</c>, then kept as a <see cref="DocumentFile"/> by its SHA-256 and
/// served from there.
/// </summary>
public sealed class InvoiceHardCopies(IDbContextFactory<CityDbContext> dbs, TimeProvider time)
{
    /// <summary>The PDF of the invoice, or null when there is no such invoice. <paramref name="verifyBase"/> is the
    /// site's public base address ending in "/".</summary>
    public Task<DocumentFile?> PdfAsync(Guid invoiceId, Uri verifyBase, CancellationToken ct)
    {
        _ = dbs;
        _ = time;
        throw new NotImplementedException("issue 11, pdf part");
    }
}
