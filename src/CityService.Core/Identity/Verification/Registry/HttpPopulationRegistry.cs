using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using CityService.Core.Common;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CityService.Core.Identity.Verification.Registry;

/// <summary>
/// Where and as whom to call the population registry. <see cref="Secret"/> is the shared HMAC secret (its UTF-8 bytes are
/// the key); it is left out of <see cref="ToString"/>. <see cref="Timeout"/> bounds each call; a call that takes longer
/// is <c>Unavailable</c>.
/// </summary>
public sealed record PopulationRegistryOptions(Uri BaseAddress, string ClientId, string Secret)
{
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Largest response body read; a larger one is <c>Unavailable</c>.</summary>
    public int MaxResponseBytes { get; init; } = 64 * 1024;

    public override string ToString() => $"PopulationRegistryOptions {{ BaseAddress = {BaseAddress}, ClientId = {ClientId}, Secret = *** }}";
}

/// <summary>
/// <see cref="IPopulationRegistry"/> over the registry's HTTP API (<see cref="PopulationRegistryApi"/>). Signs every request
/// and trusts only answers whose response signature verifies against the same secret and the request's nonce; anything
/// else (network error, timeout, 401/403, 5xx, bad or missing signature, malformed body) becomes an <c>Unavailable</c>
/// outcome. Names and ID numbers are never logged.
/// </summary>
public sealed partial class HttpPopulationRegistry(
    HttpClient http,
    PopulationRegistryOptions options,
    TimeProvider? time = null,
    ILogger<HttpPopulationRegistry>? logger = null) : IPopulationRegistry
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private static readonly MediaTypeHeaderValue JsonContentType = new("application/json") { CharSet = "utf-8" };

    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly ILogger _logger = logger ?? (ILogger)NullLogger.Instance;
    private readonly byte[] _key = RequestSigning.KeyFromSecret(options.Secret);
    private readonly SignatureVerifier _verifier = new(time ?? TimeProvider.System);
    private readonly Uri _base = WithTrailingSlash(options.BaseAddress);

    public async Task<RegistryIdentityResult> VerifyIdentityAsync(string name, string idNumber, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(idNumber);
        var body = JsonSerializer.SerializeToUtf8Bytes(new IdentityRequest(name, idNumber), Json);
        var call = await CallAsync(PopulationRegistryApi.IdentityVerifyPath, body, cancellationToken);
        if (call.Failure is not null)
        {
            return RegistryIdentityResult.Unavailable(call.Failure);
        }

        if (call.Status == HttpStatusCode.BadRequest)
        {
            return UnavailableIdentity($"request rejected ({ReadError(call.Body).Error ?? "400"})");
        }

        if (call.Status != HttpStatusCode.OK)
        {
            return UnavailableIdentity($"unexpected status {(int)call.Status}");
        }

        IdentityResponse? answer;
        try
        {
            answer = JsonSerializer.Deserialize<IdentityResponse>(call.Body, Json);
        }
        catch (JsonException)
        {
            return UnavailableIdentity("malformed response");
        }

        if (answer is not { Match: { } match, Reason: { } reason, Reference: { Length: > 0 } reference })
        {
            return UnavailableIdentity("incomplete response");
        }

        return (match, reason) switch
        {
            (true, RegistryIdentityResult.ReasonOk) => RegistryIdentityResult.Matched(reference),
            (false, RegistryIdentityResult.ReasonNameMismatch) => RegistryIdentityResult.NameMismatch(reference),
            (false, RegistryIdentityResult.ReasonNotFound) => RegistryIdentityResult.NotFound(reference),
            _ => UnavailableIdentity("inconsistent match and reason"),
        };
    }

    public async Task<RegistryFaceResult> CompareFaceAsync(string idNumber, string challengeNonce, ReadOnlyMemory<byte> png, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(idNumber);
        ArgumentException.ThrowIfNullOrEmpty(challengeNonce);
        var body = JsonSerializer.SerializeToUtf8Bytes(new FaceRequest(idNumber, challengeNonce, Convert.ToBase64String(png.Span)), Json);
        var call = await CallAsync(PopulationRegistryApi.FaceComparePath, body, cancellationToken);
        if (call.Failure is not null)
        {
            return RegistryFaceResult.Unavailable(call.Failure);
        }

        switch (call.Status)
        {
            case HttpStatusCode.OK:
                break;
            case HttpStatusCode.NotFound:
                return RegistryFaceResult.NotFound(ReadError(call.Body).Reference);
            case HttpStatusCode.BadRequest or HttpStatusCode.RequestEntityTooLarge:
                return RegistryFaceResult.Rejected(ReadError(call.Body).Error ?? "rejected");
            default:
                return UnavailableFace($"unexpected status {(int)call.Status}");
        }

        FaceResponse? answer;
        try
        {
            answer = JsonSerializer.Deserialize<FaceResponse>(call.Body, Json);
        }
        catch (JsonException)
        {
            return UnavailableFace("malformed response");
        }

        if (answer is not { Score: { } score, Reference: { Length: > 0 } reference, Nonce: { } nonce })
        {
            return UnavailableFace("incomplete response");
        }

        if (!string.Equals(nonce, challengeNonce, StringComparison.Ordinal))
        {
            return UnavailableFace("response for another challenge");
        }

        if (double.IsNaN(score) || score < 0 || score > 1)
        {
            return UnavailableFace("score out of range");
        }

        return RegistryFaceResult.Compared(score, reference);
    }

    /// <summary>
    /// For readiness: whether the registry answers at all (any status below 500 to a plain GET of its base address, within
    /// the call timeout but at most 5 s, as probes are short). Sends no personal data and no signed request; null when it
    /// answers, else why not.
    /// </summary>
    public async Task<string?> ProbeAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Timeout < TimeSpan.FromSeconds(5) ? options.Timeout : TimeSpan.FromSeconds(5));
        try
        {
            using var response = await http.GetAsync(_base, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            return (int)response.StatusCode >= 500 ? $"registry error ({(int)response.StatusCode})" : null;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return "timeout";
        }
        catch (HttpRequestException e)
        {
            return $"network error ({e.HttpRequestError})";
        }
    }

    private async Task<Call> CallAsync(string path, byte[] body, CancellationToken cancellationToken)
    {
        var uri = new Uri(_base, path.TrimStart('/'));
        using var request = new HttpRequestMessage(HttpMethod.Post, uri);
        request.Content = new ByteArrayContent(body);
        request.Content.Headers.ContentType = JsonContentType;
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        var nonce = RequestSigning.SignHttpRequest(request, SignatureHeaderNames.Registry, options.ClientId, _key, body, _time);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Timeout);
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            {
                return Fail($"credentials refused ({(int)response.StatusCode})");
            }

            if (response.StatusCode == HttpStatusCode.RequestEntityTooLarge)
            {
                // The body of a 413 is not read (or signed) by the registry; refusing a photo cannot grant anything.
                return new Call(response.StatusCode, """{"error":"payload-too-large"}"""u8.ToArray(), null);
            }

            if ((int)response.StatusCode >= 500)
            {
                return Fail($"registry error ({(int)response.StatusCode})");
            }

            var content = await ReadLimitedAsync(response.Content, options.MaxResponseBytes, timeout.Token);
            if (content is null)
            {
                return Fail("response too large");
            }

            var verdict = _verifier.VerifyResponse(
                _key,
                nonce,
                Header(response, SignatureHeaderNames.Registry.Timestamp),
                Header(response, SignatureHeaderNames.Registry.Signature),
                content);
            if (verdict != SignatureVerdict.Valid)
            {
                return Fail($"response signature not accepted ({verdict})");
            }

            return new Call(response.StatusCode, content, null);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return Fail("timeout");
        }
        catch (HttpRequestException e)
        {
            return Fail($"network error ({e.HttpRequestError})");
        }
        catch (IOException)
        {
            return Fail("network error (io)");
        }

        Call Fail(string detail)
        {
            LogUnavailable(_logger, path, detail);
            return new Call(0, [], detail);
        }
    }

    private RegistryIdentityResult UnavailableIdentity(string detail)
    {
        LogUnavailable(_logger, PopulationRegistryApi.IdentityVerifyPath, detail);
        return RegistryIdentityResult.Unavailable(detail);
    }

    private RegistryFaceResult UnavailableFace(string detail)
    {
        LogUnavailable(_logger, PopulationRegistryApi.FaceComparePath, detail);
        return RegistryFaceResult.Unavailable(detail);
    }

    private static async Task<byte[]?> ReadLimitedAsync(HttpContent content, int limit, CancellationToken cancellationToken)
    {
        if (content.Headers.ContentLength > limit)
        {
            return null;
        }

        await using var stream = await content.ReadAsStreamAsync(cancellationToken);
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    private static ErrorResponse ReadError(byte[] body)
    {
        try
        {
            return JsonSerializer.Deserialize<ErrorResponse>(body, Json) ?? new ErrorResponse(null, null);
        }
        catch (JsonException)
        {
            return new ErrorResponse(null, null);
        }
    }

    private static Uri WithTrailingSlash(Uri baseAddress)
    {
        ArgumentNullException.ThrowIfNull(baseAddress);
        if (!baseAddress.IsAbsoluteUri)
        {
            throw new ArgumentException("The registry's base address must be absolute.", nameof(baseAddress));
        }

        return baseAddress.AbsolutePath.EndsWith('/') ? baseAddress : new Uri(baseAddress.AbsoluteUri + "/");
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Population registry unavailable on {Path}: {Detail}")]
    private static partial void LogUnavailable(ILogger logger, string path, string detail);

    private sealed record Call(HttpStatusCode Status, byte[] Body, string? Failure);

    private sealed record IdentityRequest(string Name, string IdNumber);

    private sealed record IdentityResponse(bool? Match, string? Reason, string? Reference);

    private sealed record FaceRequest(string IdNumber, string Nonce, string Image);

    private sealed record FaceResponse(double? Score, string? Reference, string? Nonce);

    private sealed record ErrorResponse(string? Error, string? Reference);
}
