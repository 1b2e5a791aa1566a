using System.Globalization;
using CityService.Web.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace CityService.Web.Features.Shared;

[AllowAnonymous]
[IgnoreAntiforgeryToken] // re-executed for any failed request, POSTs included
public sealed class ErrorModel : PageModel
{
    public int Status { get; private set; }

    /// <summary>The reference id a citizen can quote to the hotline (<see cref="ErrorPage.Reference"/>).</summary>
    public string Reference => ErrorPage.Reference(HttpContext);

    /// <summary>The failed request was a page form whose antiforgery token was missing or expired.</summary>
    public bool FormExpired { get; private set; }

    /// <summary>The page whose form expired, to open it again.</summary>
    public string? FormPage { get; private set; }

    /// <summary>Runs for every method (a failed POST is re-executed as a POST), not only through an OnGet handler.</summary>
    public override void OnPageHandlerExecuting(PageHandlerExecutingContext context)
    {
        var status = int.TryParse(RouteData.Values["status"] as string, NumberStyles.None, CultureInfo.InvariantCulture, out var s) ? s : 500;
        Status = status is >= 400 and <= 599 ? status : 500;
        Response.StatusCode = Status;
        FormExpired = Status == StatusCodes.Status400BadRequest && ErrorPage.FormExpired(HttpContext);
        FormPage = FormExpired && ErrorPage.FailedPage(HttpContext) is { } page && page.StartsWith('/') && page.Length > 1 && page[1] is not '/' and not '\\' ? page : null;
        if (Status == StatusCodes.Status503ServiceUnavailable && !Response.Headers.ContainsKey("Retry-After"))
        {
            Response.Headers.RetryAfter = ((int)Infrastructure.DatabaseOutage.RetryAfter.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        }
        base.OnPageHandlerExecuting(context);
    }
}
