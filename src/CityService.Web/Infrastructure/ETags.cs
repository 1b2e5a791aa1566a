using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace CityService.Web.Infrastructure;

/// <summary>
/// A JSON body serialized once, with a strong ETag (hash of the body): it changes exactly when the answer does,
/// and a matching <c>If-None-Match</c> gets a 304 without a body. Hot endpoints keep these in a cache.
/// </summary>
public sealed class PreparedJson : IResult, IStatusCodeHttpResult
{
    private PreparedJson(byte[] body, string etag)
    {
        Body = body;
        ETag = etag;
    }

    public byte[] Body { get; }

    public string ETag { get; }

    /// <summary>What the answer's Cache-Control says: <c>no-cache</c> (revalidate every time) unless the endpoint allows more.</summary>
    public string CacheControl { get; private init; } = "no-cache";

    /// <summary>The same answer with another Cache-Control, e.g. <c>public, max-age=300</c> for what shared caches may keep.</summary>
    public PreparedJson Cached(string cacheControl) => new(Body, ETag) { CacheControl = cacheControl };

    public int? StatusCode => StatusCodes.Status200OK;

    public static PreparedJson From(object value, JsonSerializerOptions options)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(value, value.GetType(), options);
        return new PreparedJson(body, "\"" + Convert.ToBase64String(SHA256.HashData(body).AsSpan(0, 16)).TrimEnd('=').Replace('+', '-').Replace('/', '_') + "\"");
    }

    public static PreparedJson From(object value, HttpContext http) =>
        From(value, http.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions);

    public Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.Headers.ETag = ETag;
        response.Headers.CacheControl = CacheControl;
        if (EntityTagHeaderValue.TryParseList(httpContext.Request.Headers.IfNoneMatch.Where(v => v is not null).Select(v => v!).ToList(), out var candidates)
            && candidates.Any(c => c.Equals(EntityTagHeaderValue.Any) || c.Compare(new EntityTagHeaderValue(ETag), useStrongComparison: false)))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return Task.CompletedTask;
        }

        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json; charset=utf-8";
        response.ContentLength = Body.Length;
        return HttpMethods.IsHead(httpContext.Request.Method) ? Task.CompletedTask : response.Body.WriteAsync(Body).AsTask();
    }
}

public static class ETags
{
    /// <summary>Gives every 200 JSON answer of the endpoints an ETag and 304 handling.</summary>
    public static TBuilder WithETag<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(ETagged.Instance).AddEndpointFilter(async (context, next) =>
        {
            var result = await next(context);
            var http = context.HttpContext;
            if (!HttpMethods.IsGet(http.Request.Method) && !HttpMethods.IsHead(http.Request.Method))
            {
                return result;
            }

            var inner = result is INestedHttpResult nested ? nested.Result : result;
            return inner switch
            {
                PreparedJson prepared => prepared,
                IStatusCodeHttpResult { StatusCode: 200 } and IValueHttpResult { Value: { } value } => PreparedJson.From(value, http),
                _ => result,
            };
        });
}
