using CityService.Core.Common;
using CityService.Core.Identity.Verification.Registry;
using Microsoft.EntityFrameworkCore;

namespace CityService.Core.Identity.Verification;

/// <summary>
/// Raises a citizen's assurance level through the population registry: name + ID number (L2), then a live face
/// bound to a single-use challenge (L3). Tries are limited per day; every check is audited without personal data.
/// </summary>
public sealed class IdentityVerificationService(CityDbContext db, PersonalDataProtector protector, IPopulationRegistry registry, Consent.ConsentService consents, Notifications.NotificationService notifications, TimeProvider time, Audit.AuditLog audit)
{
    public const int IdTriesPerDay = 5;
    public const int FaceTriesPerDay = 3;
    public const double FaceThreshold = 0.85;

    /// <summary>Largest photo accepted (a phone camera's full size); it is scaled down before it goes to the registry.</summary>
    public const int MaxImageBytes = Photo.MaxBytes;

    public async Task<Result<Account>> VerifyIdNumberAsync(Guid accountId, string? name, string? idNumberInput, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var trimmedName = name?.Trim() ?? string.Empty;
        if (trimmedName.Length is 0 or > 40)
        {
            return Error.Invalid("name", IdentityErrors.Verification.NameInvalid, "请填写与身份证一致的姓名（最多 40 个字）。", "Enter your name as on your ID card (at most 40 characters).");
        }

        var idNumber = ResidentIdNumber.Parse(idNumberInput, DateOnly.FromDateTime(now.UtcDateTime));
        if (!idNumber.IsOk)
        {
            return idNumber.Error;
        }

        var account = await db.Accounts.SingleAsync(a => a.Id == accountId, ct);
        if (account.AssuranceLevel >= AssuranceLevel.L2)
        {
            // An identity, once confirmed, is not swapped for another (that would carry a face match over to someone else).
            return new Error(ErrorKind.Conflict, IdentityErrors.Verification.AlreadyVerified, new(
                "您的身份已核验，不能更换为其他身份证号码。如信息有误请联系客服。", "Your identity is already verified and cannot be changed to another ID number. Contact support if it is wrong."), "idNumber");
        }

        if (!await consents.HasSensitiveAsync(accountId, ct))
        {
            return consents.SensitiveRequired; // PIPL art. 29: the ID number goes nowhere without separate consent
        }

        if (await TooManyTries(accountId, VerificationKind.IdNumber, IdTriesPerDay, now, ct) is { } limited)
        {
            return limited;
        }

        var index = protector.BlindIndex(idNumber.Value.Value, "id-number");
        if (await db.Accounts.AnyAsync(a => a.IdNumberIndex == index && a.Id != accountId, ct))
        {
            // Counted as a try, so the answer cannot be used to probe which ID numbers have accounts.
            db.IdentityVerifications.Add(IdentityVerification.Record(accountId, VerificationKind.IdNumber, "id-number-in-use", null, null, now));
            await db.SaveChangesAsync(ct);
            return IdNumberInUse();
        }

        var answer = await registry.VerifyIdentityAsync(trimmedName, idNumber.Value.Value, ct);
        if (answer.IsUnavailable)
        {
            return RegistryUnavailable();
        }

        db.IdentityVerifications.Add(IdentityVerification.Record(accountId, VerificationKind.IdNumber, answer.Reason, null, answer.Reference, now));
        switch (answer.Outcome)
        {
            case RegistryIdentityOutcome.Match:
                account.ConfirmIdentity(protector.Encrypt(trimmedName, "name"), index, protector.Encrypt(idNumber.Value.Value, "id-number"), answer.Reference!, now);
                await NotifyVerifiedAsync(account, now, ct);
                return await audit.TrySaveWithAsync(db, [Verified(accountId, "id-number")], ct) ? account : IdNumberInUse(); // another account bound it a moment ago
            case RegistryIdentityOutcome.NameMismatch:
                await db.SaveChangesAsync(ct);
                return Error.Invalid("name", IdentityErrors.Verification.NameMismatch, "姓名与身份证号码不匹配，请核对后重试。", "The name does not match the ID number; please check and try again.");
            default:
                await db.SaveChangesAsync(ct);
                return Error.Invalid("idNumber", IdentityErrors.Verification.NotRegistered, "户籍系统中查无此身份证号码，请核对后重试。", "The population registry does not know this ID number; please check it.");
        }
    }

    public async Task<Result<FaceChallenge>> StartFaceAsync(Guid accountId, CancellationToken ct)
    {
        var account = await db.Accounts.AsNoTracking().SingleAsync(a => a.Id == accountId, ct);
        if (account.AssuranceLevel < AssuranceLevel.L2)
        {
            return AssuranceRequirement.Missing(AssuranceLevel.L2, account.AssuranceLevel);
        }

        var challenge = FaceChallenge.Issue(accountId, RequestSigning.NewNonce(), time.GetUtcNow());
        db.FaceChallenges.Add(challenge);
        await db.SaveChangesAsync(ct);
        return challenge;
    }

    /// <summary>Level 3 through the API: the photo (JPEG or PNG) as base64, line breaks allowed.</summary>
    public async Task<Result<Account>> VerifyFaceAsync(Guid accountId, string? nonce, string? imageBase64, CancellationToken ct)
    {
        var photo = DecodeBase64(imageBase64);
        return photo.IsOk ? await VerifyFaceAsync(accountId, nonce, photo.Value, ct) : await LevelRequired(accountId, ct) ?? photo.Error;
    }

    /// <summary>Level 3: the photo (JPEG or PNG, at most <see cref="MaxImageBytes"/>) is scaled down and compared by the registry; it is not kept.</summary>
    public async Task<Result<Account>> VerifyFaceAsync(Guid accountId, string? nonce, byte[] upload, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(upload);
        var now = time.GetUtcNow();
        var account = await db.Accounts.SingleAsync(a => a.Id == accountId, ct);
        if (account.AssuranceLevel < AssuranceLevel.L2 || account.IdNumberCipher is null)
        {
            return AssuranceRequirement.Missing(AssuranceLevel.L2, account.AssuranceLevel);
        }

        if (!await consents.HasSensitiveAsync(accountId, ct))
        {
            return consents.SensitiveRequired;
        }

        var prepared = Photo.Prepare(upload);
        if (!prepared.IsOk)
        {
            return prepared.Error;
        }

        var challenge = string.IsNullOrEmpty(nonce) ? null
            : await db.FaceChallenges.SingleOrDefaultAsync(c => c.AccountId == accountId && c.Nonce == nonce, ct);
        if (challenge is null || !challenge.IsOpen(now))
        {
            return Error.Invalid("nonce", IdentityErrors.Verification.FaceChallengeInvalid, "人脸核验已过期或无效，请重新开始。", "The face check has expired or is not valid; please start again.");
        }

        if (await TooManyTries(accountId, VerificationKind.Face, FaceTriesPerDay, now, ct) is { } limited)
        {
            return limited;
        }

        challenge.Use(now);
        var idNumber = protector.Decrypt(account.IdNumberCipher, "id-number");
        var answer = await registry.CompareFaceAsync(idNumber, challenge.Nonce, prepared.Value, ct);
        if (answer.Outcome == RegistryFaceOutcome.Unavailable)
        {
            await db.SaveChangesAsync(ct); // the challenge stays used: a new capture needs a new challenge
            return RegistryUnavailable();
        }

        var matched = answer.Outcome == RegistryFaceOutcome.Compared && answer.IsMatchAt(FaceThreshold);
        db.IdentityVerifications.Add(IdentityVerification.Record(accountId, VerificationKind.Face,
            matched ? "match" : answer.Outcome == RegistryFaceOutcome.Compared ? "no-match" : answer.Outcome.ToString().ToLowerInvariant(),
            answer.Outcome == RegistryFaceOutcome.Compared ? answer.Score : null, answer.Reference, now));
        if (matched)
        {
            account.ConfirmFace(answer.Reference!, now);
            await NotifyVerifiedAsync(account, now, ct);
        }

        await audit.SaveWithAsync(db, matched ? [Verified(accountId, "face")] : [], ct);
        return answer.Outcome switch
        {
            _ when matched => account,
            RegistryFaceOutcome.Rejected => Error.Invalid("image", IdentityErrors.Verification.ImageRejected, "照片无法识别，请在光线充足处正对镜头重拍。", "The photo could not be used; please retake it facing the camera in good light."),
            RegistryFaceOutcome.NotFound => Error.Invalid("idNumber", IdentityErrors.Verification.NoReferencePhoto, "户籍系统中没有您的照片，请到窗口办理。", "The registry holds no photo for you; please visit a service hall."),
            _ => Error.Invalid("image", IdentityErrors.Verification.FaceNoMatch, "人脸比对未通过，请重新拍摄。", "The face did not match; please try again."),
        };
    }

    private async Task<Error?> TooManyTries(Guid accountId, VerificationKind kind, int perDay, DateTimeOffset now, CancellationToken ct)
    {
        var since = now.AddDays(-1);
        var tries = await db.IdentityVerifications.AsNoTracking()
            .Where(v => v.AccountId == accountId && v.Kind == kind && v.At > since)
            .Select(v => v.At)
            .ToListAsync(ct);
        return tries.Count < perDay ? null : Error.RateLimited(IdentityErrors.Verification.TooManyTries,
            $"今天的核验次数已用完（每天 {perDay} 次），请明天再试。", $"You have used today's {perDay} tries; please try again tomorrow.",
            tries.Min().AddDays(1) - now);
    }

    private async Task<Error?> LevelRequired(Guid accountId, CancellationToken ct)
    {
        var level = await db.Accounts.AsNoTracking().Where(a => a.Id == accountId).Select(a => a.AssuranceLevel).SingleAsync(ct);
        return level < AssuranceLevel.L2 ? AssuranceRequirement.Missing(AssuranceLevel.L2, level) : null;
    }

    /// <summary>The photo's bytes, or why the text is not a photo: base64 (line breaks allowed) of at most <see cref="MaxImageBytes"/>.</summary>
    private static Result<byte[]> DecodeBase64(string? base64)
    {
        if (string.IsNullOrWhiteSpace(base64))
        {
            return ImageInvalid();
        }

        var buffer = new byte[(base64.Length / 4 * 3) + 3];
        if (!Convert.TryFromBase64String(base64.Trim(), buffer, out var length))
        {
            return ImageInvalid();
        }

        return length > MaxImageBytes ? Photo.TooLarge() : buffer[..length];
    }

    private static Error ImageInvalid() => Error.Invalid("image", IdentityErrors.Verification.ImageInvalid,
        $"照片须为 JPEG 或 PNG 图片的 base64 编码，且不超过 {Photo.MaxMegabytes} MB。", $"The photo must be a base64-encoded JPEG or PNG image of at most {Photo.MaxMegabytes} MB.");

    private static Error IdNumberInUse() => new(ErrorKind.Conflict, IdentityErrors.Verification.IdNumberInUse, new(
        "该身份证号码已绑定其他账户。如有疑问请联系客服。", "This ID number is already linked to another account. Please contact support if this is unexpected."), "idNumber");

    private static Error RegistryUnavailable() => new(ErrorKind.Unavailable, IdentityErrors.Verification.RegistryUnavailable, new(
        "户籍核验服务暂时不可用，请稍后再试。", "The population registry cannot be reached right now; please try again later."));

    /// <summary>"Your identity was verified": written with the verification, in the same SaveChanges.</summary>
    private Task<Notifications.InboxNotification?> NotifyVerifiedAsync(Account account, DateTimeOffset now, CancellationToken ct) =>
        notifications.NotifyAsync(db, account.Id, Notifications.NotificationEvents.Verified, new Dictionary<string, string>
        {
            ["level"] = account.AssuranceLevel.ToString(),
            ["at"] = Notifications.NotificationEvents.Time(now),
        }, Notifications.NotificationService.PlatformRegion, ct);

    private static Audit.AuditRecord Verified(Guid accountId, string method) =>
        new(Audit.AuditActions.Verified, Audit.AuditActor.Account(accountId), Audit.AuditRecord.AccountObject, accountId.ToString(),
            Details: Audit.AuditRecord.DetailsOf(new { method, level = method == "face" ? "L3" : "L2" }));
}

/// <summary>The one rule for "this needs a higher assurance level": a 403 problem that names the level required.</summary>
public static class AssuranceRequirement
{
    public static Error? Check(AssuranceLevel required, AssuranceLevel current) =>
        current >= required ? null : Missing(required, current);

    public static Error Missing(AssuranceLevel required, AssuranceLevel current) => new(ErrorKind.Forbidden, IdentityErrors.Verification.LevelRequired,
        new($"此事项需要 {required} 级实名认证（您当前为 {current} 级），请先完成身份核验。",
            $"This needs identity assurance level {required} (you are at {current}); please verify your identity first."))
    {
        Extensions = new Dictionary<string, object>
        {
            ["requiredLevel"] = required.ToString(),
            ["currentLevel"] = current.ToString(),
            ["verify"] = required == AssuranceLevel.L3 && current == AssuranceLevel.L2 ? "/api/me/verification/face" : "/api/me/verification/id",
        },
    };
}
