using CityService.Core.Identity.Staff;
using CityService.Core.Payments.Billing;
using CityService.Web.Features.Identity;
using CityService.Web.Features.Shared;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace CityService.Web.Features.Payments.Billing;

/// <summary>/dept/collections: the department's collections per day, revenue head and channel over a date range (GET
/// form), with the CSV export of the same range (<c>/dept/collections.csv</c>).</summary>
[Authorize(Policy = IdentitySetup.StaffPolicy)]
public sealed class DeptCollectionsModel(StaffService staff, Collections collections, TimeProvider time) : PageModel
{
    [BindProperty(SupportsGet = true, Name = "from")]
    public string? From { get; set; }

    [BindProperty(SupportsGet = true, Name = "to")]
    public string? To { get; set; }

    [BindProperty(SupportsGet = true, Name = "region")]
    public string? Region { get; set; }

    [BindProperty(SupportsGet = true, Name = "department")]
    public string? Department { get; set; }

    public FormErrors Errors { get; } = new();

    public DepartmentScope Scope { get; private set; } = null!;

    public DateOnly FromDay { get; private set; }

    public DateOnly ToDay { get; private set; }

    public IReadOnlyList<CollectionRow> Rows { get; private set; } = [];

    public string CsvUrl => $"/dept/collections.csv?from={BillDates.Format(FromDay)}&to={BillDates.Format(ToDay)}"
        + (Region is { Length: > 0 } && Department is { Length: > 0 } ? $"&region={Uri.EscapeDataString(Region)}&department={Uri.EscapeDataString(Department)}" : string.Empty);

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        Response.Headers.CacheControl = "no-store";
        var scope = DepartmentScope.For(await staff.ActorAsync(User.AccountId(), ct), Region, Department);
        if (!scope.IsOk)
        {
            return NotFound();
        }

        Scope = scope.Value;
        var today = BillDates.Today(time.GetUtcNow());
        var range = DepartmentScope.Range(From, To, today);
        if (!range.IsOk)
        {
            Errors.Add(range.Error, "from", "to");
            Response.StatusCode = StatusCodes.Status400BadRequest;
            range = DepartmentScope.Range(null, null, today);
        }

        (FromDay, ToDay) = range.Value;
        Rows = await collections.ForAsync(Scope.RegionCode, Scope.DepartmentCode, FromDay, ToDay, ct);
        return Page();
    }
}
