using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc.Core.Infrastructure;
using Microsoft.AspNetCore.Mvc.Filters;

namespace CityService.Web.Infrastructure;

/// <summary>What the error page needs to tell a person more than the status: a form that expired, and the reference id.</summary>
public static class ErrorPage
{
    private static readonly object FormExpiredKey = new();

    /// <summary>
    /// The id a citizen quotes to the hotline: the request's W3C trace id (32 hex digits — the part of the traceparent an
    /// operator searches the logs and traces by; the whole traceparent is 55 characters to read out), else its trace
    /// identifier. Problems carry it as <c>traceId</c>, and an unhandled exception is logged with it (a re-executed error
    /// page keeps the request's id).
    /// </summary>
    public static string Reference(HttpContext http) =>
        System.Diagnostics.Activity.Current is { } activity && activity.TraceId != default ? activity.TraceId.ToHexString() : http.TraceIdentifier;

    /// <summary>Whether the failed request was a page form whose antiforgery token was missing or no longer valid.</summary>
    public static bool FormExpired(HttpContext http) => http.Items.ContainsKey(FormExpiredKey);

    /// <summary>The page whose form failed (path and query of the original request), to open it again; null otherwise.</summary>
    public static string? FailedPage(HttpContext http) =>
        http.Features.Get<IStatusCodeReExecuteFeature>() is { } failed ? failed.OriginalPathBase + failed.OriginalPath + failed.OriginalQueryString : null;

    /// <summary>
    /// Marks a request refused by the antiforgery check (a form left open past its token, or opened before the person
    /// signed in or out): the 400 error page then says "the form expired, please try again" instead of a generic message.
    /// </summary>
    public sealed class FormExpiredFilter : IAlwaysRunResultFilter
    {
        public void OnResultExecuting(ResultExecutingContext context)
        {
            if (context.Result is IAntiforgeryValidationFailedResult)
            {
                context.HttpContext.Items[FormExpiredKey] = true;
            }
        }

        public void OnResultExecuted(ResultExecutedContext context)
        {
        }
    }
}
