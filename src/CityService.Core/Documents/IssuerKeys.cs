using System.Collections.Concurrent;
using System.Security.Cryptography;
using CityService.Core.Audit;
using CityService.Core.Common;
using CityService.Core.Identity;

namespace CityService.Core.Documents;

/// <summary>One issuer's current signing key, ready to sign (the private key decrypted in memory).</summary>
public sealed class IssuerSigner(DocumentIssuer issuer, string keyId, ECDsa key) : IDisposable
{
    public DocumentIssuer Issuer { get; } = issuer;

    public string KeyId { get; } = keyId;

    /// <summary>The JWS compact of <paramref name="claims"/>, whose <c>iss</c> must be this issuer.</summary>
    public string Sign(DocumentClaims claims)
    {
        ArgumentNullException.ThrowIfNull(claims);
        if (claims.Issuer != Issuer.Code)
        {
            throw new ArgumentException($"Claims name issuer {claims.Issuer}, this key belongs to {Issuer.Code}.", nameof(claims));
        }

        return DocumentEnvelope.Sign(key, KeyId, claims);
    }

    public void Dispose() => key.Dispose();
}

/// <summary>A key as operators see it (the admin API, the <c>keys</c> command).</summary>
public sealed record IssuerKeyInfo(string KeyId, string IssuerCode, DateTimeOffset CreatedAt, DateTimeOffset? RetiredAt, DateTimeOffset? RevokedAt, string? RevocationReason)
{
    public bool Signs => RetiredAt is null && RevokedAt is null;

    public static IssuerKeyInfo Of(IssuerKey k) => new(k.KeyId, k.IssuerCode, k.CreatedAt, k.RetiredAt, k.RevokedAt, k.RevocationReason);
}

/// <summary>
/// The issuers' keys (docs/signed-documents.md): an issuer's first key is generated on first use and stored with its
/// private half sealed; signers are kept in memory. Call <see cref="SignerAsync"/> outside any open transaction (it may
/// write the new key with its own context), then sign inside it.
/// <para>
/// At most one key per issuer signs: a partial unique index (<c>ux_issuer_keys_issuer_code_current</c>) and a lock per
/// issuer make concurrent first use by many requests and instances end with one key. A cached signer is trusted for
/// <c>refresh</c> (<c>Documents:KeyRefresh</c>, 30 s) and then re-checked against the database, so an instance keeps
/// signing with a key that another instance rotated or revoked for at most that long.
/// </para>
/// </summary>
public sealed class IssuerKeys(IDbContextFactory<CityDbContext> dbs, Func<PersonalDataProtector> protector, TimeProvider time, TimeSpan? refresh = null) : IDisposable
{
    public static readonly TimeSpan DefaultRefresh = TimeSpan.FromSeconds(30);

    public const int MaxReasonLength = 200;

    private sealed record Cached(IssuerSigner Signer, DateTimeOffset CheckedAt);

    private readonly ConcurrentDictionary<string, Cached> _signers = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly AuditLog _audit = new(time);
    private readonly TimeSpan _refresh = refresh ?? DefaultRefresh;

    /// <summary>How long a cached signer is used before the current key id is read again.</summary>
    public TimeSpan Refresh => _refresh;

    public async Task<IssuerSigner> SignerAsync(DocumentIssuer issuer, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(issuer);
        if (Fresh(issuer.Code) is { } ready)
        {
            return ready;
        }

        await _gate.WaitAsync(ct);
        try
        {
            if (Fresh(issuer.Code) is { } fresh)
            {
                return fresh;
            }

            var now = time.GetUtcNow();
            IssuerKey? stored;
            await using (var db = await dbs.CreateDbContextAsync(ct))
            {
                stored = await CurrentAsync(db, issuer.Code, ct);
            }

            stored ??= await CreateFirstAsync(issuer, ct);
            if (_signers.TryGetValue(issuer.Code, out var cached) && cached.Signer.KeyId == stored.KeyId)
            {
                _signers[issuer.Code] = cached with { CheckedAt = now };
                return cached.Signer;
            }

            var key = ECDsa.Create();
            key.ImportPkcs8PrivateKey(Convert.FromBase64String(protector().Decrypt(stored.PrivateKey, IssuerKey.PrivateKeyPurpose)), out _);
            var signer = new IssuerSigner(issuer, stored.KeyId, key);
            _signers[issuer.Code] = new Cached(signer, now); // the one it replaces is not disposed: a signature may be under way with it
            return signer;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Retires the issuer's current key (what it signed stays valid) and makes a new one that signs from now on; audited.
    /// Works for an issuer without keys too (its first key).
    /// </summary>
    public async Task<Result<IssuerKeyInfo>> RotateAsync(DocumentIssuer issuer, AuditActor actor, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(issuer);
        ArgumentNullException.ThrowIfNull(actor);
        await using var db = await dbs.CreateDbContextAsync(ct);
        if (await IssuerErrorAsync(db, issuer, ct) is { } error)
        {
            return error;
        }

        var now = time.GetUtcNow();
        IssuerKey created;
        await using (var tx = await db.BeginSerialisedAsync(ct))
        {
            await db.LockAsync(LockKey(issuer.Code), ct);
            var current = await db.IssuerKeys.Where(k => k.IssuerCode == issuer.Code && k.RetiredAt == null && k.RevokedAt == null).ToListAsync(ct);
            foreach (var old in current)
            {
                old.Retire(now);
            }

            created = NewKey(issuer, now);
            db.IssuerKeys.Add(created);
            var record = new AuditRecord(AuditActions.IssuerKeyRotated, actor, ObjectType, created.KeyId, RegionCode: issuer.RegionCode,
                Details: AuditRecord.DetailsOf(new { issuer = issuer.Code, retired = current.Select(k => k.KeyId).ToArray() }));
            if (!await _audit.TrySaveWithAsync(db, [record], ct))
            {
                return Busy;
            }

            await tx.CommitAsync(ct);
        }

        Forget(issuer.Code);
        return IssuerKeyInfo.Of(created);
    }

    /// <summary>
    /// Revokes a key as of <paramref name="at"/> (now when null; not in the future): what it signed at or after that
    /// second is invalid, and the issuer's next signature uses a fresh key. Audited.
    /// </summary>
    public async Task<Result<IssuerKeyInfo>> RevokeAsync(string? keyId, DateTimeOffset? at, string? reason, AuditActor actor, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(actor);
        reason = reason?.Trim();
        if (string.IsNullOrEmpty(reason) || reason.Length > MaxReasonLength)
        {
            return Error.Invalid("reason", DocumentErrors.Keys.ReasonInvalid, "请填写吊销原因（1–200 个字）。", "Give the reason for the revocation (1–200 characters).");
        }

        var now = time.GetUtcNow();
        var when = at ?? now;
        if (when > now)
        {
            return Error.Invalid("at", DocumentErrors.Keys.RevocationTimeInvalid, "吊销时间不能晚于现在。", "The revocation time cannot be in the future.");
        }

        await using var db = await dbs.CreateDbContextAsync(ct);
        var issuerCode = keyId is null ? null : await db.IssuerKeys.AsNoTracking().Where(k => k.KeyId == keyId).Select(k => k.IssuerCode).FirstOrDefaultAsync(ct);
        if (issuerCode is null)
        {
            return KeyNotFound;
        }

        IssuerKey key;
        await using (var tx = await db.BeginSerialisedAsync(ct))
        {
            await db.LockAsync(LockKey(issuerCode), ct);
            key = await db.IssuerKeys.SingleAsync(k => k.KeyId == keyId, ct);
            if (key.RevokedAt is not null)
            {
                return new Error(ErrorKind.Conflict, DocumentErrors.Keys.AlreadyRevoked, new LocalizedText("这个密钥已经吊销。", "This key is already revoked."), "kid");
            }

            key.Revoke(when, reason);
            var record = new AuditRecord(AuditActions.IssuerKeyRevoked, actor, ObjectType, key.KeyId, RegionCode: key.RegionCode,
                Details: AuditRecord.DetailsOf(new { issuer = key.IssuerCode, at = when.ToUnixTimeSeconds(), reason }));
            await _audit.SaveWithAsync(db, [record], ct);
            await tx.CommitAsync(ct);
        }

        Forget(issuerCode);
        return IssuerKeyInfo.Of(key);
    }

    /// <summary>Every key, for operators: by issuer, oldest first.</summary>
    public async Task<IReadOnlyList<IssuerKeyInfo>> ListAsync(CancellationToken ct)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        var keys = await db.IssuerKeys.AsNoTracking().ToListAsync(ct);
        return [.. keys.OrderBy(k => k.IssuerCode, StringComparer.Ordinal).ThenBy(k => k.CreatedAt).ThenBy(k => k.KeyId, StringComparer.Ordinal).Select(IssuerKeyInfo.Of)];
    }

    /// <summary>Every key ever published, retired and revoked ones included (what the JWKS lists).</summary>
    public async Task<IReadOnlyList<VerificationKey>> PublishedAsync(CancellationToken ct)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        var keys = await db.IssuerKeys.AsNoTracking().ToListAsync(ct);
        return keys.OrderBy(k => k.IssuerCode, StringComparer.Ordinal).ThenBy(k => k.CreatedAt).ThenBy(k => k.KeyId, StringComparer.Ordinal)
            .Select(k => new VerificationKey(k.KeyId, k.IssuerCode, Convert.FromBase64String(k.PublicKey), k.CreatedAt, k.RetiredAt, k.RevokedAt))
            .ToList();
    }

    /// <summary>Verifies against the keys in the database.</summary>
    public async Task<VerificationResult> VerifyAsync(string? compact, CancellationToken ct)
    {
        var keys = (await PublishedAsync(ct)).ToDictionary(k => k.KeyId, StringComparer.Ordinal);
        return DocumentEnvelope.Verify(compact, kid => keys.GetValueOrDefault(kid));
    }

    /// <summary>Forgets the cached signers (after a rotation or revocation), so the next signature uses the current key.</summary>
    public void Forget()
    {
        foreach (var code in _signers.Keys)
        {
            Forget(code);
        }
    }

    /// <summary>Forgets one issuer's cached signer.</summary>
    public void Forget(string issuerCode) => _signers.TryRemove(issuerCode, out _); // not disposed: a signature may be under way with it

    public static string KeyIdOf(byte[] subjectPublicKeyInfo) => Convert.ToHexStringLower(SHA256.HashData(subjectPublicKeyInfo))[..16];

    public const string ObjectType = "issuer-key";

    private IssuerSigner? Fresh(string issuerCode) =>
        _signers.TryGetValue(issuerCode, out var cached) && time.GetUtcNow() - cached.CheckedAt < _refresh ? cached.Signer : null;

    private async Task<IssuerKey> CreateFirstAsync(DocumentIssuer issuer, CancellationToken ct)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        await using (var tx = await db.BeginSerialisedAsync(ct))
        {
            await db.LockAsync(LockKey(issuer.Code), ct);
            if (await CurrentAsync(db, issuer.Code, ct) is null)
            {
                var key = NewKey(issuer, time.GetUtcNow());
                db.IssuerKeys.Add(key);
                var record = new AuditRecord(AuditActions.IssuerKeyCreated, AuditActor.System, ObjectType, key.KeyId, RegionCode: issuer.RegionCode,
                    Details: AuditRecord.DetailsOf(new { issuer = issuer.Code }));
                if (await _audit.TrySaveWithAsync(db, [record], ct))
                {
                    await tx.CommitAsync(ct);
                }
            }
        }

        db.ChangeTracker.Clear(); // another instance may have made one first (the unique index): read back the current one
        return await CurrentAsync(db, issuer.Code, ct) ?? throw new InvalidOperationException($"No signing key for {issuer.Code}.");
    }

    private IssuerKey NewKey(DocumentIssuer issuer, DateTimeOffset now)
    {
        using var fresh = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var spki = fresh.ExportSubjectPublicKeyInfo();
        return IssuerKey.Create(issuer, KeyIdOf(spki), Convert.ToBase64String(spki),
            protector().Encrypt(Convert.ToBase64String(fresh.ExportPkcs8PrivateKey()), IssuerKey.PrivateKeyPurpose), now);
    }

    private static async Task<Error?> IssuerErrorAsync(CityDbContext db, DocumentIssuer issuer, CancellationToken ct)
    {
        if (issuer.DepartmentCode is null || await db.Departments.AsNoTracking().AnyAsync(d => d.RegionCode == issuer.RegionCode && d.Code == issuer.DepartmentCode, ct))
        {
            return null;
        }

        return new Error(ErrorKind.Unprocessable, DocumentErrors.Keys.IssuerNotFound,
            new LocalizedText("没有这个签发方：请填写 platform 或“区划代码-部门代码”。", "No such issuer: give platform or {region code}-{department code} of an existing department."), "issuer");
    }

    /// <summary>The issuer a code names, or the problem to answer (the API, the command).</summary>
    public static Result<DocumentIssuer> ParseIssuer(string? code) =>
        DocumentIssuer.Parse(code?.Trim()) is { } issuer
            ? issuer
            : Error.Invalid("issuer", DocumentErrors.Keys.IssuerInvalid, "签发方应为 platform 或“区划代码-部门代码”，例如 330100-HZPSB。",
                "The issuer is platform or {region code}-{department code}, e.g. 330100-HZPSB.");

    private static Error KeyNotFound => Error.NotFound(DocumentErrors.Keys.KeyNotFound, "没有这个密钥。", "No such key.", "kid");

    private static Error Busy => new(ErrorKind.Conflict, DocumentErrors.Keys.Busy,
        new LocalizedText("这个签发方的密钥正在轮换，请稍后再试。", "This issuer's key is being rotated; try again."));

    private static string LockKey(string issuerCode) => "issuer-key:" + issuerCode;

    private static Task<IssuerKey?> CurrentAsync(CityDbContext db, string issuerCode, CancellationToken ct) =>
        db.IssuerKeys.AsNoTracking().Where(k => k.IssuerCode == issuerCode && k.RetiredAt == null && k.RevokedAt == null)
            .OrderByDescending(k => k.CreatedAt).ThenBy(k => k.KeyId).FirstOrDefaultAsync(ct);

    public void Dispose()
    {
        Forget();
        _gate.Dispose();
    }
}
