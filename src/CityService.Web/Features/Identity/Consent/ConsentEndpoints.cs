using System.Security.Claims;
using CityService.Core.Identity.Consent;
using CityService.Web.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CityService.Web.Features.Identity.Consent;

/// <summary>A consent as the citizen sees it: what, which version, when, through which channel, and whether withdrawn.</summary>
public sealed record ConsentDto(Guid Id, string Kind, string Version, DateTimeOffset GivenAt, string Channel, DateTimeOffset? WithdrawnAt);

/// <summary>The citizen's consents (PIPL): listed and withdrawn, on the profile page and at <c>/api/me/consents</c>.</summary>
public static class ConsentEndpoints
{
    public static void AddConsents(this WebApplicationBuilder builder) => builder.Services.AddScoped<ConsentService>();

    public static IEndpointRouteBuilder MapConsents(this IEndpointRouteBuilder app)
    {
        var consents = app.MapGroup("/api/me/consents").WithTags("Identity").RequireAuthorization(IdentitySetup.CitizenPolicy)
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        consents.MapGet("", List).WithName("ListConsents").WithSummary("Every consent of the signed-in citizen, newest first, withdrawn ones included.");
        consents.MapDelete("/{id:guid}", Withdraw).WithName("WithdrawConsent").ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("Withdraws a consent. terms or privacy: every session of the account ends (this token too); the next sign-in asks again. sensitive-identity: the verified name, ID number and registry references are erased and the level drops to L1.");
        return app;
    }

    public static string Slug(ConsentKind kind) => System.Text.Json.JsonNamingPolicy.KebabCaseLower.ConvertName(kind.ToString());

    public static ConsentDto ToDto(ConsentRecord c) =>
        new(c.Id, Slug(c.Kind), c.Version, c.GivenAt, c.Channel.ToString().ToLowerInvariant(), c.WithdrawnAt);

    public static async Task<Ok<IReadOnlyList<ConsentDto>>> List(ClaimsPrincipal user, ConsentService consents, CancellationToken ct) =>
        TypedResults.Ok<IReadOnlyList<ConsentDto>>((await consents.ListAsync(user.AccountId()!.Value, ct)).Select(ToDto).ToList());

    public static async Task<Results<Ok<ConsentDto>, ProblemHttpResult>> Withdraw(Guid id, ClaimsPrincipal user, ConsentService consents, HttpContext http, CancellationToken ct)
    {
        var withdrawn = await consents.WithdrawAsync(user.AccountId()!.Value, id, ct);
        return withdrawn.IsOk ? TypedResults.Ok(ToDto(withdrawn.Value)) : Problems.From(withdrawn.Error, http);
    }
}
