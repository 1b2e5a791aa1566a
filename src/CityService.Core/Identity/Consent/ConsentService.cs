using CityService.Core.Common;

namespace CityService.Core.Identity.Consent;

/// <summary>The current versions of the documents a citizen agrees to; the host reads them from its policy documents.</summary>
/// <param name="Terms">The user agreement's version.</param>
/// <param name="Privacy">The privacy policy's version; the separate consent to sensitive data refers to the same document.</param>
public sealed record ConsentDocuments(string Terms, string Privacy)
{
    public string VersionOf(ConsentKind kind) => kind == ConsentKind.Terms ? Terms : Privacy;
}

/// <summary>
/// Records and withdraws consents (PIPL). Signing in needs agreement to the current user agreement and privacy policy,
/// every time: a new version is asked for at the next sign-in. Identity verification needs its own, separate consent.
/// </summary>
public sealed class ConsentService(CityDbContext db, ConsentDocuments documents, TimeProvider time, Audit.AuditLog audit)
{
    public ConsentDocuments Documents => documents;

    /// <summary>Whether the versions a sign-in agreed to are the current ones (both must be named, neither may be stale).</summary>
    public Error? CheckSignIn(string? terms, string? privacy) =>
        string.Equals(terms, documents.Terms, StringComparison.Ordinal) && string.Equals(privacy, documents.Privacy, StringComparison.Ordinal)
            ? null
            : new Error(ErrorKind.Invalid, IdentityErrors.Consent.Required, new(
                $"请阅读并同意《用户协议》（版本 {documents.Terms}）和《隐私政策》（版本 {documents.Privacy}）后登录。",
                $"Please read and agree to the user agreement (version {documents.Terms}) and the privacy policy (version {documents.Privacy}) to sign in."), "agreed")
            {
                Extensions = new Dictionary<string, object> { ["documents"] = new Dictionary<string, string> { ["terms"] = documents.Terms, ["privacy"] = documents.Privacy } },
            };

    /// <summary>Records the sign-in's agreement to the current versions; a version already agreed to (and not withdrawn) is not recorded twice.</summary>
    public Task RecordSignInAsync(Guid accountId, ConsentChannel channel, CancellationToken ct) =>
        RecordAsync(accountId, [ConsentKind.Terms, ConsentKind.Privacy], channel, ct);

    /// <summary>Whether the account has agreed (and not withdrawn) to have its ID number and face processed, under the current privacy policy.</summary>
    public Task<bool> HasSensitiveAsync(Guid accountId, CancellationToken ct) =>
        db.Set<ConsentRecord>().AnyAsync(c => c.AccountId == accountId && c.Kind == ConsentKind.SensitiveIdentity && c.Version == documents.Privacy && c.WithdrawnAt == null, ct);

    /// <summary>Records consent to process sensitive data, given with the version shown to the citizen; a stale or missing version is refused.</summary>
    public async Task<Error?> AgreeSensitiveAsync(Guid accountId, string? version, ConsentChannel channel, CancellationToken ct)
    {
        if (!string.Equals(version, documents.Privacy, StringComparison.Ordinal))
        {
            return SensitiveRequired;
        }

        await RecordAsync(accountId, [ConsentKind.SensitiveIdentity], channel, ct);
        return null;
    }

    public Error SensitiveRequired => new(ErrorKind.Forbidden, IdentityErrors.Consent.SensitiveRequired, new(
        "实名认证需要处理您的姓名、身份证号码和人脸图像（敏感个人信息），请先单独同意。",
        "Identity verification processes your name, ID number and face image (sensitive personal information): please give your separate consent first."), "consent")
    {
        Extensions = new Dictionary<string, object> { ["version"] = documents.Privacy },
    };

    /// <summary>Every consent of the account, newest first, withdrawn ones included.</summary>
    public async Task<IReadOnlyList<ConsentRecord>> ListAsync(Guid accountId, CancellationToken ct)
    {
        var records = await db.Set<ConsentRecord>().AsNoTracking().Where(c => c.AccountId == accountId).ToListAsync(ct);
        return records.OrderByDescending(c => c.GivenAt).ThenBy(c => c.Kind).ToList();
    }

    /// <summary>
    /// Withdraws one consent. The user agreement or privacy policy: every session of the account ends (using the platform
    /// needs them; the next sign-in asks again). The sensitive-data consent: the verified name, ID number and registry
    /// references are erased and the level drops to 1 (verifying again asks for consent again).
    /// </summary>
    public async Task<Result<ConsentRecord>> WithdrawAsync(Guid accountId, Guid consentId, CancellationToken ct)
    {
        var record = await db.Set<ConsentRecord>().FirstOrDefaultAsync(c => c.Id == consentId && c.AccountId == accountId, ct);
        if (record is null)
        {
            return Error.NotFound(IdentityErrors.Consent.NotFound, "没有找到这项同意记录。", "This consent was not found.", "id");
        }

        if (!record.Active)
        {
            return record;
        }

        var now = time.GetUtcNow();
        var account = await db.Accounts.SingleAsync(a => a.Id == accountId, ct);
        var sameKind = await db.Set<ConsentRecord>().Where(c => c.AccountId == accountId && c.Kind == record.Kind && c.WithdrawnAt == null).ToListAsync(ct);
        foreach (var active in sameKind)
        {
            active.Withdraw(now); // withdrawing a kind withdraws it whatever version it was given for
        }

        if (record.Kind == ConsentKind.SensitiveIdentity)
        {
            account.EraseVerification();
        }
        else
        {
            account.EndAllSessions();
        }

        await audit.SaveWithAsync(db, [Audited(Audit.AuditActions.ConsentWithdrawn, accountId, record.Kind, record.Version, null)], ct);
        return record;
    }

    private async Task RecordAsync(Guid accountId, ConsentKind[] kinds, ConsentChannel channel, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var given = new List<Audit.AuditRecord>();
        foreach (var kind in kinds)
        {
            var version = documents.VersionOf(kind);
            if (!await db.Set<ConsentRecord>().AnyAsync(c => c.AccountId == accountId && c.Kind == kind && c.Version == version && c.WithdrawnAt == null, ct))
            {
                db.Set<ConsentRecord>().Add(ConsentRecord.Give(accountId, kind, version, channel, now));
                given.Add(Audited(Audit.AuditActions.ConsentGiven, accountId, kind, version, channel));
            }
        }

        if (given.Count == 0)
        {
            await db.SaveChangesAsync(ct);
            return;
        }

        await audit.SaveWithAsync(db, given, ct);
    }

    private static Audit.AuditRecord Audited(string action, Guid accountId, ConsentKind kind, string version, ConsentChannel? channel) =>
        new(action, Audit.AuditActor.Account(accountId), Audit.AuditRecord.AccountObject, accountId.ToString(),
            Details: Audit.AuditRecord.DetailsOf(new { kind = System.Text.Json.JsonNamingPolicy.KebabCaseLower.ConvertName(kind.ToString()), version, channel = channel?.ToString().ToLowerInvariant() }));
}
