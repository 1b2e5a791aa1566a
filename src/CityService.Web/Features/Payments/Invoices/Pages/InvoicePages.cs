using System.Globalization;
using System.Text;
using CityService.Core.Identity.Staff;
using CityService.Core.Payments.Invoices;
using CityService.Core.Storage;
using CityService.Web.Features.Identity;
using CityService.Web.Features.Payments.Billing;
using CityService.Web.Features.Payments.Orders;
using CityService.Web.Features.Shared;
using CityService.Web.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using QRCoder;

namespace CityService.Web.Features.Payments.Invoices.Pages;

/// <summary>How the invoice pages write an invoice: its status, its verification link and that link's QR code.</summary>
public static class InvoiceDisplay
{
    public const int PageSize = 20;

    public static string MyPath(Guid id) => "/me/invoices/" + id.ToString("D");

    public static string DeptPath(Guid id) => "/dept/invoices/" + id.ToString("D");

    /// <summary>The issue time as printed: Asia/Shanghai, to the second.</summary>
    public static string Time(DateTimeOffset at) =>
        at.ToOffset(Core.Payments.Billing.BillDates.Offset).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    /// <summary>issued, reversed (fully), partly-reversed, or red-letter.</summary>
    public static string StatusSlug(Invoice invoice) => invoice switch
    {
        { RedLetter: true } => "red-letter",
        { ReversedFen: <= 0 } => "issued",
        var i when i.ReversedFen >= i.AmountFen => "reversed",
        _ => "partly-reversed",
    };

    /// <summary>已开具 / 已冲红 / 部分冲红 ¥x / 红字票据.</summary>
    public static string Status(Texts t, Invoice invoice) => StatusSlug(invoice) switch
    {
        "partly-reversed" => t.Format("invoice.page.status.partly-reversed", PaymentDisplay.Yuan(invoice.ReversedFen)),
        var slug => t["invoice.page.status." + slug],
    };

    /// <summary>The address a scanner opens: <c>{base}/v/{compact}</c> (base: <c>Site:PublicBaseUrl</c>, else the request's own).</summary>
    public static string VerifyUrl(HttpContext http, IConfiguration configuration, Invoice invoice) =>
        PaymentEndpoints.BaseUrl(http, configuration) + "/v/" + invoice.Compact;

    /// <summary>The QR code of <paramref name="text"/> as an inline SVG, one path of dark modules with a quiet zone of four:
    /// no image request, sharp on paper, black on white whatever the page's colours.</summary>
    public static string QrSvg(string text, string label)
    {
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(text, QRCodeGenerator.ECCLevel.M);
        var matrix = data.ModuleMatrix; // QRCoder's matrix already includes the four-module quiet zone
        var size = matrix.Count;
        var path = new StringBuilder(size * size);
        for (var y = 0; y < size; y++)
        {
            for (var x = 0; x < size; x++)
            {
                if (matrix[y][x])
                {
                    path.Append(CultureInfo.InvariantCulture, $"M{x} {y}h1v1h-1z");
                }
            }
        }

        var title = System.Net.WebUtility.HtmlEncode(label);
        return string.Create(CultureInfo.InvariantCulture,
            $"""<svg class="invoice-qr" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" role="img" aria-label="{title}" shape-rendering="crispEdges"><title>{title}</title><rect width="{size}" height="{size}" fill="#fff"/><path fill="#000" d="{path}"/></svg>""");
    }

    /// <summary>The issuing departments' names (current language) by code, for a set of invoices.</summary>
    public static async Task<IReadOnlyDictionary<(string Region, string Department), string>> IssuerNamesAsync(CityDbContext db, IEnumerable<Invoice> invoices, CancellationToken ct)
    {
        var regions = invoices.Select(i => i.RegionCode).Distinct().ToList();
        var codes = invoices.Select(i => i.DepartmentCode).Distinct().ToList();
        var found = await db.Departments.AsNoTracking().Where(d => regions.Contains(d.RegionCode) && codes.Contains(d.Code))
            .Select(d => new { d.RegionCode, d.Code, d.NameZh, d.NameEn }).ToListAsync(ct);
        return found.ToDictionary(d => (d.RegionCode, d.Code), d => Texts.Pick(d.NameZh, d.NameEn));
    }

    public static string IssuerName(IReadOnlyDictionary<(string Region, string Department), string> names, Invoice invoice) =>
        names.GetValueOrDefault((invoice.RegionCode, invoice.DepartmentCode)) ?? invoice.DepartmentCode;

    /// <summary>The query's <c>page</c> ("page" is Razor Pages' own route value): 1 when absent, null when not a number ≥ 1.</summary>
    public static int? PageNumber(HttpRequest request)
    {
        var raw = request.Query["page"].FirstOrDefault();
        return raw is null ? 1 : int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= 1 ? n : null;
    }
}

/// <summary>One invoice as its page shows it: the invoice, its issuer's name, the link and QR code that verify it, and the
/// invoices linked to it (a blue invoice's red-letter ones, or a red-letter one's original).</summary>
public sealed record InvoiceSheet(Invoice Invoice, string IssuerName, string VerifyUrl, string QrSvg, Invoice? Original, IReadOnlyList<Invoice> Reversals,
    Func<Guid, string> PathOf, string? PdfUrl);

/// <summary>Builds an <see cref="InvoiceSheet"/> for a reader already allowed to see the invoice; linked invoices are of the same
/// issuing department (a red-letter invoice is always issued by the original's department).</summary>
public static class InvoiceSheets
{
    public static async Task<InvoiceSheet> ForAsync(CityDbContext db, Invoice invoice, HttpContext http, IConfiguration configuration, Texts t,
        Func<Guid, string> pathOf, string? pdfUrl, CancellationToken ct)
    {
        var original = invoice.OriginalInvoiceId is { } o
            ? await db.Invoices.AsNoTracking().FirstOrDefaultAsync(i => i.Id == o && i.RegionCode == invoice.RegionCode && i.DepartmentCode == invoice.DepartmentCode, ct)
            : null;
        var reversals = invoice.RedLetter ? [] : await db.Invoices.AsNoTracking().Where(i => i.OriginalInvoiceId == invoice.Id).OrderBy(i => i.Id).ToListAsync(ct);
        var names = await InvoiceDisplay.IssuerNamesAsync(db, [invoice], ct);
        var url = InvoiceDisplay.VerifyUrl(http, configuration, invoice);
        return new InvoiceSheet(invoice, InvoiceDisplay.IssuerName(names, invoice), url, InvoiceDisplay.QrSvg(url, t["invoice.page.qr"]), original, reversals, pathOf, pdfUrl);
    }
}

/// <summary>/me/invoices: the citizen's e-invoices (blue and red-letter), newest first, 20 a page.</summary>
[Authorize(Policy = IdentitySetup.CitizenPolicy)]
public sealed class MyInvoicesModel(CityDbContext db) : PageModel
{
    public const string Path = "/me/invoices";

    public IReadOnlyList<Invoice> Invoices { get; private set; } = [];

    public IReadOnlyDictionary<(string Region, string Department), string> Issuers { get; private set; } = new Dictionary<(string, string), string>();

    public int Total { get; private set; }

    public int Number { get; private set; } = 1;

    public int Pages => Math.Max(1, (Total + InvoiceDisplay.PageSize - 1) / InvoiceDisplay.PageSize);

    public string PageUrl(int page) => page > 1 ? Path + "?page=" + page.ToString(CultureInfo.InvariantCulture) : Path;

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        Response.Headers.CacheControl = "no-store";
        if (InvoiceDisplay.PageNumber(Request) is not { } number)
        {
            return NotFound();
        }

        Number = number;
        var me = User.AccountId()!.Value;
        var query = db.Invoices.AsNoTracking().Where(i => i.AccountId == me);
        Total = await query.CountAsync(ct);
        if (Number > Pages)
        {
            return NotFound();
        }

        Invoices = await query.OrderByDescending(i => i.IssuedAt).ThenByDescending(i => i.Id).Skip((Number - 1) * InvoiceDisplay.PageSize).Take(InvoiceDisplay.PageSize).ToListAsync(ct);
        Issuers = await InvoiceDisplay.IssuerNamesAsync(db, Invoices, ct);
        return Page();
    }
}

/// <summary>/me/invoices/{id}: one of the citizen's invoices, which is also its print view (invoices.css @media print), with
/// the PDF hard copy and the share link (<c>/v/{compact}</c> and its QR code: whoever gets it can verify the invoice).
/// Anyone else's invoice is 404.</summary>
[Authorize(Policy = IdentitySetup.CitizenPolicy)]
public sealed class MyInvoiceModel(CityDbContext db, IConfiguration configuration, Texts texts) : PageModel
{
    public InvoiceSheet Sheet { get; private set; } = null!;

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken ct)
    {
        Response.Headers.CacheControl = "no-store";
        var me = User.AccountId();
        var invoice = await db.Invoices.AsNoTracking().FirstOrDefaultAsync(i => i.Id == id && i.AccountId == me, ct);
        if (invoice is null)
        {
            return NotFound();
        }

        Sheet = await InvoiceSheets.ForAsync(db, invoice, HttpContext, configuration, texts, InvoiceDisplay.MyPath, "/api/invoices/" + id.ToString("D") + "/pdf", ct);
        return Page();
    }
}

/// <summary>/dept/invoices: the invoices the staff member's department issued in their region, newest first, 20 a page;
/// filtered by year, number (exact) and red-letter only. Scoped like /dept/bills (<see cref="DepartmentScope"/>).</summary>
[Authorize(Policy = IdentitySetup.StaffPolicy)]
public sealed class DeptInvoicesModel(CityDbContext db, StaffService staff, Texts texts) : PageModel
{
    public const string Path = "/dept/invoices";

    [BindProperty(SupportsGet = true, Name = "region")]
    public string? Region { get; set; }

    [BindProperty(SupportsGet = true, Name = "department")]
    public string? Department { get; set; }

    [BindProperty(SupportsGet = true, Name = "year")]
    public string? Year { get; set; }

    [BindProperty(SupportsGet = true, Name = "number")]
    public string? InvoiceNumber { get; set; }

    [BindProperty(SupportsGet = true, Name = "red")]
    public string? Red { get; set; }

    public FormErrors Errors { get; } = new();

    public DepartmentScope Scope { get; private set; } = null!;

    public string DepartmentName { get; private set; } = string.Empty;

    public IReadOnlyList<Invoice> Invoices { get; private set; } = [];

    public int Total { get; private set; }

    public int Number { get; private set; } = 1;

    public int Pages => Math.Max(1, (Total + InvoiceDisplay.PageSize - 1) / InvoiceDisplay.PageSize);

    public bool RedOnly => Red == "1";

    public string ScopeQuery => Region is { Length: > 0 } && Department is { Length: > 0 }
        ? "?region=" + Uri.EscapeDataString(Region) + "&department=" + Uri.EscapeDataString(Department)
        : string.Empty;

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        Response.Headers.CacheControl = "no-store";
        var scope = DepartmentScope.For(await staff.ActorAsync(User.AccountId(), ct), Region, Department);
        if (!scope.IsOk || InvoiceDisplay.PageNumber(Request) is not { } number)
        {
            return NotFound();
        }

        Number = number;
        Scope = scope.Value;
        DepartmentName = await db.Departments.AsNoTracking().Where(d => d.RegionCode == Scope.RegionCode && d.Code == Scope.DepartmentCode)
            .Select(d => Texts.Pick(d.NameZh, d.NameEn)).FirstOrDefaultAsync(ct) ?? Scope.DepartmentCode;

        int? year = null;
        if (Year is { Length: > 0 } y)
        {
            if (y.Length == 4 && int.TryParse(y, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) && parsed >= 2000)
            {
                year = parsed;
            }
            else
            {
                Errors.Add("year", texts["invoice.page.filter.year-invalid"]);
            }
        }

        long? invoiceNumber = null;
        if (InvoiceNumber?.Trim() is { Length: > 0 } n)
        {
            if (n.Length <= 10 && long.TryParse(n, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) && parsed >= 1)
            {
                invoiceNumber = parsed;
            }
            else
            {
                Errors.Add("number", texts["invoice.page.filter.number-invalid"]);
            }
        }

        if (Red is { Length: > 0 } && Red != "1")
        {
            Errors.Add("red", texts["invoice.page.filter.red-invalid"]);
        }

        if (Errors.Any)
        {
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        var query = db.Invoices.AsNoTracking().Where(i => i.RegionCode == Scope.RegionCode && i.DepartmentCode == Scope.DepartmentCode);
        if (year is { } yr)
        {
            query = query.Where(i => i.Year == yr);
        }

        if (invoiceNumber is { } no)
        {
            query = query.Where(i => i.Number == no);
        }

        if (RedOnly)
        {
            query = query.Where(i => i.OriginalInvoiceId != null);
        }

        Total = await query.CountAsync(ct);
        if (Number > Pages)
        {
            return NotFound();
        }

        Invoices = await query.OrderByDescending(i => i.IssuedAt).ThenByDescending(i => i.Id).Skip((Number - 1) * InvoiceDisplay.PageSize).Take(InvoiceDisplay.PageSize).ToListAsync(ct);
        return Page();
    }

    public string PageUrl(int page)
    {
        var query = new List<string>();
        if (Region is { Length: > 0 } && Department is { Length: > 0 })
        {
            query.Add("region=" + Uri.EscapeDataString(Region));
            query.Add("department=" + Uri.EscapeDataString(Department));
        }

        if (Year is { Length: > 0 })
        {
            query.Add("year=" + Uri.EscapeDataString(Year));
        }

        if (InvoiceNumber is { Length: > 0 })
        {
            query.Add("number=" + Uri.EscapeDataString(InvoiceNumber));
        }

        if (RedOnly)
        {
            query.Add("red=1");
        }

        if (page > 1)
        {
            query.Add("page=" + page.ToString(CultureInfo.InvariantCulture));
        }

        return query.Count == 0 ? Path : Path + "?" + string.Join('&', query);
    }
}

/// <summary>/dept/invoices/{id}: an invoice of the staff member's department with its items, payment and reversals (its
/// red-letter invoices, or the original). Another department's invoice is 404.</summary>
[Authorize(Policy = IdentitySetup.StaffPolicy)]
public sealed class DeptInvoiceModel(CityDbContext db, StaffService staff, IConfiguration configuration, Texts texts) : PageModel
{
    public InvoiceSheet Sheet { get; private set; } = null!;

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken ct)
    {
        Response.Headers.CacheControl = "no-store";
        var actor = await staff.ActorAsync(User.AccountId(), ct);
        var invoice = actor is null ? null : await db.Invoices.AsNoTracking().FirstOrDefaultAsync(i => i.Id == id, ct);
        if (invoice is null || !actor!.Sees(invoice.RegionCode, invoice.DepartmentCode))
        {
            return NotFound();
        }

        Sheet = await InvoiceSheets.ForAsync(db, invoice, HttpContext, configuration, texts, InvoiceDisplay.DeptPath, "/api/invoices/" + id.ToString("D") + "/pdf", ct);
        return Page();
    }
}

public sealed record PaymentInvoices(IReadOnlyList<Invoice> Invoices, IReadOnlyDictionary<(string Region, string Department), string> Names);

/// <summary>The e-invoices of one payment that the signed-in citizen holds, one per issuing department (and red-letter ones
/// after refunds), as links: on /me/payments/{id} and its receipt.</summary>
public sealed class PaymentInvoicesViewComponent(CityDbContext db) : ViewComponent
{
    public async Task<IViewComponentResult> InvokeAsync(Guid paymentId)
    {
        var me = HttpContext.User.AccountId();
        var invoices = me is null ? [] : await db.Invoices.AsNoTracking().Where(i => i.PaymentId == paymentId && i.AccountId == me)
            .OrderBy(i => i.DepartmentCode).ThenBy(i => i.IssuedAt).ThenBy(i => i.Id).ToListAsync(HttpContext.RequestAborted);
        var names = await InvoiceDisplay.IssuerNamesAsync(db, invoices, HttpContext.RequestAborted);
        return View("/Features/Payments/Invoices/Pages/_PaymentInvoices.cshtml", new PaymentInvoices(invoices, names));
    }
}
