using System.Security.Claims;
using CityService.Core.Identity;
using CityService.Core.Identity.Clients;
using CityService.Core.Identity.SignIn;
using CityService.Core.Storage;
using CityService.Web.Infrastructure;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace CityService.Web.Features.Identity.Clients;

public sealed record ClientIdentityDto(string ClientId, ApiClientKind Kind, string NameZh, string NameEn, IReadOnlyList<string> Scopes, string? RegionCode, string? DepartmentCode);

public sealed record ChannelLinkRequest(string? Assertion);

/// <summary>A code was texted to the phone; the channel relays it with <c>POST /api/channels/link/confirm</c>.</summary>
public sealed record PendingLinkDto(Guid LinkId, string Status, string PhoneMasked, DateTimeOffset ExpiresAt);

public sealed record ChannelLinkConfirmation(string? LinkId, string? Code);

public sealed record LinkedChannelDto(string ClientId, string NameZh, string NameEn, DateTimeOffset? LinkedAt);

public static class ClientEndpoints
{
    /// <summary>What a channel token may do for the citizen it was issued for.</summary>
    public static readonly string[] CitizenScopes = [Scopes.ProfileRead, Scopes.ServicesStart];

    public static void AddClients(this WebApplicationBuilder builder) => builder.Services.AddScoped<ChannelLinking>();

    public static IEndpointRouteBuilder MapClients(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/clients/me", GetClient).WithTags("API clients").RequireAuthorization(IdentitySetup.ApiClientPolicy)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .WithName("GetApiClient").WithSummary("The signed-request caller's identity and scopes.");
        app.MapPost("/api/channels/link", Link).WithTags("API clients").RequireAuthorization(IdentitySetup.ChannelPolicy).Produces<AccessTokenResponse>()
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status429TooManyRequests)
            .WithName("LinkChannelUser")
            .WithSummary("A partner channel links its user (ES256 JWT assertion: sub, phone, jti used once, exp ≤ 10 min). An already linked user gets a token "
                + "acting for that citizen within the channel's scopes (200); otherwise the platform texts a code to the phone and answers 202 with the pending link.");
        app.MapPost("/api/channels/link/confirm", Confirm).WithTags("API clients").RequireAuthorization(IdentitySetup.ChannelPolicy).Produces<AccessTokenResponse>()
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound)
            .WithName("ConfirmChannelLink")
            .WithSummary("The channel relays the code its user received: the citizen has consented, the link is made and a token is returned.");

        var mine = app.MapGroup("/api/me/channels").WithTags("Identity").RequireAuthorization(IdentitySetup.CitizenPolicy)
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden);
        mine.MapGet("", ListLinked).WithName("ListLinkedChannels").WithSummary("The partner channels the signed-in citizen is linked to (not callable with a channel token).");
        mine.MapDelete("/{clientId}", Unlink).WithName("UnlinkChannel")
            .WithSummary("Ends the citizen's link with a channel; the channel's tokens for the citizen stop working at once.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    public static async Task<Results<Ok<ClientIdentityDto>, NotFound>> GetClient(ClaimsPrincipal user, CityDbContext db, CancellationToken ct)
    {
        var id = user.FindFirstValue(AccountClaims.Client);
        var client = await db.ApiClients.AsNoTracking().FirstOrDefaultAsync(c => c.Id == id, ct);
        return client is null
            ? TypedResults.NotFound()
            : TypedResults.Ok(new ClientIdentityDto(client.Id, client.Kind, client.NameZh, client.NameEn, client.Scopes, client.RegionCode, client.DepartmentCode));
    }

    public static async Task<Results<SignInHttpResult, Accepted<PendingLinkDto>, ProblemHttpResult>> Link(
        ChannelLinkRequest request, ClaimsPrincipal user, CityDbContext db, ChannelLinking linking, PersonalDataProtector protector, HttpContext http, CancellationToken ct)
    {
        var id = user.FindFirstValue(AccountClaims.Client);
        var channel = await db.ApiClients.AsNoTracking().SingleAsync(c => c.Id == id, ct);
        var outcome = await linking.LinkAsync(channel, request.Assertion, ct);
        if (!outcome.IsOk)
        {
            return Problems.From(outcome.Error, http);
        }

        if (outcome.Value.Pending is { } pending)
        {
            var masked = PhoneNumber.Mask(protector.Decrypt(pending.PhoneCipher, "phone"));
            return TypedResults.Accepted((string?)null, new PendingLinkDto(pending.Id, "code-sent", masked, pending.ExpiresAt));
        }

        return await TokenFor(http, outcome.Value.Account!, channel);
    }

    public static async Task<Results<SignInHttpResult, ProblemHttpResult>> Confirm(
        ChannelLinkConfirmation request, ClaimsPrincipal user, CityDbContext db, ChannelLinking linking, HttpContext http, CancellationToken ct)
    {
        var id = user.FindFirstValue(AccountClaims.Client);
        var channel = await db.ApiClients.AsNoTracking().SingleAsync(c => c.Id == id, ct);
        var account = await linking.ConfirmAsync(channel, request.LinkId, request.Code, ct);
        return account.IsOk ? await TokenFor(http, account.Value, channel) : Problems.From(account.Error, http);
    }

    public static async Task<Ok<IReadOnlyList<LinkedChannelDto>>> ListLinked(ClaimsPrincipal user, ChannelLinking linking, CancellationToken ct)
    {
        var linked = await linking.LinkedAsync(user.AccountId()!.Value, ct);
        return TypedResults.Ok<IReadOnlyList<LinkedChannelDto>>(linked.Select(l => new LinkedChannelDto(l.ClientId, l.NameZh, l.NameEn, l.LinkedAt)).ToList());
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> Unlink(string clientId, ClaimsPrincipal user, ChannelLinking linking, HttpContext http, CancellationToken ct) =>
        await linking.UnlinkAsync(user.AccountId()!.Value, clientId, ct)
            ? TypedResults.NoContent()
            : Problems.From(NotLinked, http);

    public static Core.Common.Error NotLinked => Core.Common.Error.NotFound(IdentityErrors.Channel.NotLinked, "您没有关联这个渠道。", "You are not linked to this channel.");

    private static async Task<SignInHttpResult> TokenFor(HttpContext http, Account account, ApiClient channel)
    {
        var session = await http.OpenSessionAsync(account, SessionKind.Api, SignInMethod.Channel, channel.Id);
        return TypedResults.SignIn(
            IdentitySetup.Principal(account, IdentityConstants.BearerScheme, session, channel.Id, channel.Scopes.Intersect(CitizenScopes).ToList()),
            authenticationScheme: IdentityConstants.BearerScheme);
    }
}
