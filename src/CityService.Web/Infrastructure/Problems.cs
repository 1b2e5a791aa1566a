using System.Globalization;
using CityService.Core.Common;
using CityService.Core.Identity;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace CityService.Web.Infrastructure;

/// <summary>The one place where expected errors and HTTP failures become RFC 9457 problem details, in the caller's language.</summary>
public static partial class Problems
{
    public const string TypePrefix = "urn:cityservice:problem:";

    public static bool PrefersEnglish(HttpContext http) =>
        CultureInfo.CurrentUICulture.TwoLetterISOLanguageName == "en";

    public static ProblemHttpResult From(Error error, HttpContext http)
    {
        var status = error.Kind switch
        {
            ErrorKind.NotFound => StatusCodes.Status404NotFound,
            ErrorKind.Conflict => StatusCodes.Status409Conflict,
            ErrorKind.Forbidden => StatusCodes.Status403Forbidden,
            ErrorKind.RateLimited => StatusCodes.Status429TooManyRequests,
            ErrorKind.Unavailable => StatusCodes.Status503ServiceUnavailable,
            ErrorKind.TooLarge => StatusCodes.Status413PayloadTooLarge,
            ErrorKind.UnsupportedType => StatusCodes.Status415UnsupportedMediaType,
            ErrorKind.Unprocessable => StatusCodes.Status422UnprocessableEntity,
            ErrorKind.PreconditionFailed => StatusCodes.Status412PreconditionFailed,
            ErrorKind.UpstreamFailed => StatusCodes.Status502BadGateway,
            _ => StatusCodes.Status400BadRequest,
        };
        if (error.RetryAfter is { } wait)
        {
            http.Response.Headers.RetryAfter = Error.WholeSeconds(wait).ToString(CultureInfo.InvariantCulture);
        }

        var problem = Build(http, status, error.Code, error.Message, error.Parameter);
        foreach (var (key, value) in error.Extensions ?? new Dictionary<string, object>())
        {
            problem.Extensions[key] = value;
        }

        return TypedResults.Problem(problem);
    }

    public static ProblemDetails Build(HttpContext http, int status, string code, LocalizedText message, string? parameter = null)
    {
        var english = PrefersEnglish(http);
        var problem = new ProblemDetails
        {
            Type = TypePrefix + code,
            Title = Title(status).In(english),
            Status = status,
            Detail = message.In(english),
            Instance = http.Request.Path,
        };
        problem.Extensions["code"] = code;
        problem.Extensions["messages"] = new Dictionary<string, string> { ["zh"] = message.Zh, ["en"] = message.En };
        if (parameter is not null)
        {
            problem.Extensions["parameter"] = parameter;
            problem.Extensions["errors"] = new Dictionary<string, string[]> { [parameter] = [message.In(english)] };
        }

        problem.Extensions["traceId"] = ErrorPage.TraceId(http);
        return problem;
    }

    /// <summary>Gives bodiless error responses (unknown route, wrong method, ...) a problem detail.</summary>
    public static async Task WriteStatusProblem(StatusCodeContext context)
    {
        var http = context.HttpContext;
        var status = http.Response.StatusCode;
        var (code, message) = status switch
        {
            401 => (IdentityErrors.Auth.Required, new LocalizedText("请先登录，或提供有效的访问令牌。", "Sign in first, or send a valid access token.")),
            403 => (IdentityErrors.Auth.Forbidden, new LocalizedText("您没有执行此操作的权限。", "You are not allowed to do this.")),
            404 => (HttpErrors.Http.NotFound, new LocalizedText("没有这个地址。", "There is nothing at this address.")),
            405 => (HttpErrors.Http.MethodNotAllowed, new LocalizedText("此地址不支持该请求方法。", "This address does not accept that HTTP method.")),
            415 => (HttpErrors.Http.UnsupportedMediaType, new LocalizedText("不支持的内容类型。", "Unsupported content type.")),
            _ => ("http." + status.ToString(CultureInfo.InvariantCulture), Title(status)),
        };
        var problem = Build(http, status, code, message);
        await Results.Problem(problem).ExecuteAsync(http);
    }

    private static LocalizedText Title(int status) => status switch
    {
        400 => new("请求有误", "Bad request"),
        401 => new("需要登录", "Unauthorized"),
        403 => new("没有权限", "Forbidden"),
        404 => new("未找到", "Not found"),
        405 => new("方法不允许", "Method not allowed"),
        409 => new("状态冲突", "Conflict"),
        413 => new("请求过大", "Content too large"),
        415 => new("不支持的内容类型", "Unsupported media type"),
        412 => new("前提条件不满足", "Precondition failed"),
        422 => new("无法处理", "Unprocessable content"),
        429 => new("请求过于频繁", "Too many requests"),
        502 => new("上游服务出错", "Bad gateway"),
        503 => new("服务暂不可用", "Service unavailable"),
        >= 500 => new("服务器内部错误", "Internal server error"),
        _ => new("请求失败", "Request failed"),
    };

    /// <summary>Malformed requests the framework rejects become 4xx; anything else is a bug: 500 without internals.</summary>
    public sealed partial class ExceptionHandler(ILogger<ExceptionHandler> logger, DatabaseOutage outage) : IExceptionHandler
    {
        public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
        {
            var http = httpContext;
            if (DatabaseOutage.IsUnavailable(exception))
            {
                await DatabaseUnavailable(http, exception);
                return true;
            }

            ProblemDetails problem;
            if (exception is BadHttpRequestException bad)
            {
                problem = RequestInput.Problem(http, bad);
            }
            else
            {
                LogUnhandled(exception, http.Request.Method, http.Request.Path, ErrorPage.TraceId(http));
                problem = Build(http, 500, HttpErrors.Server.Error, new LocalizedText(
                    "服务器出错了，我们已记录此问题，请稍后再试。", "Something went wrong on our side. It has been logged; please try again later."));
            }

            http.Response.StatusCode = problem.Status!.Value;
            if (!HostSetup.IsApi(http.Request.Path))
            {
                return true; // a page: the status-code pages (outside this handler) show the error page with the reference id
            }

            await Results.Problem(problem).ExecuteAsync(http);
            return true;
        }

        /// <summary>
        /// The database is away (stopped, frozen past the time bounds, read-only or full disk): 503 with Retry-After, logged
        /// once per outage. The API gets a problem; a page gets only the status, which the status-code pages (outside this
        /// handler) turn into the friendly /error/503 page.
        /// </summary>
        private async Task DatabaseUnavailable(HttpContext http, Exception exception)
        {
            outage.Failed(exception);
            http.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            http.Response.Headers.RetryAfter = ((int)DatabaseOutage.RetryAfter.TotalSeconds).ToString(CultureInfo.InvariantCulture);
            if (HostSetup.IsApi(http.Request.Path))
            {
                await Results.Problem(Build(http, 503, HttpErrors.Server.DatabaseUnavailable, new LocalizedText(
                    "服务暂时不可用，请稍后再试。", "The service is briefly unavailable; please try again shortly."))).ExecuteAsync(http);
            }
        }

        /// <summary>The reference is the <c>traceId</c> problems carry; it contains the id an error page shows, so a quoted id finds this entry.</summary>
        [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled exception on {Method} {Path} (reference {Reference})")]
        private partial void LogUnhandled(Exception exception, string method, string path, string reference);
    }
}
