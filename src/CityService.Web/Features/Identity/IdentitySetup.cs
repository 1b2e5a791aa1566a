using System.Security.Claims;
using CityService.Core.Identity;
using CityService.Core.Identity.Clients;
using CityService.Core.Identity.SignIn;
using CityService.Core.Identity.Verification;
using CityService.Core.Storage;
using CityService.Web.Features.Identity.Clients;
using CityService.Web.Features.Identity.Consent;
using CityService.Web.Features.Identity.SignIn;
using CityService.Web.Features.Identity.Staff;
using CityService.Web.Features.Identity.Verification;
using CityService.Web.Infrastructure;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace CityService.Web.Features.Identity;

public static class IdentitySetup
{
    /// <summary>The default scheme: a bearer token when the request carries one, otherwise the session cookie.</summary>
    public const string Scheme = "cityservice";

    public const string CitizenPolicy = "citizen";
    public const string ApiClientPolicy = "api-client";
    public const string StaffPolicy = "staff";
    public const string PlatformAdminPolicy = "platform-admin";
    public const string ChannelPolicy = "partner-channel";

    /// <summary>Any signed-in account (citizen, staff, operator) with a current session; channel tokens only where scoped.</summary>
    public const string SignedInPolicy = "signed-in";

    private static readonly CurrentSessionRequirement CurrentSession = new();

    /// <summary>Identity's services: what its four parts share (accounts, personal data keys, schemes, policies), then each part's own.</summary>
    public static void AddIdentity(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSingleton(_ => PersonalDataKeysFrom(builder.Configuration)); // checked at start-up, after `migrate`
        services.AddSingleton<PersonalDataProtector>();
        builder.AddSignIn();
        builder.AddVerification();
        builder.AddConsents();
        builder.AddClients();
        builder.AddStaff();

        services.AddIdentityCore<Account>(o =>
            {
                o.User.AllowedUserNameCharacters += ":"; // user names are "phone:<blind index>"
                o.Lockout.MaxFailedAccessAttempts = 5;
                o.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(15);
                o.Password.RequiredLength = 8;
                o.Password.RequireNonAlphanumeric = false;
                o.Password.RequireUppercase = false;
            })
            .AddEntityFrameworkStores<CityDbContext>();

        // The key ring lives in the database, shared by every instance, each key encrypted with the personal-data key.
        services.AddDataProtection().SetApplicationName("CityService").PersistKeysToDbContext<CityDbContext>();
        services.AddSingleton<IConfigureOptions<KeyManagementOptions>>(sp => new ConfigureOptions<KeyManagementOptions>(o =>
            o.XmlEncryptor = new KeyRingEncryptor(sp.GetRequiredService<PersonalDataProtector>())));

        var secureCookies = !builder.Environment.IsDevelopment() && !builder.Environment.IsEnvironment("Testing");
        services.AddAuthentication(Scheme)
            // The API never reads the page cookie: a browser would send it on a cross-site request, so a cookie-authenticated
            // API call would need antiforgery. The API is signed requests and bearer tokens only (ADR 008).
            .AddPolicyScheme(Scheme, "Signed request, bearer token or session cookie", o => o.ForwardDefaultSelector = http =>
                SignatureAuthenticationHandler.IsSigned(http.Request) ? SignatureAuthenticationHandler.SchemeName
                : http.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? IdentityConstants.BearerScheme
                : HostSetup.IsApi(http.Request.Path) ? IdentityConstants.BearerScheme
                : IdentityConstants.ApplicationScheme)
            .AddScheme<AuthenticationSchemeOptions, SignatureAuthenticationHandler>(SignatureAuthenticationHandler.SchemeName, null)
            .AddBearerToken(IdentityConstants.BearerScheme, o => o.BearerTokenExpiration = TimeSpan.FromHours(1))
            .AddCookie(IdentityConstants.ApplicationScheme, o =>
            {
                // __Host- requires Secure, Path=/ and no Domain: only where the site is served over HTTPS.
                o.Cookie.Name = secureCookies ? "__Host-cs-session" : "cs-session";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Lax;
                o.Cookie.SecurePolicy = secureCookies ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;
                o.ExpireTimeSpan = TimeSpan.FromMinutes(30); // idle timeout
                o.SlidingExpiration = true;
                o.LoginPath = "/signin";
                o.Events = new CookieAuthenticationEvents
                {
                    OnRedirectToLogin = ctx => Answer(ctx, StatusCodes.Status401Unauthorized),
                    OnRedirectToAccessDenied = ctx => Answer(ctx, StatusCodes.Status403Forbidden),
                };
            });

        // No fallback policy: it would also turn unknown routes (404) and wrong methods (405) into 401s.
        // Instead every endpoint declares a policy or AllowAnonymous, which a test enforces for all endpoints.
        services.AddAuthorizationBuilder()
            .SetDefaultPolicy(new AuthorizationPolicyBuilder(Scheme).RequireAuthenticatedUser().Build())
            .AddPolicy(CitizenPolicy, p => p.AddAuthenticationSchemes(Scheme).RequireAuthenticatedUser()
                .RequireClaim(AccountClaims.Kind, nameof(AccountKind.Citizen)).AddRequirements(new ChannelScopeRequirement(), CurrentSession))
            .AddPolicy(StaffPolicy, p => p.AddAuthenticationSchemes(Scheme).RequireAuthenticatedUser()
                .RequireClaim(AccountClaims.Kind, nameof(AccountKind.Staff), nameof(AccountKind.Operator)).AddRequirements(CurrentSession))
            .AddPolicy(PlatformAdminPolicy, p => p.AddAuthenticationSchemes(Scheme).RequireAuthenticatedUser()
                .RequireClaim(AccountClaims.Kind, nameof(AccountKind.Operator)).AddRequirements(CurrentSession))
            .AddPolicy(SignedInPolicy, p => p.AddAuthenticationSchemes(Scheme).RequireAuthenticatedUser()
                .RequireClaim(AccountClaims.Kind).AddRequirements(new ChannelScopeRequirement(), CurrentSession))
            .AddPolicy(ApiClientPolicy, p => p.AddAuthenticationSchemes(Scheme).RequireAuthenticatedUser().RequireClaim(AccountClaims.Client))
            .AddPolicy(ChannelPolicy, p => p.AddAuthenticationSchemes(Scheme).RequireAuthenticatedUser()
                .RequireClaim(AccountClaims.ClientKind, nameof(ApiClientKind.PartnerChannel)).RequireClaim(AccountClaims.Scope, Scopes.CitizenLink));
        services.AddSingleton<IAuthorizationHandler, ChannelScopeRequirement>();
        services.AddSingleton<IAuthorizationHandler, CurrentSessionHandler>();
        services.AddSingleton<Microsoft.AspNetCore.Authorization.IAuthorizationMiddlewareResultHandler, SessionEndedResultHandler>();
    }

    /// <summary>Identity's endpoints: sign-in and sessions, verification, API clients and channels, staff roles.</summary>
    public static IEndpointRouteBuilder MapIdentity(this IEndpointRouteBuilder app)
    {
        app.MapSignIn();
        app.MapSessions();
        app.MapVerification();
        app.MapConsents();
        app.MapClients();
        app.MapClientAdmin();
        app.MapStaff();
        return app;
    }

    /// <summary>
    /// The claims a session or token carries: who, what kind of account, and the server-side session it belongs to (opened
    /// with <see cref="OpenSessionAsync"/>); for a channel, which channel and scopes.
    /// </summary>
    public static ClaimsPrincipal Principal(Account account, string scheme, AccountSession session, string? channel = null, IEnumerable<string>? scopes = null, DateTimeOffset? codeVerifiedAt = null)
    {
        var claims = new List<Claim>
        {
            new(ClaimTypes.NameIdentifier, account.Id.ToString()),
            new(AccountClaims.Kind, account.Kind.ToString()),
            new(AccountClaims.SecurityStamp, account.SecurityStamp ?? string.Empty),
            new(AccountClaims.Session, session.Id),
        };
        if (codeVerifiedAt is { } at)
        {
            claims.Add(new Claim(AccountClaims.CodeVerifiedAt, at.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        if (channel is not null)
        {
            claims.Add(new Claim(AccountClaims.Channel, channel));
            claims.AddRange((scopes ?? []).Select(s => new Claim(AccountClaims.Scope, s)));
        }

        return new ClaimsPrincipal(new ClaimsIdentity(claims, scheme));
    }

    /// <summary>Opens the server-side session a sign-in's cookie or token will name (every sign-in path calls this).</summary>
    public static Task<AccountSession> OpenSessionAsync(this HttpContext http, Account account, SessionKind kind, SignInMethod method, string? channel = null) =>
        http.RequestServices.GetRequiredService<SessionService>().OpenAsync(account, kind, method, channel, http.Request.Headers.UserAgent.ToString(), http.RequestAborted);

    public static string? SessionId(this ClaimsPrincipal user) => user.FindFirstValue(AccountClaims.Session);

    /// <summary>How long a fresh code counts as re-authentication for sensitive actions (changing the phone; refunds later).</summary>
    public static readonly TimeSpan ReauthenticationWindow = TimeSpan.FromMinutes(5);

    public static bool HasFreshCode(this ClaimsPrincipal user, DateTimeOffset now) =>
        long.TryParse(user.FindFirstValue(AccountClaims.CodeVerifiedAt), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var at)
        && now - DateTimeOffset.FromUnixTimeSeconds(at) <= ReauthenticationWindow;

    /// <summary>
    /// The caller's address as the per-address limits key it: behind a reverse proxy, the client's address from
    /// X-Forwarded-For when the peer is a configured proxy (<see cref="HttpConventions.ConfigureForwarding"/>), else the peer.
    /// </summary>
    public static string ClientAddress(this HttpContext http) => http.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    public static Guid? AccountId(this ClaimsPrincipal user) =>
        Guid.TryParse(user.FindFirstValue(ClaimTypes.NameIdentifier), out var id) ? id : null;

    private static Task Answer(Microsoft.AspNetCore.Authentication.RedirectContext<CookieAuthenticationOptions> ctx, int status)
    {
        if (HostSetup.IsApi(ctx.Request.Path) || status == StatusCodes.Status403Forbidden)
        {
            ctx.Response.StatusCode = status; // a problem detail (API) or the error page (pages), never a redirect
        }
        else
        {
            ctx.Response.Redirect(PublicSite.Local(ctx.RedirectUri)); // the handler builds it from the Host header
        }

        return Task.CompletedTask;
    }

    public static PersonalDataKeys PersonalDataKeysFrom(IConfiguration configuration)
    {
        var section = configuration.GetSection("Identity:PersonalData");
        var keys = section.GetSection("Keys").GetChildren().ToDictionary(k => k.Key, k => k.Value ?? string.Empty, StringComparer.Ordinal);
        if (keys.Count == 0 || section["ActiveKey"] is not { Length: > 0 } active || section["BlindIndexKey"] is not { Length: > 0 } blind)
        {
            throw new InvalidOperationException(
                "Identity:PersonalData is not configured: set ActiveKey, Keys:<id> (base64, 32 bytes) and BlindIndexKey. See docs/operations.md.");
        }

        return PersonalDataKeys.FromBase64(active, keys, blind);
    }
}

public static class AccountClaims
{
    public const string Kind = "cs:kind";
    public const string SecurityStamp = "cs:stamp";

    /// <summary>The server-side session (row in <c>sessions</c>) a cookie or token belongs to.</summary>
    public const string Session = "cs:sid";
    public const string Client = "cs:client";
    public const string ClientKind = "cs:client-kind";
    public const string Scope = "scope";
    public const string Region = "cs:region";
    public const string Department = "cs:department";

    /// <summary>Present on tokens a partner channel obtained for a citizen: such a token acts only within its scopes.</summary>
    public const string Channel = "cs:channel";

    /// <summary>When this session last proved the phone with a one-time code (unix seconds): sensitive actions need it recent.</summary>
    public const string CodeVerifiedAt = "cs:code-at";
}

/// <summary>Endpoint metadata: a channel-obtained citizen token may call this endpoint if it holds the scope.</summary>
public sealed record ChannelScope(string Scope);

/// <summary>
/// A cookie or token is only good while its server-side session is open, unexpired and of the account's current
/// security stamp: signing out, "sign out everywhere else" and changing the phone (which rotates the stamp) end it.
/// </summary>
public sealed class CurrentSessionRequirement : IAuthorizationRequirement;

public sealed class CurrentSessionHandler(SessionService sessions) : AuthorizationHandler<CurrentSessionRequirement>
{
    private static readonly object Checked = new();

    protected override async Task HandleRequirementAsync(AuthorizationHandlerContext context, CurrentSessionRequirement requirement)
    {
        if (context.User.AccountId() is not { } id)
        {
            return;
        }

        // One query per request, however many policies ask.
        var http = context.Resource as HttpContext;
        if (http?.Items[Checked] is not bool current)
        {
            current = context.User.SessionId() is { } sid && await sessions.IsCurrentAsync(sid, id, http?.RequestAborted ?? default);
            if (http is not null)
            {
                http.Items[Checked] = current;
            }
        }

        if (current)
        {
            context.Succeed(requirement);
        }
        else
        {
            context.Fail(new AuthorizationFailureReason(this, "The session ended (signed out, expired, or the account's security stamp changed)."));
        }
    }
}

/// <summary>An ended session is asked to sign in again (401 / sign-in page), not told it is forbidden.</summary>
public sealed class SessionEndedResultHandler : Microsoft.AspNetCore.Authorization.IAuthorizationMiddlewareResultHandler
{
    private readonly Microsoft.AspNetCore.Authorization.Policy.AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, Microsoft.AspNetCore.Authorization.Policy.PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Forbidden && authorizeResult.AuthorizationFailure?.FailureReasons.Any(r => r.Handler is CurrentSessionHandler) == true)
        {
            if (HostSetup.IsApi(context.Request.Path))
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                await Results.Problem(Problems.Build(context, 401, IdentityErrors.Auth.SessionEnded,
                    new("登录状态已失效，请重新登录。", "Your session has ended; please sign in again."))).ExecuteAsync(context);
            }
            else
            {
                await context.SignOutAsync(IdentityConstants.ApplicationScheme);
                context.Response.Redirect("/signin?ReturnUrl=" + Uri.EscapeDataString(context.Request.PathBase + context.Request.Path + context.Request.QueryString));
            }

            return;
        }

        if (authorizeResult.Challenged && SignatureAuthenticationHandler.NeedsSignedClient(policy))
        {
            // Not "Bearer": only a signed request can call this endpoint, so the 401 says how to sign (WWW-Authenticate: Signature).
            await context.ChallengeAsync(SignatureAuthenticationHandler.SchemeName);
            return;
        }

        await _default.HandleAsync(next, context, policy, authorizeResult);
    }
}

/// <summary>Citizen endpoints refuse channel tokens unless the endpoint names a scope the token holds.</summary>
public sealed class ChannelScopeRequirement : AuthorizationHandler<ChannelScopeRequirement>, IAuthorizationRequirement
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, ChannelScopeRequirement requirement)
    {
        if (context.User.FindFirst(AccountClaims.Channel) is null)
        {
            context.Succeed(requirement);
            return Task.CompletedTask;
        }

        var allowed = (context.Resource as HttpContext)?.GetEndpoint()?.Metadata.GetMetadata<ChannelScope>();
        if (allowed is not null && context.User.HasClaim(AccountClaims.Scope, allowed.Scope))
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}
