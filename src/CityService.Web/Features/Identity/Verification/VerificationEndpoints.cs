using System.Security.Claims;
using CityService.Core.Identity;
using CityService.Core.Identity.Consent;
using CityService.Core.Identity.Verification;
using CityService.Web.Features.Identity.SignIn;
using CityService.Web.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace CityService.Web.Features.Identity.Verification;

/// <summary><c>consent</c>: the privacy policy's version under which the citizen gave separate consent to process their ID number and face (PIPL art. 29); needed once per version.</summary>
public sealed record IdVerificationRequest(string? Name, string? IdNumber, string? Consent = null);

public sealed record FaceChallengeDto(string Nonce, DateTimeOffset ExpiresAt);

/// <summary>
/// The photo is base64 (line breaks allowed) of a JPEG or PNG of at most <see cref="IdentityVerificationService.MaxImageBytes"/>:
/// a larger photo is a 413 problem naming that limit (<c>photo.too-large</c>), a body over <see cref="MaxBodyBytes"/> a 413 naming that one.
/// </summary>
public sealed record FaceVerificationRequest(string? Nonce, [property: Text(FaceVerificationRequest.MaxBodyBytes + 1, Core.Common.TextKind.MultiLine)] string? Image, string? Consent = null)
{
    /// <summary>Room for base64 of the largest photo (4/3 of it), with line breaks.</summary>
    public const int MaxBodyBytes = 15 * 1024 * 1024;
}

/// <summary>Raising the assurance level: L2 by the population registry's check of name and ID number, L3 by a live photo.</summary>
public static class VerificationEndpoints
{
    public static void AddVerification(this WebApplicationBuilder builder)
    {
        builder.Services.AddScoped<IdentityVerificationService>();
        builder.AddPopulationRegistry();
    }

    public static IEndpointRouteBuilder MapVerification(this IEndpointRouteBuilder app)
    {
        var me = app.MapGroup("/api/me/verification").WithTags("Identity").RequireAuthorization(IdentitySetup.CitizenPolicy)
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        me.MapPost("/id", VerifyIdNumber).WithName("VerifyIdNumber")
            .WithSummary("Level 2: the population registry confirms name and resident ID number. Needs separate consent (`consent`: the privacy policy's version), else 403 consent.sensitive-required.");
        me.MapPost("/face/challenge", StartFace).WithName("StartFaceVerification")
            .WithSummary("A single-use nonce the live photo is bound to (valid 3 minutes).");
        me.MapPost("/face", VerifyFace).WithName("VerifyFace")
            .WithMetadata(new RequestSizeLimitAttribute(FaceVerificationRequest.MaxBodyBytes))
            .WithSummary("Level 3: the registry matches a live photo (base64 JPEG or PNG, at most 10 MB; HEIC is refused with 415) against its reference photo; the photo is scaled down, and not kept.");
        return app;
    }

    public static async Task<Results<Ok<ProfileDto>, ProblemHttpResult>> VerifyIdNumber(
        IdVerificationRequest request, ClaimsPrincipal user, IdentityVerificationService verification, ConsentService consents, PersonalDataProtector protector, HttpContext http, CancellationToken ct)
    {
        if (request.Consent is not null && await consents.AgreeSensitiveAsync(user.AccountId()!.Value, request.Consent, ConsentChannel.Api, ct) is { } stale)
        {
            return Problems.From(stale, http);
        }

        var account = await verification.VerifyIdNumberAsync(user.AccountId()!.Value, request.Name, request.IdNumber, ct);
        return account.IsOk ? TypedResults.Ok(SignInEndpoints.ToProfile(account.Value, protector)) : Problems.From(account.Error, http);
    }

    public static async Task<Results<Ok<FaceChallengeDto>, ProblemHttpResult>> StartFace(
        ClaimsPrincipal user, IdentityVerificationService verification, HttpContext http, CancellationToken ct)
    {
        var challenge = await verification.StartFaceAsync(user.AccountId()!.Value, ct);
        return challenge.IsOk ? TypedResults.Ok(new FaceChallengeDto(challenge.Value.Nonce, challenge.Value.ExpiresAt)) : Problems.From(challenge.Error, http);
    }

    public static async Task<Results<Ok<ProfileDto>, ProblemHttpResult>> VerifyFace(
        FaceVerificationRequest request, ClaimsPrincipal user, IdentityVerificationService verification, ConsentService consents, PersonalDataProtector protector, HttpContext http, CancellationToken ct)
    {
        if (request.Consent is not null && await consents.AgreeSensitiveAsync(user.AccountId()!.Value, request.Consent, ConsentChannel.Api, ct) is { } stale)
        {
            return Problems.From(stale, http);
        }

        var account = await verification.VerifyFaceAsync(user.AccountId()!.Value, request.Nonce, request.Image, ct);
        return account.IsOk ? TypedResults.Ok(SignInEndpoints.ToProfile(account.Value, protector)) : Problems.From(account.Error, http);
    }
}
