using System.Security.Claims;
using CityService.Core.Identity;
using CityService.Core.Identity.SignIn;
using CityService.Web.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CityService.Web.Features.Identity.SignIn;

/// <summary>An open session as its owner sees it; <c>Current</c> marks the one this request came with.</summary>
public sealed record SessionDto(string Id, SessionKind Kind, SignInMethod Method, string? ChannelId, string? Device, DateTimeOffset CreatedAt, DateTimeOffset LastSeenAt, DateTimeOffset ExpiresAt, bool Current);

public sealed record SessionsEnded(int Ended);

/// <summary>Signing out (ends the token's session on the server) and the signed-in account's own sessions (ADR 008).</summary>
public static class SessionEndpoints
{
    public static IEndpointRouteBuilder MapSessions(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/auth/signout", SignOut).WithTags("Identity").RequireAuthorization(IdentitySetup.SignedInPolicy)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .WithName("SignOut").WithSummary("Ends the bearer token's session on the server: the token stops working at once.");

        var sessions = app.MapGroup("/api/me/sessions").WithTags("Identity").RequireAuthorization(IdentitySetup.SignedInPolicy)
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        sessions.MapGet("", List).WithName("ListSessions")
            .WithSummary("The signed-in account's open sessions (pages and tokens): device, how and when signed in, last seen (to within 5 minutes).");
        sessions.MapDelete("/{id}", End).WithName("EndSession").ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("Ends one of the account's sessions; another account's session, or one already ended, is 404.");
        sessions.MapPost("/end-others", EndOthers).WithName("EndOtherSessions")
            .WithSummary("Signs out everywhere else: ends every session of the account except the one making this request.");
        return app;
    }

    public static async Task<NoContent> SignOut(ClaimsPrincipal user, SessionService sessions, CancellationToken ct)
    {
        await sessions.EndAsync(user.AccountId()!.Value, user.SessionId()!, ct);
        return TypedResults.NoContent();
    }

    public static async Task<Ok<IReadOnlyList<SessionDto>>> List(ClaimsPrincipal user, SessionService sessions, CancellationToken ct)
    {
        var current = user.SessionId();
        var open = await sessions.ListAsync(user.AccountId()!.Value, ct);
        return TypedResults.Ok<IReadOnlyList<SessionDto>>([.. open.Select(s =>
            new SessionDto(s.Id, s.Kind, s.Method, s.ChannelId, s.Device, s.CreatedAt, s.LastSeenAt, s.ExpiresAt, s.Id == current))]);
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> End(string id, ClaimsPrincipal user, SessionService sessions, HttpContext http, CancellationToken ct) =>
        await sessions.EndAsync(user.AccountId()!.Value, id, ct) ? TypedResults.NoContent() : Problems.From(NotFound, http);

    public static async Task<Ok<SessionsEnded>> EndOthers(ClaimsPrincipal user, SessionService sessions, CancellationToken ct) =>
        TypedResults.Ok(new SessionsEnded(await sessions.EndOthersAsync(user.AccountId()!.Value, user.SessionId(), ct)));

    public static readonly Core.Common.Error NotFound = Core.Common.Error.NotFound(IdentityErrors.Session.NotFound,
        "没有找到该登录会话，它可能已经结束。", "No such session; it may have ended already.");
}
