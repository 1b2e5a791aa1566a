using System.Globalization;
using CityService.Core.Identity.Staff;
using CityService.Core.Payments;
using CityService.Core.Payments.Billing;
using CityService.Core.Storage;
using CityService.Web.Features.Identity;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace CityService.Web.Features.Payments.Billing;

/// <summary>/dept/bills: the bills of the staff member's department in their region, newest first, filtered by state,
/// 20 a page. Another department (by <c>region</c>/<c>department</c>) is 404.</summary>
[Authorize(Policy = IdentitySetup.StaffPolicy)]
public sealed class DeptBillsModel(CityDbContext db, StaffService staff, TimeProvider time) : PageModel
{
    public const string Path = "/dept/bills";
    public const int PageSize = 20;

    [BindProperty(SupportsGet = true, Name = "state")]
    public string? State { get; set; }

    [BindProperty(SupportsGet = true, Name = "region")]
    public string? Region { get; set; }

    [BindProperty(SupportsGet = true, Name = "department")]
    public string? Department { get; set; }

    /// <summary>The query's <c>page</c> ("page" is Razor Pages' own route value).</summary>
    public int Number { get; private set; } = 1;

    public DepartmentScope Scope { get; private set; } = null!;

    public string DepartmentName { get; private set; } = string.Empty;

    public IReadOnlyList<Bill> Bills { get; private set; } = [];

    public int Total { get; private set; }

    public int Pages => Math.Max(1, (Total + PageSize - 1) / PageSize);

    public DateOnly Today { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        Response.Headers.CacheControl = "no-store";
        var scope = DepartmentScope.For(await staff.ActorAsync(User.AccountId(), ct), Region, Department);
        var state = BillingEndpoints.ParseState(State);
        var raw = Request.Query["page"].FirstOrDefault();
        if (!scope.IsOk || !state.IsOk || (raw is not null && (!int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < 1)))
        {
            return NotFound();
        }

        Number = raw is null ? 1 : int.Parse(raw, CultureInfo.InvariantCulture);
        Scope = scope.Value;
        Today = BillDates.Today(time.GetUtcNow());
        DepartmentName = await db.Departments.AsNoTracking().Where(d => d.RegionCode == Scope.RegionCode && d.Code == Scope.DepartmentCode)
            .Select(d => Infrastructure.Texts.Pick(d.NameZh, d.NameEn)).FirstOrDefaultAsync(ct) ?? Scope.DepartmentCode;
        var query = db.Bills.AsNoTracking().Where(b => b.RegionCode == Scope.RegionCode && b.DepartmentCode == Scope.DepartmentCode);
        if (state.Value is { } s)
        {
            query = query.Where(b => b.State == s);
        }

        Total = await query.CountAsync(ct);
        if (Number > Pages)
        {
            return NotFound();
        }

        Bills = await query.OrderByDescending(b => b.Id).Skip((Number - 1) * PageSize).Take(PageSize).ToListAsync(ct);
        return Page();
    }

    public string PageUrl(int page, string? state = "keep")
    {
        var query = new List<string>();
        if ((state == "keep" ? State : state) is { Length: > 0 } s)
        {
            query.Add("state=" + Uri.EscapeDataString(s));
        }

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
