using System.Security.Claims;
using CityService.Core.Audit;
using CityService.Core.Identity;
using CityService.Core.Jobs;
using CityService.Core.Storage;
using CityService.Web.Features.Identity;
using CityService.Web.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CityService.Web.Features.Audit;

public sealed record AuditEntryDto(
    string RegionCode, long Sequence, DateTimeOffset At, string ActorKind, string? ActorId, string Action, string? ObjectType, string? ObjectId,
    string Outcome, string? RequestId, string? Details, string Hash);

public sealed record AuditVerificationDto(bool Intact, IReadOnlyList<AuditChainSummary> Chains, IReadOnlyList<AuditProblem> Problems, DateTimeOffset CheckedAt);

public sealed record AuditPublicKeyDto(string KeyId, string Algorithm, string PublicKeyPem);

/// <summary>The audit log's services, its endpoints, and the <c>audit verify</c> command (docs/decisions/020-audit-log.md).</summary>
public static class AuditSetup
{
    public static void AddAudit(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        var pem = builder.Configuration["Audit:SigningKey"];
        var mayGenerate = !builder.Environment.IsProduction();
        services.AddSingleton<AuditLog>();
        services.AddSingleton(sp => new AuditKey(
            pem, mayGenerate, sp.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<CityDbContext>>(),
            sp.GetRequiredService<PersonalDataProtector>, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<AuditVerifier>();
        services.AddRecurringJob<AuditCheckpointJob>(AuditCheckpointJob.Name, builder.Configuration.GetValue("Audit:CheckpointInterval", TimeSpan.FromMinutes(10)));
    }

    public static IEndpointRouteBuilder MapAudit(this IEndpointRouteBuilder app)
    {
        if (!app.ServiceProvider.GetRequiredService<AuditKey>().Available)
        {
            throw new InvalidOperationException(
                "Audit:SigningKey is not set: a production host signs audit checkpoints with a configured ECDSA P-256 key (PEM). See docs/operations.md.");
        }

        var admin = app.MapGroup("/api/admin/audit").WithTags("Audit").RequireAuthorization(IdentitySetup.PlatformAdminPolicy)
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden);
        admin.MapGet("/verify", Verify).WithName("VerifyAuditLog")
            .WithSummary("Checks every chain and checkpoint of the audit log; each problem names its chain, sequence and what is wrong.");
        admin.MapGet("/entries", Entries).WithName("ListAuditEntries").ProducesProblem(StatusCodes.Status400BadRequest)
            .WithSummary("The latest 50 audit entries, newest first, optionally of one action and/or region.");

        app.MapGet("/api/audit/public-key", PublicKey).WithTags("Audit").AllowAnonymous().WithName("AuditPublicKey")
            .WithSummary("The public key (ECDSA P-256, PEM) that verifies the audit log's checkpoints.");
        app.MapGet("/api/me/security-events", SecurityEvents).WithTags("Audit").RequireAuthorization(IdentitySetup.CitizenPolicy)
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden).WithName("ListSecurityEvents")
            .WithSummary("The citizen's own sign-ins (method, device, outcome) and when staff saw their personal data (department only), newest first.");
        return app;
    }

    public static async Task<Ok<AuditVerificationDto>> Verify(AuditVerifier verifier, CancellationToken ct)
    {
        var result = await verifier.VerifyAsync(ct);
        return TypedResults.Ok(new AuditVerificationDto(result.Intact, result.Chains, result.Problems, result.CheckedAt));
    }

    public static async Task<Results<Ok<IReadOnlyList<AuditEntryDto>>, ProblemHttpResult>> Entries(
        string? action, string? region, CityDbContext db, HttpContext http, CancellationToken ct)
    {
        if (AuditQueries.CheckFilter(action, region) is { } error)
        {
            return Problems.From(error, http);
        }

        var entries = await AuditQueries.LatestAsync(db, action, region, ct);
        return TypedResults.Ok<IReadOnlyList<AuditEntryDto>>([.. entries.Select(ToDto)]);
    }

    public static async Task<Ok<AuditPublicKeyDto>> PublicKey(AuditKey key, CancellationToken ct)
    {
        var signer = await key.SignerAsync(ct);
        return TypedResults.Ok(new AuditPublicKeyDto(signer.KeyId, "ES256", signer.PublicKeyPem));
    }

    public static async Task<Ok<IReadOnlyList<SecurityEvent>>> SecurityEvents(ClaimsPrincipal user, CityDbContext db, CancellationToken ct) =>
        TypedResults.Ok(await AuditQueries.SecurityEventsAsync(db, user.AccountId()!.Value, ct));

    public static AuditEntryDto ToDto(AuditEntry e) =>
        new(e.RegionCode, e.Sequence, e.At, e.ActorKind, e.ActorId, e.Action, e.ObjectType, e.ObjectId, e.Outcome, e.RequestId, e.Details, e.Hash);

    /// <summary>
    /// <c>CityService.Web audit verify</c>: checks the log and exits — 0 when intact, 1 with a line per problem (chain,
    /// sequence, what) otherwise. Returns false when the host was started for something else.
    /// </summary>
    public static async Task<bool> RunAuditCommandAsync(this WebApplication app, string[] args)
    {
        if (args.Length < 2 || !string.Equals(args[0], "audit", StringComparison.OrdinalIgnoreCase) || !string.Equals(args[1], "verify", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var result = await app.Services.GetRequiredService<AuditVerifier>().VerifyAsync(app.Lifetime.ApplicationStopping);
        foreach (var chain in result.Chains)
        {
            Console.WriteLine(FormattableString.Invariant(
                $"chain {chain.Chain}: {chain.Entries} entries, last sequence {chain.LastSequence}, last checkpoint {chain.CheckpointSequence?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}"));
        }

        foreach (var problem in result.Problems)
        {
            Console.WriteLine(problem.ToString());
        }

        Console.WriteLine(result.Intact ? "audit log intact" : FormattableString.Invariant($"audit log NOT intact: {result.Problems.Count} problem(s)"));
        Environment.ExitCode = result.Intact ? 0 : 1;
        return true;
    }
}
