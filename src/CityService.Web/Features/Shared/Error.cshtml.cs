using Microsoft.AspNetCore.Authorization;
using System.Globalization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace CityService.Web.Features.Shared;

[AllowAnonymous]
[IgnoreAntiforgeryToken] // re-executed for any failed request, POSTs included
public sealed class ErrorModel : PageModel
{
    public int Status { get; private set; }

    /// <summary>Runs for every method (a failed POST is re-executed as a POST), not only through an OnGet handler.</summary>
    public override void OnPageHandlerExecuting(PageHandlerExecutingContext context)
    {
        var status = int.TryParse(RouteData.Values["status"] as string, NumberStyles.None, CultureInfo.InvariantCulture, out var s) ? s : 500;
        Status = status is >= 400 and <= 599 ? status : 500;
        Response.StatusCode = Status;
        if (Status == StatusCodes.Status503ServiceUnavailable && !Response.Headers.ContainsKey("Retry-After"))
        {
            Response.Headers.RetryAfter = ((int)Infrastructure.DatabaseOutage.RetryAfter.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        }
        base.OnPageHandlerExecuting(context);
    }
}
