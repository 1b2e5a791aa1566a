using CityService.Web.Features.Identity;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace CityService.Web.Features.Payments.Billing;

/// <summary>/me/bills: what the verified citizen owes (due and overdue, late fee included), a pay button per bill and a
/// form to pay several at once, and the paid and cancelled ones below. An L1 citizen is told to verify first.</summary>
[Authorize(Policy = IdentitySetup.CitizenPolicy)]
public sealed class MyBillsModel(BillViews views) : PageModel
{
    public const string Path = "/me/bills";

    public MyBillsDto? Bills { get; private set; }

    public bool NoneSelected { get; private set; }

    public async Task OnGetAsync(CancellationToken ct)
    {
        Response.Headers.CacheControl = "no-store";
        var mine = await views.MineAsync(User.AccountId(), null, ct);
        Bills = mine.IsOk ? mine.Value : null;
    }

    /// <summary>The select-several form: on to the pay page with the chosen bills (post, redirect, get).</summary>
    public async Task<IActionResult> OnPostPayAsync([FromForm(Name = "bill")] List<Guid>? bill, CancellationToken ct)
    {
        if (bill is { Count: > 0 })
        {
            return LocalRedirect(BillPages.PayUrl(bill.Distinct().Take(20)));
        }

        NoneSelected = true;
        await OnGetAsync(ct);
        return Page();
    }
}
