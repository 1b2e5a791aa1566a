using System.Globalization;
using CityService.Core.Regions;
using CityService.Web.Infrastructure;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace CityService.Web.Features.Shared;

[AllowAnonymous]
[IgnoreAntiforgeryToken] // re-executed for any failed request, POSTs included
public sealed class ErrorModel(RegionDirectory regions) : PageModel
{
    /// <summary>What a not-found page says was not found, read from the address that failed.</summary>
    public enum Missing
    {
        Page,
        City,
        Service,
    }

    /// <summary>The longest part of a failed address the page repeats (the rest is cut, the address is the person's own input).</summary>
    public const int MaxShown = 80;

    /// <summary>Where a not-found page searches when no city is known: the home page's search over all cities.</summary>
    public const string AllCitiesSearch = "/";

    public int Status { get; private set; }

    /// <summary>The reference id a citizen can quote to the hotline (<see cref="ErrorPage.Reference"/>).</summary>
    public string Reference => ErrorPage.Reference(HttpContext);

    /// <summary>The failed request was a page form whose antiforgery token was missing or expired.</summary>
    public bool FormExpired { get; private set; }

    /// <summary>The page whose form expired, to open it again.</summary>
    public string? FormPage { get; private set; }

    /// <summary>On a 404: whether an unknown page, city code or service code was asked for.</summary>
    public Missing NotFound404 { get; private set; }

    /// <summary>On a 404: the unknown code or address, as the person asked for it (cut to <see cref="MaxShown"/>).</summary>
    public string Asked { get; private set; } = string.Empty;

    /// <summary>On a 404: the region the address names (else the remembered city), for the way back and the search; null when none.</summary>
    public Region? City { get; private set; }

    /// <summary>Runs for every method (a failed POST is re-executed as a POST), not only through an OnGet handler.</summary>
    public override void OnPageHandlerExecuting(PageHandlerExecutingContext context)
    {
        var status = int.TryParse(RouteData.Values["status"] as string, NumberStyles.None, CultureInfo.InvariantCulture, out var s) ? s : 500;
        Status = status is >= 400 and <= 599 ? status : 500;
        Response.StatusCode = Status;
        FormExpired = Status == StatusCodes.Status400BadRequest && ErrorPage.FormExpired(HttpContext);
        FormPage = FormExpired && ErrorPage.FailedPage(HttpContext) is { } page && page.StartsWith('/') && page.Length > 1 && page[1] is not '/' and not '\\' ? page : null;
        if (Status == StatusCodes.Status404NotFound)
        {
            ReadWhatWasNotFound();
        }

        if (Status == StatusCodes.Status503ServiceUnavailable && !Response.Headers.ContainsKey("Retry-After"))
        {
            Response.Headers.RetryAfter = ((int)Infrastructure.DatabaseOutage.RetryAfter.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        }
        base.OnPageHandlerExecuting(context);
    }

    /// <summary>
    /// The pages answer a bare 404; the address tells which part was unknown: <c>/city/{code}/…</c> or <c>/?city={code}</c>
    /// with a code that is no city, or <c>/city/{city}/services/{service}</c> with a service code the city does not offer.
    /// </summary>
    private void ReadWhatWasNotFound()
    {
        var failed = HttpContext.Features.Get<IStatusCodeReExecuteFeature>();
        var path = failed?.OriginalPath ?? string.Empty;
        var query = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(failed?.OriginalQueryString);
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var cityCode = segments is ["city", var code, ..] ? code
            : segments.Length == 0 && query.TryGetValue("city", out var asked) ? asked.ToString()
            : null;
        // The home page takes only cities (`?city=`); the service list takes any region of the path.
        var named = cityCode is null ? null : regions.Find(cityCode) is { } region && (region.IsCity || segments.Length > 0) ? region : null;
        City = named ?? (Request.Cookies[PageHelpers.CityCookie] is { } remembered ? regions.Find(remembered) : null);
        (NotFound404, var shown) = (cityCode, named, segments) switch
        {
            ({ } unknown, null, _) => (Missing.City, unknown),
            (_, not null, [_, _, "services", var service, ..]) => (Missing.Service, service),
            _ => (Missing.Page, failed is null ? Request.Path.Value ?? "/" : failed.OriginalPathBase + path + failed.OriginalQueryString),
        };
        Asked = shown.Length > MaxShown ? shown[..MaxShown] + "…" : shown;
    }

}
