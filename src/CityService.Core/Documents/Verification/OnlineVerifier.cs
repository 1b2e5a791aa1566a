using CityService.Core.Common;
using CityService.Core.Identity;
using CityService.Core.Identity.SignIn;
using CityService.Core.Payments.Invoices;

namespace CityService.Core.Documents.Verification;

/// <summary>Where an invoice stands now, beyond what it says: reversed fully or by how much, or a red-letter one itself.</summary>
public sealed record InvoiceStatus(Guid InvoiceId, string State, long AmountFen, long ReversedFen, string AmountInWords)
{
    public const string Issued = "issued";
    public const string PartlyReversed = "partly-reversed";
    public const string Reversed = "reversed";
    public const string RedLetter = "red-letter";

    public static InvoiceStatus Of(Invoice invoice)
    {
        ArgumentNullException.ThrowIfNull(invoice);
        var state = invoice.RedLetter ? RedLetter
            : invoice.ReversedFen <= 0 ? Issued
            : invoice.ReversedFen >= invoice.AmountFen ? Reversed
            : PartlyReversed;
        return new(invoice.Id, state, invoice.AmountFen, invoice.ReversedFen, invoice.AmountInWords);
    }
}

/// <summary>What the platform says about a presented document: the verification, the issuer's names, and for an invoice of
/// this platform its current status.</summary>
public sealed record OnlineVerdict(VerificationResult Result, string? IssuerNameZh, string? IssuerNameEn, InvoiceStatus? Invoice);

/// <summary>
/// The online check behind <c>/api/verify/{compact}</c> and the <c>/v/{compact}</c> page: at most
/// <see cref="PerMinute"/> checks a minute per client address (counted in the database, as the bill lookup), the
/// published keys from the database, and — only when the document verifies and is exactly an invoice kept here — the
/// invoice's status. Nothing personal beyond what the signed document already shows (the masked payer).
/// </summary>
public sealed class OnlineVerifier(CityDbContext db, IssuerKeys keys, ClientLimits limits, PersonalDataProtector protector)
{
    public const int PerMinute = 60;

    public async Task<Result<OnlineVerdict>> VerifyAsync(string? compact, string clientAddress, CancellationToken ct)
    {
        var wait = await limits.TryTakeAsync("document-verify", protector.BlindIndex(clientAddress, "client-address"), PerMinute, TimeSpan.FromMinutes(1), ct);
        if (wait is { } w)
        {
            return Error.RateLimited(DocumentErrors.Verify.RateLimited, w, s => new LocalizedText($"验证过于频繁，请 {s} 秒后再试。", $"Too many checks; try again in {s} seconds."));
        }

        var published = (await keys.PublishedAsync(ct)).ToDictionary(k => k.KeyId, StringComparer.Ordinal);
        var checkedDocument = DocumentChecks.Verify(compact, kid => published.GetValueOrDefault(kid));
        if (!checkedDocument.IsOk)
        {
            return checkedDocument.Error!;
        }

        var result = checkedDocument.Value!;
        string? nameZh = null, nameEn = null;
        if (result.Document is { } document && DocumentIssuer.Parse(document.Issuer) is { DepartmentCode: { } department } issuer)
        {
            var names = await db.Departments.AsNoTracking().Where(d => d.RegionCode == issuer.RegionCode && d.Code == department)
                .Select(d => new { d.NameZh, d.NameEn }).FirstOrDefaultAsync(ct);
            (nameZh, nameEn) = (names?.NameZh, names?.NameEn);
        }

        InvoiceStatus? status = null;
        if (result is { Valid: true, Document: { Kind: DocumentKinds.Invoice } signed })
        {
            var invoice = await db.Invoices.AsNoTracking().FirstOrDefaultAsync(i => i.Id == signed.Id, ct);
            status = invoice is not null && string.Equals(invoice.Compact, compact, StringComparison.Ordinal) ? InvoiceStatus.Of(invoice) : null;
        }

        return new OnlineVerdict(result, nameZh, nameEn, status);
    }
}
