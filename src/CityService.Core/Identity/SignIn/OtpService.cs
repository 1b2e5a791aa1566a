using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using CityService.Core.Common;
using CityService.Core.Notifications.Senders;
using Microsoft.EntityFrameworkCore;

namespace CityService.Core.Identity.SignIn;

/// <summary>
/// Phone sign-in with one-time codes. Limits live in the database so every instance enforces the same:
/// per phone one code a minute and ten an hour, per client address thirty an hour.
/// </summary>
public sealed class OtpService(CityDbContext db, PersonalDataProtector protector, ISmsSender sms, ClientLimits limits, Notifications.NotificationService notifications, TimeProvider time, Audit.AuditLog audit)
{
    public static readonly TimeSpan PhoneInterval = TimeSpan.FromMinutes(1);
    public const int PhonePerHour = 10;
    public const int ClientPerHour = 30;

    /// <summary>The gateway did not take the code (it refused or did not answer): try again shortly; the code is not valid.</summary>
    public static readonly Error SmsUnavailable = new(ErrorKind.Unavailable, SenderErrors.SmsUnavailable, new LocalizedText(
        "短信暂时无法发送，请稍后再试。", "The text message could not be sent just now. Please try again shortly."))
    {
        RetryAfter = TimeSpan.FromSeconds(30),
    };

    public Task<Result<TimeSpan>> SendAsync(string? phoneInput, string clientAddress, CancellationToken ct) =>
        SendAsync(phoneInput, clientAddress, null, null, ct);

    /// <summary>
    /// Sends a code under the same limits as sign-in codes. A <paramref name="context"/> (e.g. one pending channel link) is
    /// bound into the code's hash, so the code is accepted only by <see cref="CheckAsync(string?, string?, string?, CancellationToken)"/>
    /// with the same context: a code for a link cannot sign in, and a sign-in code cannot confirm a link.
    /// </summary>
    public async Task<Result<TimeSpan>> SendAsync(string? phoneInput, string clientAddress, string? context, Func<string, LocalizedText>? message, CancellationToken ct)
    {
        var phone = PhoneNumber.Parse(phoneInput);
        if (!phone.IsOk)
        {
            return phone.Error;
        }

        var now = time.GetUtcNow();
        var phoneIndex = protector.BlindIndex(phone.Value.Value, "phone");
        var clientIndex = protector.BlindIndex(clientAddress, "client-address");

        // A refusal needs no lock: the state read now already says no, and more sends can only make it say no again
        // (until they age out). So a rate-limited request is answered from plain reads, and on SQLite never waits for
        // the write lock behind the sends that do go out.
        if ((await PhoneWaitAsync(phoneIndex, now, ct) ?? await limits.ExhaustedAsync("otp", clientIndex, ClientPerHour, TimeSpan.FromHours(1), ct)) is { } early)
        {
            return TooMany(early);
        }

        // Count again and insert under locks, so parallel requests cannot all pass the limits: BEGIN IMMEDIATE on SQLite,
        // and on PostgreSQL transaction-scoped advisory locks, always the phone's first and then the client address's
        // (inside ClientLimits), so two sends never wait for each other in a cycle.
        await using var tx = await db.BeginSerialisedAsync(ct);
        await db.LockAsync(phoneIndex, ct);
        if (await PhoneWaitAsync(phoneIndex, now, ct) is { } phoneWait)
        {
            return TooMany(phoneWait);
        }

        // Only sends that pass the phone's limits count against the address (as before: codes sent per address).
        if (await limits.TryTakeAsync("otp", clientIndex, ClientPerHour, TimeSpan.FromHours(1), ct) is { } wait)
        {
            return TooMany(wait);
        }

        var code = RandomNumberGenerator.GetInt32(0, 1_000_000).ToString("000000", CultureInfo.InvariantCulture);
        var id = Guid.CreateVersion7(now);
        db.OtpChallenges.Add(OtpChallenge.Issue(id, phoneIndex, clientIndex, Hash(id, code, context), now));
        await audit.SaveWithAsync(db, [new(Audit.AuditActions.CodeSent, Audit.AuditActor.Anonymous, Audit.AuditRecord.PhoneObject, phoneIndex,
            Details: Audit.AuditRecord.DetailsOf(new { purpose = context is null ? "sign-in" : "confirm" }))], ct);
        await tx.CommitAsync(ct);

        try
        {
            await sms.SendAsync(phone.Value, message?.Invoke(code) ?? new LocalizedText(
                $"【城市服务】您的登录验证码是 {code}，5 分钟内有效。请勿告诉他人。",
                $"[CityService] Your sign-in code is {code}. It is valid for 5 minutes. Do not share it."), ct);
        }
        catch (SmsNotSentException)
        {
            return SmsUnavailable;
        }

        PlatformMetrics.CodesSent.Add(1, new KeyValuePair<string, object?>("purpose", context is null ? "sign-in" : "confirmation"));
        return OtpChallenge.Lifetime;
    }

    /// <summary>How long until the phone may ask for another code, from its stored challenges (null: it may now).</summary>
    public async Task<TimeSpan?> NextCodeWaitAsync(string? phoneInput, CancellationToken ct)
    {
        var phone = PhoneNumber.Parse(phoneInput);
        return phone.IsOk ? await PhoneWaitAsync(protector.BlindIndex(phone.Value.Value, "phone"), time.GetUtcNow(), ct) : null;
    }

    /// <summary>How long the phone must wait for its next code (one a minute, <see cref="PhonePerHour"/> an hour), or null.</summary>
    private async Task<TimeSpan?> PhoneWaitAsync(string phoneIndex, DateTimeOffset now, CancellationToken ct)
    {
        var hourAgo = now.AddHours(-1);
        var recent = await db.OtpChallenges.AsNoTracking()
            .Where(o => o.PhoneIndex == phoneIndex && o.CreatedAt > hourAgo)
            .Select(o => o.CreatedAt)
            .ToListAsync(ct);
        if (recent.Count > 0 && recent.Max() + PhoneInterval > now)
        {
            return recent.Max() + PhoneInterval - now;
        }

        return recent.Count >= PhonePerHour ? recent.Min().AddHours(1) - now : null;
    }

    /// <summary>Checks a code; on success the challenge is used up and the phone's account is returned (opened at L1 if new).</summary>
    public async Task<Result<Account>> VerifyAsync(string? phoneInput, string? code, CancellationToken ct)
    {
        var checkedPhone = await CheckAsync(phoneInput, code, ct);
        if (!checkedPhone.IsOk)
        {
            PlatformMetrics.SignIns.Add(1, new("method", "code"), new("outcome", "failed"));

            if (PhoneNumber.Parse(phoneInput) is { IsOk: true } tried)
            {
                await audit.RecordSignInFailureAsync(db, protector.BlindIndex(tried.Value.Value, "phone"), "code", checkedPhone.Error.Code, Audit.AuditOutcomes.Failed, ct);
            }

            return checkedPhone.Error;
        }

        var phoneIndex = protector.BlindIndex(checkedPhone.Value.Value, "phone");
        var account = await db.FindOrOpenAccountAsync(AccountKind.Citizen, phoneIndex, () => protector.Encrypt(checkedPhone.Value.Value, "phone"), time.GetUtcNow(), ct);
        PlatformMetrics.SignIns.Add(1, new("method", "code"), new("outcome", "succeeded"));
        return account;
    }

    /// <summary>Checks a code sent to a phone and uses it up; proves the caller holds that phone, nothing more.</summary>
    public Task<Result<PhoneNumber>> CheckAsync(string? phoneInput, string? code, CancellationToken ct) => CheckAsync(phoneInput, code, null, ct);

    /// <summary>Checks a code that was sent with <paramref name="context"/> (see <see cref="SendAsync(string?, string, string?, Func{string, LocalizedText}?, CancellationToken)"/>).</summary>
    public async Task<Result<PhoneNumber>> CheckAsync(string? phoneInput, string? code, string? context, CancellationToken ct)
    {
        var phone = PhoneNumber.Parse(phoneInput);
        if (!phone.IsOk)
        {
            return phone.Error;
        }

        if (code is not { Length: 6 } || !code.All(char.IsAsciiDigit))
        {
            return Error.Invalid("code", IdentityErrors.Otp.Malformed, "验证码是 6 位数字。", "The code is six digits.");
        }

        var now = time.GetUtcNow();
        var phoneIndex = protector.BlindIndex(phone.Value.Value, "phone");
        var challenge = await db.OtpChallenges.AsNoTracking()
            .Where(o => o.PhoneIndex == phoneIndex)
            .OrderByDescending(o => o.CreatedAt)
            .FirstOrDefaultAsync(ct);
        if (challenge is null || !challenge.IsOpen(now))
        {
            return Closed(challenge);
        }

        // Every try is one conditional UPDATE that counts it, and for the right code also uses the code up: only the
        // first tries (at most MaxAttempts) are counted, only one of them can use the code, and an uncounted try is
        // answered from the challenge's state alone (used, or tries exhausted), never from whether its code was right.
        var right = CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Hash(challenge.Id, code, context)), Encoding.ASCII.GetBytes(challenge.CodeHash));
        DateTimeOffset? used = now;
        var open = db.OtpChallenges.Where(o => o.Id == challenge.Id && o.ConsumedAt == null && o.Attempts < OtpChallenge.MaxAttempts);
        var counted = right
            ? await open.ExecuteUpdateAsync(u => u.SetProperty(o => o.Attempts, o => o.Attempts + 1).SetProperty(o => o.ConsumedAt, used), ct)
            : await open.ExecuteUpdateAsync(u => u.SetProperty(o => o.Attempts, o => o.Attempts + 1), ct);
        if (counted == 0)
        {
            return Closed(await db.OtpChallenges.AsNoTracking().SingleAsync(o => o.Id == challenge.Id, ct));
        }

        if (right)
        {
            return phone.Value;
        }

        var left = OtpChallenge.MaxAttempts - (challenge.Attempts + 1);
        return left > 0
            ? Error.Invalid("code", IdentityErrors.Otp.Wrong, $"验证码不正确，还可尝试 {left} 次。", $"The code is wrong; {left} tries left.")
            : AttemptsExhausted;
    }

    /// <summary>Why a challenge takes no more tries: used (or expired) comes first, so losers of a race for the right code hear it was used.</summary>
    private static Error Closed(OtpChallenge? challenge) =>
        challenge is { ConsumedAt: null, Attempts: >= OtpChallenge.MaxAttempts }
            ? AttemptsExhausted
            : Error.Invalid("code", IdentityErrors.Otp.Expired, "验证码已失效或已使用，请重新获取。", "The code has expired or was already used; please request a new one.");

    private static Error AttemptsExhausted =>
        Error.Invalid("code", IdentityErrors.Otp.AttemptsExhausted, "验证码错误次数过多，请重新获取验证码。", "Too many wrong codes; please request a new code.");

    /// <summary>Moves an account to a new phone the caller has just proven to hold (with <see cref="CheckAsync"/>).</summary>
    public async Task<Result<Account>> ChangePhoneAsync(Guid accountId, string? newPhone, string? code, CancellationToken ct)
    {
        var phone = await CheckAsync(newPhone, code, ct);
        if (!phone.IsOk)
        {
            return phone.Error;
        }

        var index = protector.BlindIndex(phone.Value.Value, "phone");
        if (await db.Accounts.AnyAsync(a => a.PhoneIndex == index && a.Id != accountId, ct))
        {
            return new Error(ErrorKind.Conflict, IdentityErrors.Phone.InUse, new("该手机号已被其他账户使用。", "This phone number is used by another account."), "phone");
        }

        var account = await db.Accounts.SingleAsync(a => a.Id == accountId, ct);
        account.ChangePhone(index, protector.Encrypt(phone.Value.Value, "phone"));

        // Told in the same transaction: the inbox, and an SMS to the new number when wanted (the sender looks the phone up
        // when it sends). The old number is not texted: the envelope names the account, whose phone is the new one now.
        await notifications.NotifyAsync(db, accountId, Notifications.NotificationEvents.PhoneChanged, new Dictionary<string, string>
        {
            ["phone"] = phone.Value.Masked,
            ["at"] = Notifications.NotificationEvents.Time(time.GetUtcNow()),
        }, Notifications.NotificationService.PlatformRegion, ct);
        return await db.TrySaveChangesAsync(ct)
            ? account
            : new Error(ErrorKind.Conflict, IdentityErrors.Phone.InUse, new("该手机号已被其他账户使用。", "This phone number is used by another account."), "phone");
    }

    private string Hash(Guid challengeId, string code, string? context) =>
        protector.BlindIndex(challengeId.ToString("N") + ":" + code + (context is null ? string.Empty : ":" + context), "otp");

    private static Error TooMany(TimeSpan wait) => Error.RateLimited(IdentityErrors.Otp.TooMany, wait, seconds => new(
        $"发送验证码过于频繁，请 {seconds} 秒后再试。", $"Too many codes requested; try again in {seconds} seconds."));
}
