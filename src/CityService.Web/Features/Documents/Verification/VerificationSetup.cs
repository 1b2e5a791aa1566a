using System.Globalization;
using CityService.Core.Common;
using CityService.Core.Documents;
using CityService.Core.Documents.Verification;
using CityService.Core.Payments.Billing;
using CityService.Core.Payments.Invoices;
using CityService.Web.Features.Identity;
using CityService.Web.Features.Payments.Orders;
using CityService.Web.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CityService.Web.Features.Documents.Verification;

/// <summary>A signed document as the verification answer shows it: what it says (its kind, id, issuer, time, fields).</summary>
public sealed record VerifiedDocumentDto(string Kind, string Id, string Issuer, LocalizedText? IssuerName, DateTimeOffset IssuedAt, string IssuedAtLocal, string? KeyId,
    IReadOnlyDictionary<string, string> Fields);

/// <summary>An invoice's status now (not signed: the platform's word): issued, partly-reversed, reversed or red-letter.</summary>
public sealed record InvoiceStatusDto(string State, long AmountFen, long ReversedFen, string AmountInWords);

/// <summary>
/// The answer of <c>/api/verify/{compact}</c>: <c>valid</c>, the <c>reason</c> when not (a <see cref="VerificationReasons"/>
/// code) with <c>reasonText</c> in both languages, the <c>document</c> as signed, and for an invoice kept here its <c>status</c>.
/// </summary>
public sealed record VerificationDto(bool Valid, string? Reason, LocalizedText? ReasonText, VerifiedDocumentDto? Document, InvoiceStatusDto? Status)
{
    public static VerificationDto From(OnlineVerdict verdict, Texts texts)
    {
        ArgumentNullException.ThrowIfNull(verdict);
        ArgumentNullException.ThrowIfNull(texts);
        var result = verdict.Result;
        var document = result.Document is { } d
            ? new VerifiedDocumentDto(d.Kind, d.Id.ToString("N"), d.Issuer,
                verdict.IssuerNameZh is { } zh ? new LocalizedText(zh, verdict.IssuerNameEn ?? zh) : d.Field(InvoiceClaims.IssuerName) is { } by ? new LocalizedText(by, by) : null,
                d.IssuedAt, DocumentDisplay.LocalTime(d.IssuedAt), result.KeyId, d.Fields)
            : null;
        var status = verdict.Invoice is { } s ? new InvoiceStatusDto(s.State, s.AmountFen, s.ReversedFen, s.AmountInWords) : null;
        return new(result.Valid, result.Reason, result.Reason is { } reason ? DocumentDisplay.Reason(texts, reason) : null, document, status);
    }
}

/// <summary>How documents are shown to people (the page, the API's texts, the offline command): one place for each wording.</summary>
public static class DocumentDisplay
{
    /// <summary>An issue time as people in the issuing cities read it: Asia/Shanghai, to the second.</summary>
    public static string LocalTime(DateTimeOffset at) => at.ToOffset(BillDates.Offset).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    /// <summary>The plain-words reason (texts.verify.json <c>verify.reason.*</c>); an unknown code is named as it is.</summary>
    public static LocalizedText Reason(Texts texts, string reason)
    {
        ArgumentNullException.ThrowIfNull(texts);
        return texts.All.TryGetValue("verify.reason." + reason, out var text) ? text : new LocalizedText(reason, reason);
    }

    /// <summary>Fen as yuan with two decimals and the sign, e.g. "¥200.00", "-¥12.50".</summary>
    public static string Yuan(long fen) =>
        (fen < 0 ? "-¥" : "¥") + (Math.Abs((decimal)fen) / 100m).ToString("N2", CultureInfo.InvariantCulture);

    /// <summary>The label of a field of an invoice (texts.verify.json <c>verify.field.*</c>), or the field's own name.</summary>
    public static string FieldLabel(Texts texts, string field, bool english)
    {
        ArgumentNullException.ThrowIfNull(texts);
        return texts.All.TryGetValue("verify.field." + field, out var text) ? text.In(english) : field;
    }
}

/// <summary>
/// Checking signed documents (docs/signed-documents.md): <c>GET /api/verify/{compact}</c>, the <c>/v/{compact}</c> page
/// (Verify.cshtml), the hard copy <c>/v/{compact}/pdf</c> and the offline <c>verify</c> command (<see cref="VerifyCommand"/>).
/// </summary>
public static class VerificationSetup
{
    public static void AddVerification(this WebApplicationBuilder builder)
    {
        builder.Services.AddScoped<OnlineVerifier>();
    }

    public static IEndpointRouteBuilder MapVerification(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/verify/{compact}", Verify).WithTags("Documents").AllowAnonymous().WithName("VerifyDocument")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status429TooManyRequests)
            .WithSummary("Checks a signed document (the JWS compact a QR code carries after `/v/`): 200 `{valid, reason, reasonText, document, status}` for any document of "
                + "this format — valid, or why not (`bad-signature`, `unknown-key`, `issuer-mismatch`, `key-revoked`); `status` is an invoice's reversal state when it is kept here. "
                + "Not a document of this format at all: 400 document.malformed; another algorithm than ES256: 400 document.unsupported-algorithm. "
                + $"{OnlineVerifier.PerMinute} checks a minute per client address. See docs/signed-documents.md.");
        app.MapGet("/v/{compact}/pdf", HardCopy).WithTags("Documents").AllowAnonymous().WithName("GetDocumentHardCopy")
            .Produces(StatusCodes.Status200OK, contentType: "application/pdf")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status429TooManyRequests)
            .WithSummary("The PDF hard copy of an invoice, for anyone holding its QR code: only when the document verifies and is an invoice kept here; otherwise 404 document.hard-copy-not-found.");
        return app;
    }

    public static async Task<Results<Ok<VerificationDto>, ProblemHttpResult>> Verify(string compact, OnlineVerifier verifier, Texts texts, HttpContext http, CancellationToken ct)
    {
        var verdict = await verifier.VerifyAsync(compact, http.ClientAddress(), ct);
        if (!verdict.IsOk)
        {
            return Problems.From(verdict.Error!, http);
        }

        http.Response.Headers.CacheControl = "no-cache"; // a revocation changes the answer
        return TypedResults.Ok(VerificationDto.From(verdict.Value!, texts));
    }

    public static async Task<Results<FileContentHttpResult, ProblemHttpResult>> HardCopy(
        string compact, OnlineVerifier verifier, InvoiceHardCopies hardCopies, IConfiguration configuration, HttpContext http, CancellationToken ct)
    {
        var verdict = await verifier.VerifyAsync(compact, http.ClientAddress(), ct);
        if (!verdict.IsOk)
        {
            return Problems.From(verdict.Error!, http);
        }

        var file = verdict.Value!.Invoice is { } invoice
            ? await hardCopies.PdfAsync(invoice.InvoiceId, new Uri(PaymentEndpoints.BaseUrl(http, configuration) + "/"), ct)
            : null;
        if (file is null)
        {
            return Problems.From(Error.NotFound(DocumentErrors.Verify.HardCopyNotFound,
                "没有这份票据的纸质版：只有验证有效、由本平台开具的票据才有。", "There is no hard copy of this document: only valid invoices issued here have one.", "compact"), http);
        }

        var fields = verdict.Value.Result.Document!;
        return TypedResults.File(file.Content, file.ContentType,
            $"invoice-{fields.Field(InvoiceClaims.Code)}-{fields.Field(InvoiceClaims.Number)}.pdf", entityTag: new Microsoft.Net.Http.Headers.EntityTagHeaderValue($"\"{file.Sha256}\""));
    }
}
