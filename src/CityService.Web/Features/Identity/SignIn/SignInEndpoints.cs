using System.Security.Claims;
using CityService.Core.Identity;
using CityService.Core.Identity.Clients;
using CityService.Core.Identity.Consent;
using CityService.Core.Identity.SignIn;
using CityService.Core.Storage;
using CityService.Web.Infrastructure;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace CityService.Web.Features.Identity.SignIn;

public sealed record OtpRequest(string? Phone);

public sealed record OtpSent(int ExpiresInSeconds);

/// <summary>The versions of the user agreement and privacy policy the client showed and the citizen agreed to (<c>GET /api/site/policies</c>).</summary>
public sealed record AgreedVersions(string? Terms, string? Privacy);

public sealed record OtpVerifyRequest(string? Phone, string? Code, AgreedVersions? Agreed);

public sealed record PasswordSignInRequest(string? Phone, string? Password, AgreedVersions? Agreed);

public sealed record ChangePhoneRequest(string? Phone, string? Code);

public sealed record SetPasswordRequest(string? Password);

/// <summary>The signed-in person as they see themselves: personal data masked, even to the owner in this view.</summary>
public sealed record ProfileDto(
    Guid Id,
    AccountKind Kind,
    AssuranceLevel AssuranceLevel,
    string PhoneMasked,
    string? NameMasked,
    string? IdNumberMasked,
    DateTimeOffset? IdVerifiedAt,
    DateTimeOffset? FaceVerifiedAt,
    bool HasPassword);

/// <summary>Sign-in (code, password) and the account's own credentials (profile, phone, password): <c>/api/auth</c>, <c>/api/me</c>.</summary>
public static class SignInEndpoints
{
    public static void AddSignIn(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddScoped<OtpService>();
        services.AddScoped<ClientLimits>();
        services.AddScoped<PasswordSignIn>();
        services.AddSingleton<SessionService>();
        // ISmsSender: the configured SMS gateway (Features/Notifications/Senders), or its simulator where chosen.
    }

    public static IEndpointRouteBuilder MapSignIn(this IEndpointRouteBuilder app)
    {
        var auth = app.MapGroup("/api/auth").WithTags("Identity").AllowAnonymous()
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status429TooManyRequests);
        auth.MapPost("/otp", SendCode).WithName("SendSignInCode").WithSummary("Sends a 6-digit sign-in code to a phone (valid 5 minutes).");
        auth.MapPost("/password", SignInWithPassword).WithName("SignInWithPassword").Produces<AccessTokenResponse>()
            .WithSummary("Phone + password, with `agreed` as for a code (set after a first sign-in by code; staff accounts); 5 wrong passwords lock the phone for 15 minutes, whether or not it has an account; 60 tries per client address per 15 minutes.");
        auth.MapPost("/otp/verify", VerifyCode).WithName("VerifySignInCode").Produces<AccessTokenResponse>().WithSummary("Checks the code and returns a bearer token for the API. `agreed` names the current versions of the user agreement and privacy policy (GET /api/site/policies) the citizen agreed to; without them (or with old ones) the answer is 400 consent.required, listing the current versions, and the code is not used up.");

        var me = app.MapGroup("/api/me").WithTags("Identity").RequireAuthorization(IdentitySetup.CitizenPolicy)
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        me.MapGet("", GetProfile).WithMetadata(new ChannelScope(Scopes.ProfileRead)).WithName("GetProfile").WithSummary("The signed-in citizen's profile with assurance level; personal data masked.");
        me.MapPost("/phone", ChangePhone).WithName("ChangePhone")
            .WithSummary("Moves the account to a new phone: needs a code verified in the last 5 minutes (re-authentication) and a code sent to the new phone; other sessions end.");
        me.MapPut("/password", SetPassword).WithName("SetPassword")
            .WithSummary("Sets or replaces the optional password; needs a code verified in the last 5 minutes.");
        return app;
    }

    public static async Task<Results<Accepted<OtpSent>, ProblemHttpResult>> SendCode(OtpRequest request, OtpService otp, HttpContext http, CancellationToken ct)
    {
        var client = http.ClientAddress();
        var sent = await otp.SendAsync(request.Phone, client, ct);
        return sent.IsOk
            ? TypedResults.Accepted((string?)null, new OtpSent((int)sent.Value.TotalSeconds))
            : Problems.From(sent.Error, http);
    }

    public static async Task<Results<SignInHttpResult, ProblemHttpResult>> VerifyCode(
        OtpVerifyRequest request, OtpService otp, ConsentService consents, TimeProvider time, HttpContext http, CancellationToken ct)
    {
        if (consents.CheckSignIn(request.Agreed?.Terms, request.Agreed?.Privacy) is { } refused)
        {
            return Problems.From(refused, http);
        }

        var account = await otp.VerifyAsync(request.Phone, request.Code, ct);
        if (!account.IsOk)
        {
            return Problems.From(account.Error, http);
        }

        await consents.RecordSignInAsync(account.Value.Id, ConsentChannel.Api, ct);
        var session = await http.OpenSessionAsync(account.Value, SessionKind.Api, SignInMethod.Code);
        return TypedResults.SignIn(IdentitySetup.Principal(account.Value, IdentityConstants.BearerScheme, session, codeVerifiedAt: time.GetUtcNow()), authenticationScheme: IdentityConstants.BearerScheme);
    }

    public static async Task<Results<SignInHttpResult, ProblemHttpResult>> SignInWithPassword(
        PasswordSignInRequest request, PasswordSignIn passwords, ConsentService consents, HttpContext http, CancellationToken ct)
    {
        if (consents.CheckSignIn(request.Agreed?.Terms, request.Agreed?.Privacy) is { } refused)
        {
            return Problems.From(refused, http);
        }

        var client = http.ClientAddress();
        var account = await passwords.SignInAsync(request.Phone, request.Password, client, ct);
        if (!account.IsOk)
        {
            return Problems.From(account.Error, http);
        }

        await consents.RecordSignInAsync(account.Value.Id, ConsentChannel.Api, ct);
        var session = await http.OpenSessionAsync(account.Value, SessionKind.Api, SignInMethod.Password);
        return TypedResults.SignIn(IdentitySetup.Principal(account.Value, IdentityConstants.BearerScheme, session), authenticationScheme: IdentityConstants.BearerScheme);
    }

    public static async Task<Results<Ok<ProfileDto>, ProblemHttpResult>> GetProfile(
        ClaimsPrincipal user, CityDbContext db, PersonalDataProtector protector, HttpContext http, CancellationToken ct)
    {
        var id = user.AccountId();
        var account = id is null ? null : await db.Accounts.AsNoTracking().FirstOrDefaultAsync(a => a.Id == id, ct);
        if (account is null) // the citizen policy has checked the security stamp already
        {
            return Problems.From(new Core.Common.Error(Core.Common.ErrorKind.Forbidden, IdentityErrors.Auth.SessionEnded,
                new("登录状态已失效，请重新登录。", "Your session has ended; please sign in again.")), http);
        }

        return TypedResults.Ok(ToProfile(account, protector));
    }

    public static async Task<Results<Ok<ProfileDto>, ProblemHttpResult>> ChangePhone(
        ChangePhoneRequest request, ClaimsPrincipal user, OtpService otp, PersonalDataProtector protector, TimeProvider time, HttpContext http, CancellationToken ct)
    {
        if (!user.HasFreshCode(time.GetUtcNow()))
        {
            return Problems.From(ReauthenticationRequired, http);
        }

        var account = await otp.ChangePhoneAsync(user.AccountId()!.Value, request.Phone, request.Code, ct);
        return account.IsOk ? TypedResults.Ok(ToProfile(account.Value, protector)) : Problems.From(account.Error, http);
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> SetPassword(
        SetPasswordRequest request, ClaimsPrincipal user, UserManager<Account> users, TimeProvider time, HttpContext http)
    {
        if (!user.HasFreshCode(time.GetUtcNow()))
        {
            return Problems.From(ReauthenticationRequired, http);
        }

        var set = await PasswordSignIn.SetAsync(users, user.AccountId()!.Value, request.Password);
        return set.IsOk ? TypedResults.NoContent() : Problems.From(set.Error, http);
    }

    private static Core.Common.Error ReauthenticationRequired => new(Core.Common.ErrorKind.Forbidden, IdentityErrors.Auth.ReauthenticationRequired,
        new("为保护您的账户，请先用短信验证码重新登录（5 分钟内有效）。", "To protect your account, sign in again with a text-message code first (valid for 5 minutes)."))
    {
        Extensions = new Dictionary<string, object> { ["reauthenticate"] = "/api/auth/otp" },
    };

    public static ProfileDto ToProfile(Account account, PersonalDataProtector protector)
    {
        var phone = protector.Decrypt(account.PhoneCipher, "phone");
        var name = account.NameCipher is { } n ? protector.Decrypt(n, "name") : null;
        var idNumber = account.IdNumberCipher is { } c ? protector.Decrypt(c, "id-number") : null;
        return new ProfileDto(
            account.Id,
            account.Kind,
            account.AssuranceLevel,
            PhoneNumber.Mask(phone),
            name is null ? null : name[..1] + new string('*', Math.Max(1, name.Length - 1)),
            idNumber is null ? null : ResidentIdNumber.Mask(idNumber),
            account.IdVerifiedAt,
            account.FaceVerifiedAt,
            account.PasswordHash is not null);
    }
}
