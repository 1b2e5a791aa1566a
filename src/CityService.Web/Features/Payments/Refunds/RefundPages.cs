using System.Globalization;
using System.Text.RegularExpressions;
using CityService.Core.Common;
using CityService.Core.Identity;
using CityService.Core.Identity.Staff;
using CityService.Core.Payments;
using CityService.Core.Payments.Refunds;
using CityService.Core.Storage;
using CityService.Web.Features.Identity;
using CityService.Web.Features.Payments.Billing;
using CityService.Web.Features.Shared;
using CityService.Web.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace CityService.Web.Features.Payments.Refunds;

/// <summary>How the refund pages write states, people and amounts; the yuan field's exact conversion to fen.</summary>
public static partial class RefundPages
{
    public static string PaymentPath(Guid id) => "/dept/payments/" + id.ToString("D");

    public static string State(Texts t, RefundState state) => t["refunds.page.state." + RefundEndpoints.Slug(state)];

    /// <summary>"12", "12.5", "12.50" → fen, exactly (no floating point); null for anything else (signs, exponents, 3 decimals …).</summary>
    public static long? ParseYuan(string? text)
    {
        var match = YuanPattern().Match(text?.Trim() ?? string.Empty);
        if (!match.Success)
        {
            return null;
        }

        var yuan = long.Parse(match.Groups["yuan"].Value, NumberStyles.None, CultureInfo.InvariantCulture);
        var cents = match.Groups["fen"].Value.PadRight(2, '0');
        return (yuan * 100) + int.Parse(cents, NumberStyles.None, CultureInfo.InvariantCulture);
    }

    /// <summary>Fen as the form writes it back: "12.50".</summary>
    public static string YuanText(long fen) => string.Create(CultureInfo.InvariantCulture, $"{fen / 100}.{fen % 100:00}");

    [GeneratedRegex(@"^(?<yuan>[0-9]{1,10})(?:\.(?<fen>[0-9]{1,2}))?$", RegexOptions.CultureInvariant)]
    private static partial Regex YuanPattern();
}

/// <summary>/dept/refunds: the refunds of the staff member's department in their region, newest first, 20 a page; scoped
/// like /dept/bills (<see cref="DepartmentScope"/>: another department is 404).</summary>
[Authorize(Policy = IdentitySetup.StaffPolicy)]
public sealed class DeptRefundsModel(CityDbContext db, StaffService staff) : PageModel
{
    public const string Path = "/dept/refunds";
    public const int PageSize = 20;

    [BindProperty(SupportsGet = true, Name = "region")]
    public string? Region { get; set; }

    [BindProperty(SupportsGet = true, Name = "department")]
    public string? Department { get; set; }

    public int Number { get; private set; } = 1;

    public DepartmentScope Scope { get; private set; } = null!;

    public string DepartmentName { get; private set; } = string.Empty;

    public IReadOnlyList<Refund> Refunds { get; private set; } = [];

    public Guid Me { get; private set; }

    public int Total { get; private set; }

    public int Pages => Math.Max(1, (Total + PageSize - 1) / PageSize);

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        Response.Headers.CacheControl = "no-store";
        var actor = await staff.ActorAsync(User.AccountId(), ct);
        var scope = DepartmentScope.For(actor, Region, Department);
        var raw = Request.Query["page"].FirstOrDefault();
        if (!scope.IsOk || (raw is not null && (!int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < 1)))
        {
            return NotFound();
        }

        Me = actor!.AccountId;
        Number = raw is null ? 1 : int.Parse(raw, CultureInfo.InvariantCulture);
        Scope = scope.Value;
        DepartmentName = await db.Departments.AsNoTracking().Where(d => d.RegionCode == Scope.RegionCode && d.Code == Scope.DepartmentCode)
            .Select(d => Texts.Pick(d.NameZh, d.NameEn)).FirstOrDefaultAsync(ct) ?? Scope.DepartmentCode;
        var query = db.Refunds.AsNoTracking().Where(r => r.RegionCode == Scope.RegionCode && r.DepartmentCode == Scope.DepartmentCode);
        Total = await query.CountAsync(ct);
        if (Number > Pages)
        {
            return NotFound();
        }

        Refunds = await query.OrderByDescending(r => r.Id).Skip((Number - 1) * PageSize).Take(PageSize).ToListAsync(ct); // UUIDv7: newest first
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

        if (page > 1)
        {
            query.Add("page=" + page.ToString(CultureInfo.InvariantCulture));
        }

        return query.Count == 0 ? Path : Path + "?" + string.Join('&', query);
    }
}

/// <summary>
/// /dept/payments/{id}: a payment's bills of the staff member's department(s), its refunds, and the refund form. The form
/// carries the refundAmountAvailable the page showed (a stale one is refused, 412) and goes through <see cref="RefundService"/>
/// like the API. Anyone who is not staff of a department whose bill the payment paid finds nothing (404).
/// </summary>
[Authorize(Policy = IdentitySetup.SignedInPolicy)]
public sealed class DeptPaymentModel(CityDbContext db, StaffService staff, RefundService refunds, Texts texts, TimeProvider time) : PageModel
{
    public FormErrors Errors { get; } = new();

    [BindProperty(Name = "amount")]
    public string? Amount { get; set; }

    [BindProperty(Name = "reason")]
    public string? Reason { get; set; }

    [BindProperty(Name = "refundAmountAvailable")]
    public string? Available { get; set; }

    [BindProperty(Name = "departmentCode")]
    public string? DepartmentCode { get; set; }

    public bool Accepted { get; private set; }

    public PaymentOrder Order { get; private set; } = null!;

    public IReadOnlyList<(PaymentOrderBill Line, Bill? Bill)> Bills { get; private set; } = [];

    public IReadOnlyList<Refund> Refunds { get; private set; } = [];

    /// <summary>The departments of this payment the actor may refund for (approver or dept-admin).</summary>
    public IReadOnlyList<string> RefundFor { get; private set; } = [];

    public Guid Me { get; private set; }

    public bool Refundable => Order.State == PaymentState.Succeeded && Order.FlagReason is null && Order.RefundAmountAvailable > 0;

    public string SignInUrl => "/signin?returnUrl=" + Uri.EscapeDataString(RefundPages.PaymentPath(Order.Id));

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken ct)
    {
        Response.Headers.CacheControl = "no-store";
        if (await LoadAsync(id, ct) is not { } actor)
        {
            return NotFound();
        }

        Accepted = Request.Query.ContainsKey("refunded");
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(Guid id, CancellationToken ct)
    {
        Response.Headers.CacheControl = "no-store";
        var posted = Available; // what the page showed; loading puts the current amount in its place
        if (await LoadAsync(id, ct) is not { } actor)
        {
            return NotFound();
        }

        var amount = RefundPages.ParseYuan(Amount);
        long? available = long.TryParse(posted, NumberStyles.None, CultureInfo.InvariantCulture, out var a) ? a : null;
        if (amount is null)
        {
            Errors.Add("amount", texts["refunds.page.amount-format"]);
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        var result = await refunds.RequestAsync(actor, id, new RefundInput(amount, available, Reason, string.IsNullOrEmpty(DepartmentCode) ? null : DepartmentCode),
            User.HasFreshCode(time.GetUtcNow()), ct);
        if (result.IsOk)
        {
            return LocalRedirect(RefundPages.PaymentPath(id) + "?refunded=1");
        }

        if (result.Error.Kind == ErrorKind.NotFound)
        {
            return NotFound();
        }

        Errors.Add(result.Error, "amount", "reason", "departmentCode");
        Response.StatusCode = Problems.From(result.Error, HttpContext).StatusCode;
        await LoadAsync(id, ct); // the page again with what is available now, so the next try carries the current amount
        return Page();
    }

    private async Task<Actor?> LoadAsync(Guid id, CancellationToken ct)
    {
        var actor = await staff.ActorAsync(User.AccountId(), ct);
        if (actor is null || actor.Kind != AccountKind.Staff)
        {
            return null;
        }

        var order = await db.PaymentOrders.AsNoTracking().FirstOrDefaultAsync(p => p.Id == id, ct);
        if (order is null)
        {
            return null;
        }

        var lines = await db.PaymentOrderBills.AsNoTracking().Where(b => b.PaymentId == id).ToListAsync(ct);
        var mine = lines.Where(l => actor.Sees(order.RegionCode, l.DepartmentCode)).ToList();
        if (mine.Count == 0)
        {
            return null;
        }

        var billIds = mine.Select(l => l.BillId).ToList();
        var bills = await db.Bills.AsNoTracking().Where(b => billIds.Contains(b.Id)).ToDictionaryAsync(b => b.Id, ct);
        var departments = mine.Select(l => l.DepartmentCode).Distinct().ToList();
        Order = order;
        Me = actor.AccountId;
        Bills = [.. mine.Select(l => (l, bills.GetValueOrDefault(l.BillId)))];
        Refunds = (await db.Refunds.AsNoTracking().Where(r => r.PaymentId == id).ToListAsync(ct))
            .Where(r => r.DepartmentCode is null || departments.Contains(r.DepartmentCode)).OrderByDescending(r => r.CreatedAt).ThenByDescending(r => r.Id).ToList();
        RefundFor = [.. departments.Where(d => actor.Holds(order.RegionCode, d, StaffRole.Approver) || actor.Holds(order.RegionCode, d, StaffRole.DeptAdmin)).Order(StringComparer.Ordinal)];
        Available = order.RefundAmountAvailable.ToString(CultureInfo.InvariantCulture);
        return actor;
    }
}
