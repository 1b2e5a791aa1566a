using System.Text.Json;
using CityService.Core.Common;
using CityService.Core.Identity.Verification.Registry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace CityService.RegistrySimulator;

/// <summary>
/// The simulator's HTTP API, the same as the registry's (<see cref="PopulationRegistryApi"/>):
/// <list type="bullet">
/// <item>body larger than <see cref="RegistrySimulatorOptions.MaxRequestBytes"/> → 413;</item>
/// <item>missing or bad signature, unknown client, timestamp off by more than 5 minutes, reused nonce → 401;</item>
/// <item>malformed JSON, base64 or PNG → 400; unknown ID number on face compare → 404;</item>
/// <item>every answer to an authenticated request is signed (X-Registry-Timestamp, X-Registry-Signature).</item>
/// </list>
/// Errors are <c>{ "error": code, "message": text }</c>.
/// </summary>
public static class RegistrySimulatorEndpoints
{
    private const int MinImageSize = 16;
    private const int MaxNameLength = 64;
    private const int MaxIdLength = 32;
    private const int MaxChallengeNonceLength = 128;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { AllowDuplicateProperties = false };

    /// <summary>Registers the simulator (and <see cref="TimeProvider.System"/> unless a TimeProvider is registered).</summary>
    public static IServiceCollection AddPopulationRegistrySimulator(this IServiceCollection services, RegistrySimulatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(options);
        services.AddSingleton(sp => new PopulationRegistrySimulator(sp.GetRequiredService<RegistrySimulatorOptions>(), sp.GetRequiredService<TimeProvider>()));
        return services;
    }

    /// <summary>Maps the registry API under <c>/registry/v1</c>, using the simulator registered by <see cref="AddPopulationRegistrySimulator"/>.</summary>
    public static IEndpointConventionBuilder MapPopulationRegistrySimulator(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var simulator = endpoints.ServiceProvider.GetService<PopulationRegistrySimulator>()
            ?? throw new InvalidOperationException("Call services.AddPopulationRegistrySimulator(options) before mapping the registry simulator.");
        return endpoints.MapPopulationRegistrySimulator(simulator);
    }

    /// <summary>Maps the registry API under <c>/registry/v1</c> for the given simulator.</summary>
    public static IEndpointConventionBuilder MapPopulationRegistrySimulator(this IEndpointRouteBuilder endpoints, PopulationRegistrySimulator simulator)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(simulator);
        var group = endpoints.MapGroup(string.Empty);
        group.MapPost(PopulationRegistryApi.IdentityVerifyPath, context => HandleAsync(context, simulator, VerifyIdentity));
        group.MapPost(PopulationRegistryApi.FaceComparePath, context => HandleAsync(context, simulator, CompareFace));
        return group;
    }

    private static async Task HandleAsync(HttpContext context, PopulationRegistrySimulator simulator, Func<PopulationRegistrySimulator, byte[], Answer> operation)
    {
        var body = await ReadBodyAsync(context, simulator.Options.MaxRequestBytes);
        if (body is null)
        {
            await WriteAsync(context, StatusCodes.Status413PayloadTooLarge, Error("payload-too-large", $"The request body exceeds {simulator.Options.MaxRequestBytes} bytes."), null);
            return;
        }

        var headers = SignatureHeaderNames.Registry;
        var request = context.Request;
        var clientId = request.Headers[headers.Client].ToString();
        var nonce = request.Headers[headers.Nonce].ToString();
        var key = simulator.KeyOf(clientId);
        if (key is null)
        {
            await WriteAsync(context, StatusCodes.Status401Unauthorized, Error("unknown-client", "The client is missing or not known to the registry."), null);
            return;
        }

        var verdict = simulator.Verifier.VerifyRequest(
            key,
            request.Method,
            RequestTarget(context),
            request.Headers[headers.Timestamp].ToString(),
            nonce,
            request.Headers[headers.Signature].ToString(),
            body);
        if (verdict != SignatureVerdict.Valid)
        {
            var (code, message) = verdict switch
            {
                SignatureVerdict.Missing => ("signature-missing", "The request is not signed (client, timestamp, nonce and signature headers are required)."),
                SignatureVerdict.MalformedTimestamp => ("timestamp-invalid", "The timestamp is not Unix seconds."),
                SignatureVerdict.TimestampOutOfRange => ("timestamp-out-of-range", "The timestamp is more than 5 minutes from the registry's clock."),
                SignatureVerdict.MalformedNonce => ("nonce-invalid", "The nonce must be 16–128 characters from A–Z a–z 0–9 - _ . ~."),
                _ => ("signature-invalid", "The signature does not match the request."),
            };
            await WriteAsync(context, StatusCodes.Status401Unauthorized, Error(code, message), null);
            return;
        }

        if (!simulator.Nonces.TryUse(clientId, nonce))
        {
            await WriteAsync(context, StatusCodes.Status401Unauthorized, Error("nonce-reused", "The nonce was already used; each request needs a fresh one."), null);
            return;
        }

        var answer = operation(simulator, body);
        await WriteAsync(context, answer.Status, answer.Payload, new Signer(simulator, key, nonce));
    }

    private static Answer VerifyIdentity(PopulationRegistrySimulator simulator, byte[] body)
    {
        if (!TryRead<IdentityRequest>(body, out var request))
        {
            return BadRequest("invalid-json", "The body is not the expected JSON: { \"name\", \"idNumber\" }.");
        }

        if (request is not { Name: { Length: > 0 and <= MaxNameLength } name, IdNumber: { Length: > 0 and <= MaxIdLength } idNumber })
        {
            return BadRequest("invalid-request", "name and idNumber are required strings.");
        }

        var answer = simulator.VerifyIdentity(name, idNumber);
        return new Answer(StatusCodes.Status200OK, new IdentityResponse(answer.Match, answer.Reason, answer.Reference));
    }

    /// <summary>False when the body is not JSON of the request's shape (<c>null</c> reads as a missing request).</summary>
    private static bool TryRead<T>(byte[] body, out T? request)
    {
        try
        {
            request = JsonSerializer.Deserialize<T>(body, Json);
            return true;
        }
        catch (JsonException)
        {
            request = default;
            return false;
        }
    }

    private static Answer CompareFace(PopulationRegistrySimulator simulator, byte[] body)
    {
        if (!TryRead<FaceRequest>(body, out var request))
        {
            return BadRequest("invalid-json", "The body is not the expected JSON: { \"idNumber\", \"nonce\", \"image\" }.");
        }

        if (request is not
            {
                IdNumber: { Length: > 0 and <= MaxIdLength } idNumber,
                Nonce: { Length: > 0 and <= MaxChallengeNonceLength } nonce,
                Image: { Length: > 0 } image,
            })
        {
            return BadRequest("invalid-request", "idNumber, nonce (at most 128 characters) and image are required strings.");
        }

        byte[] file;
        try
        {
            file = Convert.FromBase64String(image);
        }
        catch (FormatException)
        {
            return BadRequest("image-not-base64", "image is not base64.");
        }

        GrayImage snapshot;
        try
        {
            snapshot = GrayImage.Decode(file);
        }
        catch (ImageFormatException e)
        {
            return BadRequest("image-invalid", e.Message);
        }

        if (snapshot.Width < MinImageSize || snapshot.Height < MinImageSize)
        {
            return BadRequest("image-too-small", $"The photo must be at least {MinImageSize}×{MinImageSize} pixels.");
        }

        var answer = simulator.CompareFace(idNumber, snapshot);
        if (answer is null)
        {
            return new Answer(StatusCodes.Status404NotFound, new ErrorResponse(PopulationRegistryApi.ErrorNotFound, "The registry holds no person with this ID number.", simulator.NewReference("FACE")));
        }

        return new Answer(StatusCodes.Status200OK, new FaceResponse(answer.Score, answer.Reference, nonce));
    }

    private static string RequestTarget(HttpContext context)
    {
        var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (!string.IsNullOrEmpty(raw) && raw.StartsWith('/'))
        {
            return raw;
        }

        var request = context.Request;
        return request.PathBase.ToUriComponent() + request.Path.ToUriComponent() + request.QueryString.ToUriComponent();
    }

    private static async Task<byte[]?> ReadBodyAsync(HttpContext context, int limit)
    {
        if (context.Request.ContentLength > limit)
        {
            return null;
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await context.Request.Body.ReadAsync(chunk, context.RequestAborted)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private static async Task WriteAsync(HttpContext context, int status, object payload, Signer? signer)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(payload, payload.GetType(), Json);
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = "application/json; charset=utf-8";
        response.ContentLength = bytes.Length;
        response.Headers.CacheControl = "no-store";
        if (signer is { } s)
        {
            var timestamp = s.Simulator.Time.GetUtcNow().ToUnixTimeSeconds();
            response.Headers[SignatureHeaderNames.Registry.Timestamp] = RequestSigning.FormatTimestamp(timestamp);
            response.Headers[SignatureHeaderNames.Registry.Signature] = RequestSigning.SignResponse(s.Key, timestamp, s.Nonce, bytes);
        }

        await response.Body.WriteAsync(bytes, context.RequestAborted);
    }

    private static Answer BadRequest(string code, string message) => new(StatusCodes.Status400BadRequest, Error(code, message));

    private static ErrorResponse Error(string code, string message) => new(code, message, null);

    private sealed record Signer(PopulationRegistrySimulator Simulator, byte[] Key, string Nonce);

    private sealed record Answer(int Status, object Payload);

    private sealed record IdentityRequest(string? Name, string? IdNumber);

    private sealed record IdentityResponse(bool Match, string Reason, string Reference);

    private sealed record FaceRequest(string? IdNumber, string? Nonce, string? Image);

    private sealed record FaceResponse(double Score, string Reference, string Nonce);

    private sealed record ErrorResponse(string Error, string Message, string? Reference);
}
