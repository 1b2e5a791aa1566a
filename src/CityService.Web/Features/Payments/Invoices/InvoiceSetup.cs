using System.Globalization;
using System.Security.Claims;
using CityService.Core.Common;
using CityService.Core.Identity.Staff;
using CityService.Core.Payments;
using CityService.Core.Payments.Invoices;
using CityService.Core.Storage;
using CityService.Web.Features.Identity;
using CityService.Web.Features.Payments.Billing;
using CityService.Web.Features.Payments.Orders;
using CityService.Web.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace CityService.Web.Features.Payments.Invoices;

public sealed record InvoiceItemDto(Guid BillId, string RevenueHead, string Name, string NameZh, string NameEn, long AmountFen);

/// <param name="Status">issued | reversed | partly-reversed | red-letter.</param>
/// <param name="Number">票据号码, ten digits.</param>
/// <param name="VerifyUrl">What the QR code carries: <c>{PublicBaseUrl}/v/{compact}</c>.</param>
public sealed record InvoiceDto(
    Guid Id, string Status, string InvoiceCode, string Number, int Year, string RegionCode, string DepartmentCode, string IssuerName, string PayerName,
    long AmountFen, string AmountInWords, long ReversedFen, IReadOnlyList<InvoiceItemDto> Items, DateTimeOffset IssuedAt, string CheckCode, Guid PaymentId,
    Guid? RefundId, Guid? OriginalInvoiceId, IReadOnlyList<Guid> RedLetterIds, string KeyId, string Compact, string VerifyUrl, string PdfUrl);

public sealed record InvoicePageDto(IReadOnlyList<InvoiceDto> Items, int Total, int Page, int PageSize);

/// <summary>Fiscal e-invoices (docs/invoices.md): issued with each payment, red-letter on refunds, the API and PDFs.</summary>
public static class InvoiceSetup
{
    public const string Issued = "issued";
    public const string Reversed = "reversed";
    public const string PartlyReversed = "partly-reversed";
    public const string RedLetter = "red-letter";

    public static void AddInvoices(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton(new InvoiceSettings(builder.Configuration.GetValue("Invoices:IssueWithPayments", InvoiceSettings.Default.IssueWithPayments)));
        builder.Services.AddSingleton(sp => new InvoiceIssuance(
            sp.GetRequiredService<Core.Documents.IssuerKeys>(), sp.GetRequiredService<Core.Identity.PersonalDataProtector>,
            sp.GetRequiredService<Core.Notifications.NotificationService>(), sp.GetRequiredService<InvoiceSettings>()));
        builder.AddInvoicePdf();
    }

    public static IEndpointRouteBuilder MapInvoices(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api").WithTags("Invoices").ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden);
        group.MapGet("/invoices/{id}", Get).RequireAuthorization(IdentitySetup.SignedInPolicy).WithName("GetInvoice").ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("One e-invoice: for its payer, staff of its issuing department, and platform operators; anyone else 404.");
        group.MapGet("/invoices/{id}/pdf", Pdf).RequireAuthorization(IdentitySetup.SignedInPolicy).WithName("GetInvoicePdf").Produces(StatusCodes.Status200OK, contentType: "application/pdf").ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("The e-invoice's PDF hard copy (made on first request, then kept): same readers as GET /api/invoices/{id}.");
        group.MapGet("/me/invoices", Mine).RequireAuthorization(IdentitySetup.CitizenPolicy).WithName("ListMyInvoices").ProducesProblem(StatusCodes.Status400BadRequest)
            .WithSummary("The citizen's e-invoices (red-letter ones included), newest first: `page` (from 1), `pageSize` (1–100, default 20).");
        group.MapGet("/dept/invoices", Department).RequireAuthorization(IdentitySetup.StaffPolicy).WithName("ListDepartmentInvoices")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("A department's e-invoices, newest first: `region` and `department` (default: the caller's first), `number` (exact), `year`, " +
                "`redLetter` (true: reversals only), `page`, `pageSize`.");
        return app;
    }

    public static string Status(Invoice invoice) =>
        invoice.RedLetter ? RedLetter : invoice.ReversedFen >= invoice.AmountFen ? Reversed : invoice.ReversedFen > 0 ? PartlyReversed : Issued;

    public static async Task<Results<Ok<InvoiceDto>, ProblemHttpResult>> Get(
        string id, ClaimsPrincipal user, CityDbContext db, StaffService staff, IConfiguration configuration, HttpContext http, CancellationToken ct)
    {
        var invoice = await ViewableAsync(db, staff, user, id, ct);
        return invoice is null
            ? Problems.From(PaymentErrors.Invoice.Missing(), http)
            : TypedResults.Ok((await ViewsAsync(db, [invoice], PaymentEndpoints.BaseUrl(http, configuration), ct))[0]);
    }

    public static async Task<Results<FileContentHttpResult, ProblemHttpResult>> Pdf(
        string id, ClaimsPrincipal user, CityDbContext db, StaffService staff, InvoiceHardCopies copies, IConfiguration configuration, HttpContext http, CancellationToken ct)
    {
        var invoice = await ViewableAsync(db, staff, user, id, ct);
        var file = invoice is null ? null : await copies.PdfAsync(invoice.Id, new Uri(PaymentEndpoints.BaseUrl(http, configuration) + "/"), ct);
        if (invoice is null || file is null)
        {
            return Problems.From(PaymentErrors.Invoice.Missing(), http);
        }

        return TypedResults.File(file.Content, file.ContentType, $"{invoice.InvoiceCode}-{invoice.NumberText}.pdf");
    }

    /// <summary>The invoice if <paramref name="user"/> may see it: its payer, staff of its issuing department (in its region), an operator.</summary>
    public static async Task<Invoice?> ViewableAsync(CityDbContext db, StaffService staff, ClaimsPrincipal user, string id, CancellationToken ct)
    {
        if (!Guid.TryParse(id, out var guid) || user.AccountId() is not { } accountId)
        {
            return null;
        }

        var invoice = await db.Invoices.AsNoTracking().SingleOrDefaultAsync(i => i.Id == guid, ct);
        if (invoice is null || invoice.AccountId == accountId)
        {
            return invoice;
        }

        var actor = await staff.ActorAsync(accountId, ct);
        return actor is not null && actor.Sees(invoice.RegionCode, invoice.DepartmentCode) ? invoice : null;
    }

    public static async Task<Results<Ok<InvoicePageDto>, ProblemHttpResult>> Mine(
        string? page, string? pageSize, ClaimsPrincipal user, CityDbContext db, IConfiguration configuration, HttpContext http, CancellationToken ct)
    {
        var paging = Paging(page, pageSize);
        if (!paging.IsOk)
        {
            return Problems.From(paging.Error, http);
        }

        var accountId = user.AccountId()!.Value;
        return TypedResults.Ok(await PageAsync(db, db.Invoices.AsNoTracking().Where(i => i.AccountId == accountId), paging.Value, PaymentEndpoints.BaseUrl(http, configuration), ct));
    }

    public static async Task<Results<Ok<InvoicePageDto>, ProblemHttpResult>> Department(
        string? region, string? department, string? number, string? year, string? redLetter, string? page, string? pageSize, ClaimsPrincipal user,
        CityDbContext db, StaffService staff, IConfiguration configuration, HttpContext http, CancellationToken ct)
    {
        var scope = DepartmentScope.For(await staff.ActorAsync(user.AccountId(), ct), region, department);
        if (!scope.IsOk)
        {
            return Problems.From(scope.Error, http);
        }

        var paging = Paging(page, pageSize);
        if (!paging.IsOk)
        {
            return Problems.From(paging.Error, http);
        }

        var (r, d) = (scope.Value.RegionCode, scope.Value.DepartmentCode);
        var query = db.Invoices.AsNoTracking().Where(i => i.RegionCode == r && i.DepartmentCode == d);
        if (!string.IsNullOrEmpty(number))
        {
            if (number.Length > 10 || !number.All(char.IsAsciiDigit) || !long.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
            {
                return Problems.From(PaymentErrors.Invoice.BadNumber(), http);
            }

            query = query.Where(i => i.Number == n);
        }

        if (!string.IsNullOrEmpty(year))
        {
            if (year.Length != 4 || !int.TryParse(year, NumberStyles.None, CultureInfo.InvariantCulture, out var y) || y < 2000)
            {
                return Problems.From(PaymentErrors.Invoice.BadYear(), http);
            }

            query = query.Where(i => i.Year == y);
        }

        if (string.Equals(redLetter, "true", StringComparison.OrdinalIgnoreCase))
        {
            query = query.Where(i => i.OriginalInvoiceId != null);
        }

        return TypedResults.Ok(await PageAsync(db, query, paging.Value, PaymentEndpoints.BaseUrl(http, configuration), ct));
    }

    private static Result<(int Page, int Size)> Paging(string? page, string? pageSize)
    {
        var number = QueryValues.WholeNumber(page, "page", 1);
        var size = QueryValues.WholeNumber(pageSize, "pageSize", PaymentEndpoints.DefaultPageSize);
        if ((number.Error ?? size.Error) is { } bad)
        {
            return bad;
        }

        if (number.Value < 1 || size.Value is < 1 or > PaymentEndpoints.MaxPageSize)
        {
            return Error.Invalid(number.Value < 1 ? "page" : "pageSize", HttpErrors.Request.OutOfRange,
                $"page 从 1 开始，pageSize 须在 1 到 {PaymentEndpoints.MaxPageSize} 之间。", $"page starts at 1 and pageSize is between 1 and {PaymentEndpoints.MaxPageSize}.");
        }

        return (number.Value, size.Value);
    }

    private static async Task<InvoicePageDto> PageAsync(CityDbContext db, IQueryable<Invoice> query, (int Page, int Size) paging, string baseUrl, CancellationToken ct)
    {
        var total = await query.CountAsync(ct);
        var invoices = await query.OrderByDescending(i => i.IssuedAt).ThenByDescending(i => i.Id).Skip((paging.Page - 1) * paging.Size).Take(paging.Size).ToListAsync(ct);
        return new InvoicePageDto(await ViewsAsync(db, invoices, baseUrl, ct), total, paging.Page, paging.Size);
    }

    /// <summary>The invoices as the API shows them, with their issuers' names and red-letter invoices.</summary>
    public static async Task<IReadOnlyList<InvoiceDto>> ViewsAsync(CityDbContext db, IReadOnlyList<Invoice> invoices, string baseUrl, CancellationToken ct)
    {
        var ids = invoices.Select(i => i.Id).ToList();
        var reds = await db.Invoices.AsNoTracking().Where(i => i.OriginalInvoiceId != null && ids.Contains(i.OriginalInvoiceId.Value))
            .OrderBy(i => i.IssuedAt).Select(i => new { i.Id, Original = i.OriginalInvoiceId!.Value }).ToListAsync(ct);
        var codes = invoices.Select(i => i.DepartmentCode).Distinct().ToList();
        var names = await db.Departments.AsNoTracking().Where(d => codes.Contains(d.Code)).Select(d => new { d.RegionCode, d.Code, d.NameZh, d.NameEn }).ToListAsync(ct);
        return [.. invoices.Select(i =>
        {
            var name = names.FirstOrDefault(n => n.RegionCode == i.RegionCode && n.Code == i.DepartmentCode);
            return new InvoiceDto(i.Id, Status(i), i.InvoiceCode, i.NumberText, i.Year, i.RegionCode, i.DepartmentCode,
                name is null ? i.DepartmentCode : Texts.Pick(name.NameZh, name.NameEn), i.PayerName, i.AmountFen, i.AmountInWords, i.ReversedFen,
                [.. i.Items.Select(x => new InvoiceItemDto(x.BillId, x.RevenueHead, Texts.Pick(x.NameZh, x.NameEn), x.NameZh, x.NameEn, x.AmountFen))],
                i.IssuedAt, i.CheckCode, i.PaymentId, i.RefundId, i.OriginalInvoiceId, [.. reds.Where(r => r.Original == i.Id).Select(r => r.Id)],
                i.KeyId, i.Compact, $"{baseUrl}/v/{i.Compact}", $"/api/invoices/{i.Id}/pdf");
        })];
    }
}
