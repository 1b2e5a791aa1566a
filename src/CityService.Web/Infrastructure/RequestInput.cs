using System.Text.Json;
using System.Text.Json.Serialization;
using CityService.Core.Common;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.Net.Http.Headers;

namespace CityService.Web.Infrastructure;

/// <summary>
/// The one gate every request's text passes before a handler sees it (ADR 010), so that no input can cause a 500:
/// <list type="bullet">
/// <item>a JSON body under <c>/api</c> must be UTF-8 (RFC 8259) — any other charset is a 415 problem — and at most <see cref="MaxApiBodyBytes"/>;</item>
/// <item>every JSON string passes <see cref="TextInput"/> through <see cref="TextJsonConverter"/> (a 400 problem naming the field);</item>
/// <item>every route value, query value and form field passes <see cref="TextInput"/> too (a 400 problem naming it, or the 400 page);</item>
/// <item>a page request with no handler for its method and handler name is a 405 or 404 (<see cref="PageHandlerGuard"/>).</item>
/// </list>
/// </summary>
public static class RequestInput
{
    /// <summary>Any JSON request under /api, unless its endpoint says otherwise (<see cref="IRequestSizeLimitMetadata"/>, e.g. the face photo's).</summary>
    public const long MaxApiBodyBytes = 1024 * 1024;

    /// <summary>
    /// The query flag a page gets when its form was larger than the page's <see cref="RequestFormLimitsAttribute"/>: the
    /// form cannot be read (nor its antiforgery token), so the browser is sent back (303) to the page to show why.
    /// </summary>
    public const string TooLargeQuery = "too-large";

    /// <summary>Checks the request's content type, size and text values after routing, before the endpoint runs.</summary>
    public static void UseRequestInputChecks(this WebApplication app) => app.Use(async (http, next) =>
    {
        if (await RefusalAsync(http) is { } error)
        {
            if (error.Code == HttpErrors.Http.FormTooLarge && !HostSetup.IsApi(http.Request.Path))
            {
                http.Response.Headers.Location = http.Request.PathBase + http.Request.Path + "?" + TooLargeQuery + "=1";
                http.Response.StatusCode = StatusCodes.Status303SeeOther;
                return;
            }

            http.Response.StatusCode = Status(error);
            if (HostSetup.IsApi(http.Request.Path))
            {
                await Results.Problem(Problems.Build(http, Status(error), error.Code, error.Message, error.Parameter)).ExecuteAsync(http);
            }

            return; // pages: the status-code page (/error/400) answers
        }

        await next(http);
    });

    private static int Status(Error error) => error.Code switch
    {
        HttpErrors.Http.UnsupportedCharset => StatusCodes.Status415UnsupportedMediaType,
        HttpErrors.Http.BodyTooLarge or HttpErrors.Http.FormTooLarge => StatusCodes.Status413PayloadTooLarge,
        _ => StatusCodes.Status400BadRequest,
    };

    private static async Task<Error?> RefusalAsync(HttpContext http)
    {
        var request = http.Request;
        if (http.Features.Get<Microsoft.AspNetCore.Diagnostics.IStatusCodeReExecuteFeature>() is not null)
        {
            return null; // the error page for a request refused already
        }

        if (HostSetup.IsApi(request.Path))
        {
            if (request.ContentType is { } contentType && MediaTypeHeaderValue.TryParse(contentType, out var media) && IsJson(media) && !IsUtf8(media))
            {
                return new Error(ErrorKind.Invalid, HttpErrors.Http.UnsupportedCharset, new(
                    "JSON 请求内容须使用 UTF-8 编码（可省略 charset，或写 charset=utf-8）。",
                    "A JSON body must be UTF-8 encoded (leave out the charset, or send charset=utf-8)."));
            }

            var maxBody = http.GetEndpoint()?.Metadata.GetMetadata<IRequestSizeLimitMetadata>()?.MaxRequestBodySize ?? MaxApiBodyBytes;
            if (request.ContentLength > maxBody)
            {
                return TooLarge(maxBody);
            }

            if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            {
                limit.MaxRequestBodySize = maxBody; // a chunked body is cut off by the server at the same size
            }
        }

        foreach (var (name, value) in request.RouteValues)
        {
            if (value is string text && TextInput.Check(text, name) is { } bad)
            {
                return bad;
            }
        }

        if (Values(request.Query) is { } queryError)
        {
            return queryError;
        }

        if (http.GetEndpoint() is not { } endpoint || !request.HasFormContentType)
        {
            return null;
        }

        var formLimits = endpoint.Metadata.GetMetadata<RequestFormLimitsAttribute>();
        if (formLimits is not null && request.ContentLength > formLimits.MultipartBodyLengthLimit)
        {
            return FormTooLarge();
        }

        if (endpoint.Metadata.GetMetadata<IRequestSizeLimitMetadata>() is { MaxRequestBodySize: { } pageLimit }
            && http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodyLimit)
        {
            bodyLimit.MaxRequestBodySize = pageLimit; // the form is read here, before MVC would apply the page's [RequestSizeLimit]
        }

        if (formLimits is { } limits)
        {
            // Read with the page's own form limits (e.g. the photo upload's), which MVC can no longer apply once the form is read.
            http.Features.Set<IFormFeature>(new FormFeature(request, new Microsoft.AspNetCore.Http.Features.FormOptions
            {
                MultipartBodyLengthLimit = limits.MultipartBodyLengthLimit,
                ValueCountLimit = limits.ValueCountLimit,
                ValueLengthLimit = limits.ValueLengthLimit,
                KeyLengthLimit = limits.KeyLengthLimit,
                MultipartHeadersLengthLimit = limits.MultipartHeadersLengthLimit,
                MultipartHeadersCountLimit = limits.MultipartHeadersCountLimit,
                MultipartBoundaryLengthLimit = limits.MultipartBoundaryLengthLimit,
                BufferBody = limits.BufferBody,
                BufferBodyLengthLimit = limits.BufferBodyLengthLimit,
                MemoryBufferThreshold = limits.MemoryBufferThreshold,
            }));
        }

        try
        {
            return Values(await request.ReadFormAsync(http.RequestAborted), endpoint.Metadata.GetMetadata<MultiLineFieldsAttribute>());
        }
        catch (Exception e) when (formLimits is not null && IsSizeBreach(e))
        {
            return FormTooLarge(); // a body without Content-Length that turned out too large
        }
        catch (Exception e) when (e is InvalidDataException or BadHttpRequestException or IOException)
        {
            return Error.Invalid("form", HttpErrors.Http.FormInvalid, "表单内容无法读取（格式有误或字段过多）。", "The form could not be read (malformed, or too many or too large fields).");
        }
    }

    private static Error? Values(IEnumerable<KeyValuePair<string, Microsoft.Extensions.Primitives.StringValues>> values, MultiLineFieldsAttribute? multiLine = null)
    {
        foreach (var (name, strings) in values)
        {
            if (TextInput.Check(name, "name", 256) is not null)
            {
                return Error.Invalid("name", InputErrors.Text.InvalidName, "参数名含有不允许的字符或过长。", "A parameter name contains characters that are not allowed, or is too long.");
            }

            foreach (var value in strings)
            {
                if ((multiLine?.Fields.Contains(name) == true ? TextInput.Check(value, name, kind: TextKind.MultiLine) : TextInput.Check(value, name)) is { } bad)
                {
                    return bad;
                }
            }
        }

        return null;
    }

    /// <summary>Kestrel's body limit (413), or the multipart reader's "Multipart body length limit … exceeded".</summary>
    private static bool IsSizeBreach(Exception e) =>
        e is BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge }
        || (e is InvalidDataException && e.Message.Contains("length limit", StringComparison.OrdinalIgnoreCase));

        private static Error TooLarge(long limit = MaxApiBodyBytes) => new(ErrorKind.TooLarge, HttpErrors.Http.BodyTooLarge, new(
        $"请求内容过大：最多 {limit / 1024} KB。", $"The request body is too large: at most {limit / 1024} KB."));

    private static Error FormTooLarge() => new(ErrorKind.TooLarge, HttpErrors.Http.FormTooLarge, new("表单内容过大。", "The form is too large."));

    private static bool IsJson(MediaTypeHeaderValue media) =>
        media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase) || media.Suffix.Equals("json", StringComparison.OrdinalIgnoreCase);

    private static bool IsUtf8(MediaTypeHeaderValue media) =>
        !media.Charset.HasValue || media.Charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase) || media.Charset.Equals("utf8", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The problem for a request the framework refused (<see cref="BadHttpRequestException"/>): a JSON body that could not
    /// be read names the field (<c>$.nameZh</c> → <c>nameZh</c>), and a string that is not acceptable text says why.
    /// </summary>
    public static ProblemDetails Problem(HttpContext http, BadHttpRequestException bad)
    {
        if (bad.InnerException is JsonException json)
        {
            var field = json.Path is { Length: > 2 } path && path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : null;
            var error = json is TextInputException text && field is not null
                ? TextInput.Check(text.Value, field, text.MaxLength, text.Kind)
                : null;
            error ??= field is null
                ? new Error(ErrorKind.Invalid, HttpErrors.Request.JsonInvalid, new("请求内容不是有效的 JSON，或与接口要求的结构不符。", "The body is not valid JSON, or does not have the shape this operation expects."))
                : Error.Invalid(field, HttpErrors.Request.JsonInvalid, $"请求内容中“{field}”的值无效（类型或格式不符）。", $"The value of '{field}' in the body is not valid (wrong type or format).");
            return Problems.Build(http, bad.StatusCode, error.Code, error.Message, error.Parameter);
        }

        return bad.StatusCode == StatusCodes.Status413PayloadTooLarge
            ? Problems.Build(http, bad.StatusCode, HttpErrors.Http.BodyTooLarge, TooLarge(http.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize ?? MaxApiBodyBytes).Message)
            : Problems.Build(http, bad.StatusCode, HttpErrors.Http.BadRequest, new LocalizedText("请求格式不正确。", "The request is malformed."));
    }
}

/// <summary>Thrown by <see cref="TextJsonConverter"/>; the serializer adds the JSON path, <see cref="RequestInput.Problem"/> names the field.</summary>
#pragma warning disable CA1032 // only ever thrown with its value
public sealed class TextInputException(string value, int maxLength, TextKind kind) : JsonException("A JSON string is not acceptable text.")
#pragma warning restore CA1032
{
    public string Value { get; } = value;

    public int MaxLength { get; } = maxLength;

    public TextKind Kind { get; } = kind;
}

/// <summary>
/// Reads every JSON string through <see cref="TextInput"/> (registered once for all JSON bodies). A field that needs another
/// limit or may span lines says so with <see cref="TextAttribute"/>.
/// </summary>
public sealed class TextJsonConverter(int maxLength = TextInput.DefaultMaxLength, TextKind kind = TextKind.SingleLine) : JsonConverter<string>
{
    public override string Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            throw new JsonException("Expected a string.");
        }

        var value = reader.GetString()!;
        return TextInput.FirstInvalid(value, kind) < 0 && value.Length <= maxLength ? value : throw new TextInputException(value, maxLength, kind);
    }

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);
}

/// <summary>A page whose form fields of these names may hold line breaks (a textarea), e.g. a template's text.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class MultiLineFieldsAttribute(params string[] fields) : Attribute
{
    public IReadOnlyList<string> Fields { get; } = fields;
}

/// <summary>A JSON string field with its own length limit or kind, e.g. <c>[property: Text(700_000, TextKind.MultiLine)]</c> for a base64 photo.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class TextAttribute(int maxLength, TextKind kind = TextKind.SingleLine) : JsonConverterAttribute
{
    public int MaxLength { get; } = maxLength;

    public TextKind Kind { get; } = kind;

    public override JsonConverter CreateConverter(Type typeToConvert) => new TextJsonConverter(MaxLength, Kind);
}

/// <summary>
/// A page request (other than GET/HEAD) for which the page has no handler of that method and name would run no handler and
/// render the page half-initialised (a 500): it is a 405 when the page takes no such method, otherwise a 404, shown by the error page.
/// </summary>
public sealed class PageHandlerGuard : IPageFilter
{
    public void OnPageHandlerSelected(PageHandlerSelectedContext context)
    {
    }

    public void OnPageHandlerExecuting(PageHandlerExecutingContext context)
    {
        var http = context.HttpContext;
        if (context.HandlerMethod is not null || HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method)
            || http.Features.Get<Microsoft.AspNetCore.Diagnostics.IStatusCodeReExecuteFeature>() is not null)
        {
            return;
        }

        var methods = context.ActionDescriptor.HandlerMethods.Select(h => h.HttpMethod).ToHashSet(StringComparer.OrdinalIgnoreCase);
        if (methods.Contains(http.Request.Method))
        {
            context.Result = new NotFoundResult();
            return;
        }

        http.Response.Headers.Allow = string.Join(", ", methods.Append("GET").Append("HEAD").Select(m => m.ToUpperInvariant()).Distinct(StringComparer.Ordinal));
        context.Result = new StatusCodeResult(StatusCodes.Status405MethodNotAllowed);
    }

    public void OnPageHandlerExecuted(PageHandlerExecutedContext context)
    {
    }
}
