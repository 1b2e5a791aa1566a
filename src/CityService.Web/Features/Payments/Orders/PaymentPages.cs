using CityService.Core.Common;
using CityService.Core.Identity;
using CityService.Core.Identity.Staff;
using CityService.Core.Payments;
using CityService.Core.Payments.Orders;
using CityService.Core.Storage;
using CityService.Web.Features.Identity;
using CityService.Web.Features.Shared;
using CityService.Web.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace CityService.Web.Features.Payments.Orders;

/// <summary>Amounts and times as the payment pages show them.</summary>
public static class PaymentDisplay
{
    public static string Yuan(long fen) => new Money(fen).ToString();

    public static string Time(DateTimeOffset? at) =>
        at is { } t ? t.ToOffset(PaymentService.Shanghai).ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture) : "—";

    public static string State(Texts t, string state) => t["pay.state." + state];

    /// <summary>The text of a value under a key prefix (a channel, a flag, a revenue head …).</summary>
    public static string Of(string prefix, string? value, Texts t) => t[prefix + value];
}

/// <summary>
/// /pay?bills=a,b: the bills and their total today, a channel to choose, and one "pay" button. The form carries an
/// Idempotency-Key made when the page was rendered, so a double submit makes one order; then the payer goes to the
/// channel's page (or, for a code to scan, the result page shows it).
/// </summary>
[Authorize(Policy = IdentitySetup.CitizenPolicy)]
public sealed class PayModel(CityDbContext db, PaymentService payments, IConfiguration configuration, TimeProvider time) : PageModel
{
    public FormErrors Errors { get; } = new();

    [BindProperty(SupportsGet = true, Name = "bills")]
    public string? BillsQuery { get; set; }

    [BindProperty(Name = "key")]
    public string Key { get; set; } = Guid.NewGuid().ToString("N");

    [BindProperty(Name = "channel")]
    public string? Channel { get; set; }

    public IReadOnlyList<(Bill Bill, long DueFen)> Bills { get; private set; } = [];

    public long TotalFen => Bills.Sum(b => b.DueFen);

    public IReadOnlyList<string> Channels => payments.Available;

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        await LoadAsync(ct);
        return Bills.Count == 0 ? NotFound() : Page();
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        var ids = await LoadAsync(ct);
        if (Bills.Count == 0)
        {
            return NotFound();
        }

        var answer = await PaymentEndpoints.CreateAsync(new CreatePaymentRequest(ids, Channel), Key, User.AccountId()!.Value, payments,
            PaymentEndpoints.BaseUrl(HttpContext, configuration), ct);
        if (answer.Error is { } error)
        {
            Errors.Add(error, "channel");
            Key = Guid.NewGuid().ToString("N");
            return Page();
        }

        var view = answer.Payment!;
        return view.Start?.PayUrl is { } url && Url.IsLocalUrl(url) || view.Start?.PayUrl is { } abs && abs.StartsWith("https://", StringComparison.Ordinal)
            ? Redirect(view.Start!.PayUrl!)
            : LocalRedirect(ResultModel.PathOf(view.Id));
    }

    private async Task<List<Guid>> LoadAsync(CancellationToken ct)
    {
        var ids = (BillsQuery ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => Guid.TryParse(s, out var g) ? g : Guid.Empty).Where(g => g != Guid.Empty).Distinct().Take(PaymentErrors.Order.MaxBills).ToList();
        var payerKey = await db.Accounts.AsNoTracking().Where(a => a.Id == User.AccountId()).Select(a => a.IdNumberIndex).SingleOrDefaultAsync(ct);
        var found = await db.Bills.AsNoTracking().Where(b => ids.Contains(b.Id)).ToListAsync(ct);
        var today = PaymentService.Today(time.GetUtcNow());
        Bills = [.. found.Where(b => b.PayerKind != BillPayerKind.Citizen || b.PayerKey == payerKey).Select(b => (b, b.LinesDue(today).Sum(l => l.AmountFen)))];
        return [.. Bills.Select(b => b.Bill.Id)];
    }
}

/// <summary>/me/payments/{id}: the order's state, what it pays, its refunds; "refresh" while pending.</summary>
[Authorize(Policy = IdentitySetup.CitizenPolicy)]
public sealed class ResultModel(CityDbContext db, StaffService staff) : PageModel
{
    public static string PathOf(Guid id) => "/me/payments/" + id.ToString();

    public PaymentView Payment { get; private set; } = null!;

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken ct)
    {
        var found = await PaymentEndpoints.ViewableAsync(db, staff, User, id, ct);
        if (found is null || !await db.PaymentOrders.AnyAsync(o => o.Id == id && o.AccountId == User.AccountId(), ct))
        {
            return NotFound();
        }

        Payment = found;
        return Page();
    }
}

/// <summary>/me/payments: the citizen's payments, newest first, 20 a page.</summary>
[Authorize(Policy = IdentitySetup.CitizenPolicy)]
public sealed class HistoryModel(CityDbContext db) : PageModel
{
    public IReadOnlyList<PaymentView> Items { get; private set; } = [];

    public int Total { get; private set; }

    public int Number { get; private set; } = 1;

    public int Pages => Math.Max(1, (Total + PaymentEndpoints.DefaultPageSize - 1) / PaymentEndpoints.DefaultPageSize);

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        Number = int.TryParse(Request.Query["page"].FirstOrDefault(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n >= 1 ? n : 1;
        (Items, Total) = await PaymentEndpoints.HistoryAsync(db, User.AccountId()!.Value, Number, PaymentEndpoints.DefaultPageSize, ct);
        return Items.Count == 0 && Number > 1 ? NotFound() : Page();
    }
}

/// <summary>/me/payments/{id}/receipt: a printable receipt of a succeeded payment (the signed e-invoice is issue 11).</summary>
[Authorize(Policy = IdentitySetup.CitizenPolicy)]
public sealed class ReceiptModel(CityDbContext db, PersonalDataProtector protector) : PageModel
{
    public PaymentOrder Order { get; private set; } = null!;

    public string PayerMasked { get; private set; } = string.Empty;

    /// <summary>Amounts by department and revenue head.</summary>
    public IReadOnlyList<(string Department, string Head, long Fen)> Items { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken ct)
    {
        var order = await db.PaymentOrders.AsNoTracking().SingleOrDefaultAsync(o => o.Id == id && o.AccountId == User.AccountId(), ct);
        if (order is not { State: PaymentState.Succeeded, FlagReason: null })
        {
            return NotFound();
        }

        Order = order;
        var phone = await db.Accounts.AsNoTracking().Where(a => a.Id == order.AccountId).Select(a => a.PhoneCipher).SingleAsync(ct);
        PayerMasked = phone is null ? "—" : PhoneNumber.Mask(protector.Decrypt(phone, "phone"));
        var lines = await db.PaymentOrderBills.AsNoTracking().Where(b => b.PaymentId == id).ToListAsync(ct);
        Items = [.. lines.SelectMany(b => b.Lines.Select(l => (b.DepartmentCode, l.RevenueHead, l.AmountFen)))
            .GroupBy(x => (x.DepartmentCode, x.RevenueHead)).OrderBy(g => g.Key.DepartmentCode, StringComparer.Ordinal).ThenBy(g => g.Key.RevenueHead, StringComparer.Ordinal)
            .Select(g => (g.Key.DepartmentCode, g.Key.RevenueHead, g.Sum(x => x.AmountFen)))];
        return Page();
    }
}

/// <summary>/admin/payments/flagged: orders flagged for a person (amount mismatch, bill already paid), newest first.</summary>
[Authorize(Policy = IdentitySetup.PlatformAdminPolicy)]
public sealed class FlaggedModel(CityDbContext db) : PageModel
{
    public const int Shown = 100;

    public IReadOnlyList<PaymentOrder> Orders { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken ct) =>
        Orders = await db.PaymentOrders.AsNoTracking().Where(o => o.FlagReason != null).OrderByDescending(o => o.CompletedAt).Take(Shown).ToListAsync(ct);
}
