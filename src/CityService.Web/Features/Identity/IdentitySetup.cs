using System.Security.Claims;
using CityService.Core.Identity;
using CityService.Core.Storage;
using CityService.Web.Infrastructure;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CityService.Web.Features.Identity;

public static class IdentitySetup
{
    /// <summary>The default scheme: a bearer token when the request carries one, otherwise the session cookie.</summary>
    public const string Scheme = "cityservice";

    public const string CitizenPolicy = "citizen";

    public static void AddIdentityParts(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSingleton(_ => PersonalDataKeysFrom(builder.Configuration)); // checked at start-up, after `migrate`
        services.AddSingleton<PersonalDataProtector>();
        services.AddScoped<OtpService>();
        services.AddScoped<IdentityVerificationService>();
        builder.AddPopulationRegistry();
        if (!services.Any(s => s.ServiceType == typeof(ISmsSender)))
        {
            services.AddSingleton<ISmsSender, ConsoleSmsSender>();
        }

        services.AddIdentityCore<Account>(o =>
            {
                o.Lockout.MaxFailedAccessAttempts = 5;
                o.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(15);
                o.Password.RequiredLength = 8;
                o.Password.RequireNonAlphanumeric = false;
                o.Password.RequireUppercase = false;
            })
            .AddEntityFrameworkStores<CityDbContext>();

        services.AddDataProtection().SetApplicationName("CityService");
        services.AddSingleton<IConfigureOptions<KeyManagementOptions>>(sp => new ConfigureOptions<KeyManagementOptions>(o =>
            o.XmlRepository = new DatabaseXmlRepository(sp.GetRequiredService<IDbContextFactory<CityDbContext>>())));

        var secureCookies = !builder.Environment.IsDevelopment() && !builder.Environment.IsEnvironment("Testing");
        services.AddAuthentication(Scheme)
            .AddPolicyScheme(Scheme, "Bearer token or session cookie", o => o.ForwardDefaultSelector = http =>
                http.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
                    ? IdentityConstants.BearerScheme
                    : IdentityConstants.ApplicationScheme)
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
            .AddPolicy(CitizenPolicy, p => p.AddAuthenticationSchemes(Scheme).RequireAuthenticatedUser().RequireClaim(AccountClaims.Kind, nameof(AccountKind.Citizen)));
    }

    /// <summary>The claims a session or token carries: who, and what kind of account.</summary>
    public static ClaimsPrincipal Principal(Account account, string scheme) => new(new ClaimsIdentity(
        [
            new Claim(ClaimTypes.NameIdentifier, account.Id.ToString()),
            new Claim(AccountClaims.Kind, account.Kind.ToString()),
            new Claim(AccountClaims.SecurityStamp, account.SecurityStamp ?? string.Empty),
        ],
        scheme));

    public static Guid? AccountId(this ClaimsPrincipal user) =>
        Guid.TryParse(user.FindFirstValue(ClaimTypes.NameIdentifier), out var id) ? id : null;

    private static Task Answer(Microsoft.AspNetCore.Authentication.RedirectContext<CookieAuthenticationOptions> ctx, int status)
    {
        if (HostSetup.IsApi(ctx.Request.Path))
        {
            ctx.Response.StatusCode = status; // the API answers 401/403 with a problem detail, never a redirect
        }
        else
        {
            ctx.Response.Redirect(ctx.RedirectUri);
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
}
