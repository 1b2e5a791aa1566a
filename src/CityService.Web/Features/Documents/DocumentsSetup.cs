using System.Globalization;
using System.Security.Claims;
using CityService.Core.Audit;
using CityService.Core.Common;
using CityService.Core.Documents;
using CityService.Core.Identity;
using CityService.Core.Storage;
using CityService.Web.Features.Identity;
using CityService.Web.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CityService.Web.Features.Documents;

public sealed record IssuerKeyDto(string Kid, string Issuer, DateTimeOffset CreatedAt, DateTimeOffset? RetiredAt, DateTimeOffset? RevokedAt, string? RevocationReason, bool Signs);

public sealed record RotateIssuerKeyRequest(string? Issuer);

public sealed record RevokeIssuerKeyRequest(DateTimeOffset? At, string? Reason);

/// <summary>
/// Signed documents (docs/signed-documents.md): issuers' keys, the published JWKS, the operators' rotation and revocation
/// (API and the <c>keys</c> command).
/// </summary>
public static class DocumentsSetup
{
    /// <summary>How long caches may keep the JWKS (RFC 9111 max-age); verifiers that meet an unknown kid fetch it again.</summary>
    public const int KeySetMaxAgeSeconds = 300;

    public const string KeySetPath = "/.well-known/cityservice/keys";

    public static void AddDocuments(this WebApplicationBuilder builder)
    {
        var refresh = builder.Configuration.GetValue("Documents:KeyRefresh", IssuerKeys.DefaultRefresh);
        builder.Services.AddSingleton(sp => new IssuerKeys(
            sp.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<CityDbContext>>(),
            sp.GetRequiredService<PersonalDataProtector>, sp.GetRequiredService<TimeProvider>(), refresh));
    }

    public static IEndpointRouteBuilder MapDocuments(this IEndpointRouteBuilder app)
    {
        app.MapGet(KeySetPath, KeySet).WithTags("Documents").AllowAnonymous().WithMetadata(ETagged.Instance).WithName("IssuerKeySet")
            .Produces<JsonWebKeySet>()
            .WithSummary("The issuers' public keys (JWKS, RFC 7517): every key ever used, retired and revoked ones included; cacheable for 5 minutes.");

        var admin = app.MapGroup("/api/admin/issuer-keys").WithTags("Documents").RequireAuthorization(IdentitySetup.PlatformAdminPolicy)
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden);
        admin.MapGet("", List).WithName("ListIssuerKeys").WithSummary("Every issuer key, by issuer, oldest first; `signs` marks the current one.");
        admin.MapPost("/rotate", Rotate).WithName("RotateIssuerKey")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .WithSummary("Retires the issuer's current key (what it signed stays valid) and makes the one that signs from now on.");
        admin.MapPost("/{kid}/revoke", Revoke).WithName("RevokeIssuerKey")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Revokes a key as of `at` (default now, not in the future): what it signed from then on is invalid; the issuer signs with a fresh key.");
        return app;
    }

    public static async Task<PreparedJson> KeySet(IssuerKeys keys, HttpContext http, CancellationToken ct)
    {
        var set = DocumentKeySet.From(await keys.PublishedAsync(ct));
        return PreparedJson.From(set, http).Cached(FormattableString.Invariant($"public, max-age={KeySetMaxAgeSeconds}"));
    }

    public static async Task<Ok<IReadOnlyList<IssuerKeyDto>>> List(IssuerKeys keys, CancellationToken ct) =>
        TypedResults.Ok<IReadOnlyList<IssuerKeyDto>>([.. (await keys.ListAsync(ct)).Select(ToDto)]);

    public static async Task<Results<Ok<IssuerKeyDto>, ProblemHttpResult>> Rotate(
        RotateIssuerKeyRequest request, IssuerKeys keys, ClaimsPrincipal user, HttpContext http, CancellationToken ct)
    {
        var issuer = IssuerKeys.ParseIssuer(request.Issuer);
        if (!issuer.IsOk)
        {
            return Problems.From(issuer.Error, http);
        }

        var result = await keys.RotateAsync(issuer.Value, Actor(user), ct);
        return result.IsOk ? TypedResults.Ok(ToDto(result.Value)) : Problems.From(result.Error, http);
    }

    public static async Task<Results<Ok<IssuerKeyDto>, ProblemHttpResult>> Revoke(
        string kid, RevokeIssuerKeyRequest request, IssuerKeys keys, ClaimsPrincipal user, HttpContext http, CancellationToken ct)
    {
        var result = await keys.RevokeAsync(kid, request.At, request.Reason, Actor(user), ct);
        return result.IsOk ? TypedResults.Ok(ToDto(result.Value)) : Problems.From(result.Error, http);
    }

    public static IssuerKeyDto ToDto(IssuerKeyInfo k) => new(k.KeyId, k.IssuerCode, k.CreatedAt, k.RetiredAt, k.RevokedAt, k.RevocationReason, k.Signs);

    private static AuditActor Actor(ClaimsPrincipal user) => user.AccountId() is { } id ? AuditActor.Account(id) : AuditActor.Anonymous;

    /// <summary>
    /// <c>CityService.Web keys rotate &lt;issuer&gt;</c> | <c>keys revoke &lt;kid&gt; &lt;reason&gt;</c> | <c>keys export &lt;file&gt;</c>
    /// (the JWKS, for offline verification): exits 0 when done, 1 when refused (the error code and message), 2 on wrong
    /// usage. Returns false when the host was started for something else.
    /// </summary>
    public static async Task<bool> RunKeysCommandAsync(this WebApplication app, string[] args)
    {
        if (args.Length == 0 || !string.Equals(args[0], "keys", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        Environment.ExitCode = await KeysCommandAsync(app.Services.GetRequiredService<IssuerKeys>(), args[1..], Console.Out, app.Lifetime.ApplicationStopping);
        return true;
    }

    /// <summary>The <c>keys</c> command's work, writing to <paramref name="output"/>; returns the exit code.</summary>
    public static async Task<int> KeysCommandAsync(IssuerKeys keys, string[] args, TextWriter output, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        var verb = args.Length > 0 ? args[0].ToLowerInvariant() : string.Empty;
        Result<IssuerKeyInfo> result;
        switch (verb)
        {
            case "rotate" when args.Length == 2:
                var issuer = IssuerKeys.ParseIssuer(args[1]);
                result = issuer.IsOk ? await keys.RotateAsync(issuer.Value, AuditActor.System, ct) : issuer.Error;
                break;
            case "revoke" when args.Length >= 3:
                result = await keys.RevokeAsync(args[1], null, string.Join(' ', args[2..]), AuditActor.System, ct);
                break;
            case "export" when args.Length == 2:
                var published = await keys.PublishedAsync(ct);
                await File.WriteAllBytesAsync(args[1], DocumentKeySet.ToJson(published), ct);
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"wrote {published.Count} key(s) to {args[1]}"));
                return 0;
            default:
                await output.WriteLineAsync("usage: keys rotate <issuer> | keys revoke <kid> <reason> | keys export <file>");
                return 2;
        }

        if (!result.IsOk)
        {
            await output.WriteLineAsync($"{result.Error.Code}: {result.Error.Message.En}");
            return 1;
        }

        var k = result.Value;
        await output.WriteLineAsync(k.RevokedAt is { } revoked
            ? string.Create(CultureInfo.InvariantCulture, $"revoked {k.KeyId} of {k.IssuerCode} as of {revoked:O}")
            : $"rotated {k.IssuerCode}: {k.KeyId} signs from now on");
        return 0;
    }
}
