using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace CityService.Web.Pages;

[AllowAnonymous]
[IgnoreAntiforgeryToken] // re-executed for any failed request, POSTs included
public sealed class ErrorModel : PageModel
{
    public int Status { get; private set; }

    public void OnGet(int status)
    {
        Status = status is >= 400 and <= 599 ? status : 500;
        Response.StatusCode = Status;
        if (Status == StatusCodes.Status503ServiceUnavailable && !Response.Headers.ContainsKey("Retry-After"))
        {
            Response.Headers.RetryAfter = ((int)Infrastructure.DatabaseOutage.RetryAfter.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
    }
}
