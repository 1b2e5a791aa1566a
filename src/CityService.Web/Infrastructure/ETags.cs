using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace CityService.Web.Infrastructure;

/// <summary>
/// Strong ETags for read endpoints: the tag is a hash of the JSON body, so it changes exactly when the answer does,
/// and <c>If-None-Match</c> gets a 304 without a body.
/// </summary>
public static class ETags
{
    public static TBuilder WithETag<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) =>
        {
            var result = await next(context);
            var http = context.HttpContext;
            if (!HttpMethods.IsGet(http.Request.Method) && !HttpMethods.IsHead(http.Request.Method))
            {
                return result;
            }

            var inner = result is INestedHttpResult nested ? nested.Result : result;
            if (inner is not (IStatusCodeHttpResult { StatusCode: 200 } and IValueHttpResult { Value: { } value }))
            {
                return result;
            }

            var options = http.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
            var body = JsonSerializer.SerializeToUtf8Bytes(value, value.GetType(), options);
            var tag = new EntityTagHeaderValue("\"" + Base64UrlEncode(SHA256.HashData(body).AsSpan(0, 16)) + "\"");
            http.Response.Headers.ETag = tag.ToString();
            http.Response.Headers.CacheControl = "no-cache";
            if (EntityTagHeaderValue.TryParseList(http.Request.Headers.IfNoneMatch.Where(v => v is not null).Select(v => v!).ToList(), out var candidates)
                && candidates.Any(c => c.Equals(EntityTagHeaderValue.Any) || c.Compare(tag, useStrongComparison: false)))
            {
                return Results.StatusCode(StatusCodes.Status304NotModified);
            }

            return Results.Bytes(body, "application/json; charset=utf-8");
        });

    private static string Base64UrlEncode(ReadOnlySpan<byte> bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
