using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace CityService.Web.Pages;

[AllowAnonymous]
[IgnoreAntiforgeryToken] // re-executed for any failed request, POSTs included
public sealed class ErrorModel : PageModel
{
    public int Status { get; private set; }

    /// <summary>A failed form POST is re-executed here as a POST; the status comes from the route, the form is never read.</summary>
    public void OnPost() => OnGet(int.TryParse(RouteData.Values["status"]?.ToString(), System.Globalization.CultureInfo.InvariantCulture, out var status) ? status : 500);

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
