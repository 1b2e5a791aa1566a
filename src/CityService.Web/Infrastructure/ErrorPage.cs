using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc.Core.Infrastructure;
using Microsoft.AspNetCore.Mvc.Filters;

namespace CityService.Web.Infrastructure;

/// <summary>What the error page needs to tell a person more than the status: a form that expired, and the reference id.</summary>
public static class ErrorPage
{
    private static readonly object FormExpiredKey = new();

    /// <summary>
    /// The request's id as problems carry it (<c>traceId</c>: the W3C traceparent, as ASP.NET Core's own problem writer
    /// sets it) and as an unhandled exception is logged with it (a re-executed error page keeps the request's id).
    /// </summary>
    public static string TraceId(HttpContext http) => System.Diagnostics.Activity.Current?.Id ?? http.TraceIdentifier;

    /// <summary>
    /// The id a citizen quotes to the hotline from an error page: the 32 hex digits of the W3C trace id, the part of
    /// <see cref="TraceId"/> an operator searches the logs by (the whole traceparent is 55 characters to read out).
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
