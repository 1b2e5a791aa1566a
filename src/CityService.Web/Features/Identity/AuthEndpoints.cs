using System.Security.Claims;
using CityService.Core.Identity;
using CityService.Core.Storage;
using CityService.Web.Infrastructure;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace CityService.Web.Features.Identity;

public sealed record OtpRequest(string? Phone);

public sealed record OtpSent(int ExpiresInSeconds);

public sealed record OtpVerifyRequest(string? Phone, string? Code);

public sealed record PasswordSignInRequest(string? Phone, string? Password);

public sealed record ChangePhoneRequest(string? Phone, string? Code);

public sealed record SetPasswordRequest(string? Password);

public sealed record IdVerificationRequest(string? Name, string? IdNumber);

public sealed record FaceChallengeDto(string Nonce, DateTimeOffset ExpiresAt);

/// <summary>The photo is base64 (line breaks allowed) of a PNG of at most <see cref="IdentityVerificationService.MaxImageBytes"/>.</summary>
public sealed record FaceVerificationRequest(string? Nonce, [property: Text(FaceVerificationRequest.MaxImageChars, Core.Common.TextKind.MultiLine)] string? Image)
{
    public const int MaxImageChars = (IdentityVerificationService.MaxImageBytes / 3 * 4) + 1024;
}

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

public static class AuthEndpoints
{
    public static IEndpointRouteBuilder MapIdentity(this IEndpointRouteBuilder app)
    {
        var auth = app.MapGroup("/api/auth").WithTags("Identity").AllowAnonymous()
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status429TooManyRequests);
        auth.MapPost("/otp", SendCode).WithName("SendSignInCode").WithSummary("Sends a 6-digit sign-in code to a phone (valid 5 minutes).");
        auth.MapPost("/password", SignInWithPassword).WithName("SignInWithPassword").Produces<AccessTokenResponse>()
            .WithSummary("Phone + password (set after a first sign-in by code; staff accounts); 5 wrong passwords lock the phone for 15 minutes, whether or not it has an account; 60 tries per client address per 15 minutes.");
        auth.MapPost("/otp/verify", VerifyCode).WithName("VerifySignInCode").Produces<AccessTokenResponse>().WithSummary("Checks the code and returns a bearer token for the API.");

        var me = app.MapGroup("/api/me").WithTags("Identity").RequireAuthorization(IdentitySetup.CitizenPolicy)
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        me.MapGet("", GetProfile).WithMetadata(new ChannelScope(Scopes.ProfileRead)).WithName("GetProfile").WithSummary("The signed-in citizen's profile with assurance level; personal data masked.");
        me.MapPost("/phone", ChangePhone).WithName("ChangePhone")
            .WithSummary("Moves the account to a new phone: needs a code verified in the last 5 minutes (re-authentication) and a code sent to the new phone; other sessions end.");
        me.MapPut("/password", SetPassword).WithName("SetPassword")
            .WithSummary("Sets or replaces the optional password; needs a code verified in the last 5 minutes.");
        me.MapPost("/verification/id", VerifyIdNumber).WithName("VerifyIdNumber")
            .WithSummary("Level 2: the population registry confirms name and resident ID number.");
        me.MapPost("/verification/face/challenge", StartFace).WithName("StartFaceVerification")
            .WithSummary("A single-use nonce the live photo is bound to (valid 3 minutes).");
        me.MapPost("/verification/face", VerifyFace).WithName("VerifyFace")
            .WithSummary("Level 3: the registry matches a live photo (base64 PNG) against its reference photo; the photo is not kept.");
        app.MapSessions();
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

    public static async Task<Results<SignInHttpResult, ProblemHttpResult>> VerifyCode(OtpVerifyRequest request, OtpService otp, TimeProvider time, HttpContext http, CancellationToken ct)
    {
        var account = await otp.VerifyAsync(request.Phone, request.Code, ct);
        if (!account.IsOk)
        {
            return Problems.From(account.Error, http);
        }

        var session = await http.OpenSessionAsync(account.Value, SessionKind.Api, SignInMethod.Code);
        return TypedResults.SignIn(IdentitySetup.Principal(account.Value, IdentityConstants.BearerScheme, session, codeVerifiedAt: time.GetUtcNow()), authenticationScheme: IdentityConstants.BearerScheme);
    }

    public static async Task<Results<SignInHttpResult, ProblemHttpResult>> SignInWithPassword(
        PasswordSignInRequest request, PasswordSignIn passwords, HttpContext http, CancellationToken ct)
    {
        var client = http.ClientAddress();
        var account = await passwords.SignInAsync(request.Phone, request.Password, client, ct);
        if (!account.IsOk)
        {
            return Problems.From(account.Error, http);
        }

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
            return Problems.From(new Core.Common.Error(Core.Common.ErrorKind.Forbidden, "auth.session-ended",
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

        var account = await users.FindByIdAsync(user.AccountId()!.Value.ToString());
        if (account is null)
        {
            return Problems.From(ReauthenticationRequired, http);
        }

        foreach (var validator in users.PasswordValidators)
        {
            if (string.IsNullOrEmpty(request.Password) || !(await validator.ValidateAsync(users, account, request.Password)).Succeeded)
            {
                return Problems.From(Core.Common.Error.Invalid("password", "auth.password-weak",
                    "密码至少 8 位，且须包含数字和小写字母。", "A password needs at least 8 characters, with a digit and a lower-case letter."), http);
            }
        }

        account.PasswordHash = users.PasswordHasher.HashPassword(account, request.Password!);
        var saved = await users.UpdateAsync(account);
        return saved.Succeeded
            ? TypedResults.NoContent()
            : throw new InvalidOperationException("Saving the password failed: " + string.Join(", ", saved.Errors.Select(e => e.Code)));
    }

    private static Core.Common.Error ReauthenticationRequired => new(Core.Common.ErrorKind.Forbidden, "auth.reauthentication-required",
        new("为保护您的账户，请先用短信验证码重新登录（5 分钟内有效）。", "To protect your account, sign in again with a text-message code first (valid for 5 minutes)."))
    {
        Extensions = new Dictionary<string, object> { ["reauthenticate"] = "/api/auth/otp" },
    };

    public static async Task<Results<Ok<ProfileDto>, ProblemHttpResult>> VerifyIdNumber(
        IdVerificationRequest request, ClaimsPrincipal user, IdentityVerificationService verification, PersonalDataProtector protector, HttpContext http, CancellationToken ct)
    {
        var account = await verification.VerifyIdNumberAsync(user.AccountId()!.Value, request.Name, request.IdNumber, ct);
        return account.IsOk ? TypedResults.Ok(ToProfile(account.Value, protector)) : Problems.From(account.Error, http);
    }

    public static async Task<Results<Ok<FaceChallengeDto>, ProblemHttpResult>> StartFace(
        ClaimsPrincipal user, IdentityVerificationService verification, HttpContext http, CancellationToken ct)
    {
        var challenge = await verification.StartFaceAsync(user.AccountId()!.Value, ct);
        return challenge.IsOk ? TypedResults.Ok(new FaceChallengeDto(challenge.Value.Nonce, challenge.Value.ExpiresAt)) : Problems.From(challenge.Error, http);
    }

    public static async Task<Results<Ok<ProfileDto>, ProblemHttpResult>> VerifyFace(
        FaceVerificationRequest request, ClaimsPrincipal user, IdentityVerificationService verification, PersonalDataProtector protector, HttpContext http, CancellationToken ct)
    {
        var account = await verification.VerifyFaceAsync(user.AccountId()!.Value, request.Nonce, request.Image, ct);
        return account.IsOk ? TypedResults.Ok(ToProfile(account.Value, protector)) : Problems.From(account.Error, http);
    }

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
