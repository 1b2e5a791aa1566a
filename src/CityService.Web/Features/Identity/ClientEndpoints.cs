using System.Security.Claims;
using CityService.Core.Identity;
using CityService.Core.Storage;
using CityService.Web.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace CityService.Web.Features.Identity;

public sealed record ClientIdentityDto(string ClientId, ApiClientKind Kind, string NameZh, string NameEn, IReadOnlyList<string> Scopes, string? RegionCode, string? DepartmentCode);

public sealed record ChannelLinkRequest(string? Assertion);

public static class ClientEndpoints
{
    /// <summary>What a channel token may do for the citizen it was issued for.</summary>
    public static readonly string[] CitizenScopes = [Scopes.ProfileRead, Scopes.ServicesStart];

    public static IEndpointRouteBuilder MapClients(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/clients/me", GetClient).WithTags("API clients").RequireAuthorization(IdentitySetup.ApiClientPolicy)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .WithName("GetApiClient").WithSummary("The signed-request caller's identity and scopes.");
        app.MapPost("/api/channels/link", Link).WithTags("API clients").RequireAuthorization(IdentitySetup.ChannelPolicy)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status401Unauthorized)
            .WithName("LinkChannelUser")
            .WithSummary("A partner channel links its user (ES256 JWT assertion: sub, phone, exp ≤ 10 min) and gets a token acting for that citizen within the channel's scopes.");
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

    public static async Task<Results<SignInHttpResult, ProblemHttpResult>> Link(
        ChannelLinkRequest request, ClaimsPrincipal user, CityDbContext db, ChannelLinking linking, HttpContext http, CancellationToken ct)
    {
        var id = user.FindFirstValue(AccountClaims.Client);
        var channel = await db.ApiClients.AsNoTracking().SingleAsync(c => c.Id == id, ct);
        var account = await linking.LinkAsync(channel, request.Assertion, ct);
        if (!account.IsOk)
        {
            return Problems.From(account.Error, http);
        }

        var scopes = channel.Scopes.Intersect(CitizenScopes).ToList();
        var session = await http.OpenSessionAsync(account.Value, SessionKind.Api, SignInMethod.Channel, channel.Id);
        return TypedResults.SignIn(
            IdentitySetup.Principal(account.Value, IdentityConstants.BearerScheme, session, channel.Id, scopes),
            authenticationScheme: IdentityConstants.BearerScheme);
    }
}
