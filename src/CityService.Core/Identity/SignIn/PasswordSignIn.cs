using CityService.Core.Common;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace CityService.Core.Identity.SignIn;

/// <summary>
/// Password-failure state of a phone (by blind index), whether or not the phone has an account, so lockout answers
/// do not tell which phones have one. <see cref="Tries"/> counts password comparisons since the last lockout or success.
/// </summary>
public sealed class SignInLockout
{
    private SignInLockout()
    {
        PhoneIndex = string.Empty;
    }

    public string PhoneIndex { get; private set; }

    public int Tries { get; private set; }

    public DateTimeOffset? LockedUntil { get; private set; }
}

/// <summary>
/// Phone + password sign-in. Per client address <see cref="ClientPerWindow"/> tries per <see cref="ClientWindow"/>
/// (each costs a password hash); per phone, Identity's lockout settings (5 comparisons, then 15 minutes locked), for
/// phones with and without an account alike: both hash, both count, both lock.
/// </summary>
public sealed class PasswordSignIn(
    CityDbContext db, PersonalDataProtector protector, IPasswordHasher<Account> hasher, IOptions<IdentityOptions> identity, ClientLimits limits, TimeProvider time, Audit.AuditLog audit)
{
    public const int ClientPerWindow = 60;
    public static readonly TimeSpan ClientWindow = TimeSpan.FromMinutes(15);

    private static readonly Lazy<string> DummyHash = new(() => new PasswordHasher<Account>().HashPassword(null!, "not-a-real-password"));

    public async Task<Result<Account>> SignInAsync(string? phoneInput, string? password, string clientAddress, CancellationToken ct)
    {
        var result = await CheckAsync(phoneInput, password, clientAddress, ct);
        PlatformMetrics.SignIns.Add(1, new("method", "password"), new("outcome", result.IsOk ? "succeeded" : "failed"));
        return result;
    }

    private async Task<Result<Account>> CheckAsync(string? phoneInput, string? password, string clientAddress, CancellationToken ct)
    {
        var phone = PhoneNumber.Parse(phoneInput);
        if (!phone.IsOk)
        {
            return phone.Error;
        }

        var wait = await limits.TryTakeAsync("password", protector.BlindIndex(clientAddress, "client-address"), ClientPerWindow, ClientWindow, ct);
        if (wait is { } w)
        {
            return TooMany(w);
        }

        var phoneIndex = protector.BlindIndex(phone.Value.Value, "phone");
        var locked = await ReserveTryAsync(phoneIndex, ct);
        if (locked is { } until)
        {
            // Not audited: the wrong passwords that set the lock were; a flood of refused tries would only queue on the chain.
            return LockedOut(until);
        }

        var account = await db.Accounts.AsNoTracking().FirstOrDefaultAsync(a => a.PhoneIndex == phoneIndex, ct);
        var verdict = PasswordVerificationResult.Failed;
        if (account?.PasswordHash is { } hash && !string.IsNullOrEmpty(password))
        {
            verdict = hasher.VerifyHashedPassword(account, hash, password);
        }
        else
        {
            // Hash anyway, so the answer takes as long whether or not the phone has an account (or a password).
            hasher.VerifyHashedPassword(null!, DummyHash.Value, password ?? string.Empty);
        }

        if (verdict == PasswordVerificationResult.Failed)
        {
            await audit.RecordSignInFailureAsync(db, phoneIndex, "password", IdentityErrors.Auth.PasswordInvalid, Audit.AuditOutcomes.Failed, ct);
            return Error.Invalid("password", IdentityErrors.Auth.PasswordInvalid, "手机号或密码不正确。", "The phone number or password is wrong.");
        }

        DateTimeOffset? open = null;
        await db.Set<SignInLockout>().Where(l => l.PhoneIndex == phoneIndex)
            .ExecuteUpdateAsync(u => u.SetProperty(l => l.Tries, 0).SetProperty(l => l.LockedUntil, open), ct);
        if (verdict == PasswordVerificationResult.SuccessRehashNeeded)
        {
            var rehashed = hasher.HashPassword(account!, password!);
            await db.Accounts.Where(a => a.Id == account!.Id).ExecuteUpdateAsync(u => u.SetProperty(a => a.PasswordHash, rehashed), ct);
        }

        return account!;
    }

    /// <summary>
    /// Counts one comparison before it is made, with one conditional UPDATE: the try that reaches the limit sets the
    /// lock at once, so tries already past this point never exceed it, however many run in parallel. Returns the end of
    /// the lock when no try is left.
    /// </summary>
    private async Task<DateTimeOffset?> ReserveTryAsync(string phoneIndex, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var max = identity.Value.Lockout.MaxFailedAccessAttempts;
        DateTimeOffset? until = now + identity.Value.Lockout.DefaultLockoutTimeSpan;
        DateTimeOffset? open = null;
        await db.Database.ExecuteSqlInterpolatedAsync(
            $"INSERT INTO sign_in_lockouts (phone_index, tries, locked_until) VALUES ({phoneIndex}, 0, NULL) ON CONFLICT (phone_index) DO NOTHING", ct);
        var reserved = await db.Set<SignInLockout>()
            .Where(l => l.PhoneIndex == phoneIndex && (l.LockedUntil == null || l.LockedUntil <= now))
            .ExecuteUpdateAsync(u => u
                .SetProperty(l => l.Tries, l => l.LockedUntil == null ? l.Tries + 1 : 1) // a lock that has ended starts afresh
                .SetProperty(l => l.LockedUntil, l => (l.LockedUntil == null ? l.Tries + 1 : 1) >= max ? until : open), ct);
        if (reserved == 1)
        {
            return null;
        }

        var lockedUntil = await db.Set<SignInLockout>().AsNoTracking().Where(l => l.PhoneIndex == phoneIndex).Select(l => l.LockedUntil).SingleAsync(ct);
        return lockedUntil is { } end && end > now ? end : now.AddSeconds(1); // a success just opened it: try again
    }

    /// <summary>
    /// Sets or replaces the account's optional password, checked by Identity's password rules (8 characters, a digit and
    /// a lower-case letter). The caller has checked that the person re-authenticated with a code.
    /// </summary>
    public static async Task<Result<Account>> SetAsync(UserManager<Account> users, Guid accountId, string? password)
    {
        var account = await users.FindByIdAsync(accountId.ToString());
        if (account is null)
        {
            return Error.NotFound(IdentityErrors.Auth.AccountNotFound, "账户不存在。", "The account does not exist.");
        }

        foreach (var validator in users.PasswordValidators)
        {
            if (string.IsNullOrEmpty(password) || !(await validator.ValidateAsync(users, account, password)).Succeeded)
            {
                return Error.Invalid("password", IdentityErrors.Auth.PasswordWeak,
                    "密码至少 8 位，且须包含数字和小写字母。", "A password needs at least 8 characters, with a digit and a lower-case letter.");
            }
        }

        account.PasswordHash = users.PasswordHasher.HashPassword(account, password!);
        var saved = await users.UpdateAsync(account);
        return saved.Succeeded
            ? account
            : throw new InvalidOperationException("Saving the password failed: " + string.Join(", ", saved.Errors.Select(e => e.Code)));
    }

    private Error LockedOut(DateTimeOffset until)
    {
        var wait = until - time.GetUtcNow();
        return Error.RateLimited(IdentityErrors.Auth.LockedOut,
            "密码错误次数过多，账户已暂时锁定；可改用短信验证码登录。", "Too many wrong passwords: the account is locked for a while; you can still sign in with a text-message code.",
            wait > TimeSpan.Zero ? wait : TimeSpan.FromSeconds(1));
    }

    private static Error TooMany(TimeSpan wait) => Error.RateLimited(IdentityErrors.Auth.TooMany, wait, seconds => new(
        $"登录尝试过于频繁，请 {seconds} 秒后再试。", $"Too many sign-in attempts; try again in {seconds} seconds."));
}

public sealed class SignInLockoutConfiguration : IEntityTypeConfiguration<SignInLockout>
{
    public void Configure(EntityTypeBuilder<SignInLockout> builder)
    {
        builder.ToTable("sign_in_lockouts");
        builder.HasKey(l => l.PhoneIndex);
    }
}
