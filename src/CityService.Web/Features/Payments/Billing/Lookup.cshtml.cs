using CityService.Core.Common;
using CityService.Web.Features.Identity;
using CityService.Web.Features.Shared;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace CityService.Web.Features.Payments.Billing;

/// <summary>/bills/lookup: anyone finds a bill by plate + violation number or by account number + second factor (a GET
/// form, so it works without JavaScript and the result can be reloaded); the same limit and answers as the API.</summary>
[AllowAnonymous]
public sealed class LookupModel(BillViews views) : PageModel
{
    [BindProperty(SupportsGet = true, Name = "plate")]
    public string? Plate { get; set; }

    [BindProperty(SupportsGet = true, Name = "violationNumber")]
    public string? ViolationNumber { get; set; }

    [BindProperty(SupportsGet = true, Name = "accountNumber")]
    public string? AccountNumber { get; set; }

    [BindProperty(SupportsGet = true, Name = "secondFactor")]
    public string? SecondFactor { get; set; }

    public FormErrors Errors { get; } = new();

    public LookupDto? Found { get; private set; }

    public bool ByAccount => !string.IsNullOrEmpty(AccountNumber) || !string.IsNullOrEmpty(SecondFactor);

    public async Task OnGetAsync(CancellationToken ct)
    {
        Response.Headers.CacheControl = "no-store";
        if (string.IsNullOrEmpty(Plate) && string.IsNullOrEmpty(ViolationNumber) && !ByAccount)
        {
            return;
        }

        var found = await views.LookupAsync(Plate, ViolationNumber, AccountNumber, SecondFactor, HttpContext.ClientAddress(), ct);
        if (found.IsOk)
        {
            Found = found.Value;
            return;
        }

        Errors.Add(found.Error, "violationNumber", "secondFactor");
        Response.StatusCode = found.Error.Kind switch
        {
            ErrorKind.RateLimited => StatusCodes.Status429TooManyRequests,
            ErrorKind.NotFound => StatusCodes.Status404NotFound,
            _ => StatusCodes.Status400BadRequest,
        };
        if (found.Error.RetryAfter is { } wait)
        {
            Response.Headers.RetryAfter = ((int)wait.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
    }
}
