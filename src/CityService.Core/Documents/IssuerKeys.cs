using System.Collections.Concurrent;
using System.Security.Cryptography;
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

/// <summary>
/// The issuers' keys (docs/signed-documents.md): an issuer's first key is generated on first use and stored with its
/// private half sealed; signers are kept in memory. Call <see cref="SignerAsync"/> outside any open transaction (it may
/// write the new key with its own context), then sign inside it.
/// </summary>
public sealed class IssuerKeys(IDbContextFactory<CityDbContext> dbs, Func<PersonalDataProtector> protector, TimeProvider time) : IDisposable
{
    private readonly ConcurrentDictionary<string, IssuerSigner> _signers = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _gate = new(1, 1);

    public async Task<IssuerSigner> SignerAsync(DocumentIssuer issuer, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(issuer);
        if (_signers.TryGetValue(issuer.Code, out var ready))
        {
            return ready;
        }

        await _gate.WaitAsync(ct);
        try
        {
            if (_signers.TryGetValue(issuer.Code, out ready))
            {
                return ready;
            }

            await using var db = await dbs.CreateDbContextAsync(ct);
            var stored = await CurrentAsync(db, issuer.Code, ct);
            if (stored is null)
            {
                using var fresh = ECDsa.Create(ECCurve.NamedCurves.nistP256);
                var spki = fresh.ExportSubjectPublicKeyInfo();
                db.IssuerKeys.Add(IssuerKey.Create(issuer, KeyIdOf(spki), Convert.ToBase64String(spki),
                    protector().Encrypt(Convert.ToBase64String(fresh.ExportPkcs8PrivateKey()), IssuerKey.PrivateKeyPurpose), time.GetUtcNow()));
                await db.TrySaveChangesAsync(ct); // another instance may have made one first: read back the current one
                db.ChangeTracker.Clear();
                stored = await CurrentAsync(db, issuer.Code, ct) ?? throw new InvalidOperationException($"No signing key for {issuer.Code}.");
            }

            var key = ECDsa.Create();
            key.ImportPkcs8PrivateKey(Convert.FromBase64String(protector().Decrypt(stored.PrivateKey, IssuerKey.PrivateKeyPurpose)), out _);
            var signer = new IssuerSigner(issuer, stored.KeyId, key);
            _signers[issuer.Code] = signer;
            return signer;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Every key ever published, retired and revoked ones included (what the JWKS lists).</summary>
    public async Task<IReadOnlyList<VerificationKey>> PublishedAsync(CancellationToken ct)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        var keys = await db.IssuerKeys.AsNoTracking().ToListAsync(ct);
        return keys.OrderBy(k => k.IssuerCode, StringComparer.Ordinal).ThenBy(k => k.CreatedAt)
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
            _signers.TryRemove(code, out _); // not disposed: a signature may be under way with it
        }
    }

    public static string KeyIdOf(byte[] subjectPublicKeyInfo) => Convert.ToHexStringLower(SHA256.HashData(subjectPublicKeyInfo))[..16];

    private static Task<IssuerKey?> CurrentAsync(CityDbContext db, string issuerCode, CancellationToken ct) =>
        db.IssuerKeys.AsNoTracking().Where(k => k.IssuerCode == issuerCode && k.RetiredAt == null && k.RevokedAt == null)
            .OrderByDescending(k => k.CreatedAt).ThenBy(k => k.KeyId).FirstOrDefaultAsync(ct);

    public void Dispose()
    {
        Forget();
        _gate.Dispose();
    }
}
