using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using CityService.Core.Identity;

namespace CityService.Core.Audit;

/// <summary>
/// The platform's checkpoint key (ECDSA P-256) and the bytes it signs: the UTF-8 of
/// <c>cityservice-audit-checkpoint-v1\n{region_code}\n{sequence}\n{hash}\n{signed_at unix ms}</c>, signed ES256 (SHA-256,
/// IEEE P1363 r‖s, base64). The key id is the first 16 hex digits of SHA-256 over the SubjectPublicKeyInfo.
/// </summary>
public sealed class AuditCheckpointSigner : IDisposable
{
    private readonly ECDsa _key;

    public AuditCheckpointSigner(ECDsa key)
    {
        _key = key;
        PublicKey = key.ExportSubjectPublicKeyInfo();
        KeyId = KeyIdOf(PublicKey);
    }

    public string KeyId { get; }

    /// <summary>SubjectPublicKeyInfo (DER): what a verifier needs.</summary>
    public byte[] PublicKey { get; }

    public string PublicKeyPem => PemEncoding.WriteString("PUBLIC KEY", PublicKey);

    public static string KeyIdOf(byte[] subjectPublicKeyInfo) => Convert.ToHexStringLower(SHA256.HashData(subjectPublicKeyInfo))[..16];

    public static byte[] BytesToSign(string regionCode, long sequence, string hash, DateTimeOffset signedAt) => Encoding.UTF8.GetBytes(string.Create(
        CultureInfo.InvariantCulture, $"cityservice-audit-checkpoint-v1\n{regionCode}\n{sequence}\n{hash}\n{signedAt.ToUnixTimeMilliseconds()}"));

    public AuditCheckpoint Sign(string regionCode, long sequence, string hash, DateTimeOffset signedAt)
    {
        var at = StoredTime.Normalise(signedAt);
        var signature = _key.SignData(BytesToSign(regionCode, sequence, hash, at), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return AuditCheckpoint.Create(regionCode, sequence, hash, at, KeyId, Convert.ToBase64String(signature));
    }

    /// <summary>True when the checkpoint was signed by this key and says what it signed.</summary>
    public bool Verifies(AuditCheckpoint checkpoint)
    {
        if (!string.Equals(checkpoint.KeyId, KeyId, StringComparison.Ordinal))
        {
            return false;
        }

        byte[] signature;
        try
        {
            signature = Convert.FromBase64String(checkpoint.Signature);
        }
        catch (FormatException)
        {
            return false;
        }

        return _key.VerifyData(
            BytesToSign(checkpoint.RegionCode, checkpoint.Sequence, checkpoint.Hash, checkpoint.SignedAt), signature,
            HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
    }

    public void Dispose() => _key.Dispose();

    /// <summary>
    /// The key from <paramref name="pem"/> (<c>Audit:SigningKey</c>, a PKCS#8 or SEC1 EC private key), or else — where
    /// <paramref name="mayGenerate"/> (local runs, tests) — the one generated earlier and kept in the database with its
    /// private half sealed by the personal-data protector, generating it on first use. A production host without a
    /// configured key gets an exception saying so.
    /// </summary>
    public static async Task<AuditCheckpointSigner> LoadAsync(string? pem, bool mayGenerate, IDbContextFactory<CityDbContext> dbFactory, Func<PersonalDataProtector> protectorOf, TimeProvider time, CancellationToken ct)
    {
        if (!string.IsNullOrWhiteSpace(pem))
        {
            var configured = ECDsa.Create();
            try
            {
                configured.ImportFromPem(pem);
            }
            catch (ArgumentException e)
            {
                configured.Dispose();
                throw new InvalidOperationException("Audit:SigningKey is not a PEM EC private key (P-256). See docs/operations.md.", e);
            }

            if (configured.KeySize != 256)
            {
                configured.Dispose();
                throw new InvalidOperationException("Audit:SigningKey must be an ECDSA P-256 key. See docs/operations.md.");
            }

            return new AuditCheckpointSigner(configured);
        }

        if (!mayGenerate)
        {
            throw new InvalidOperationException(
                "Audit:SigningKey is not set: production signs audit checkpoints with a configured ECDSA P-256 key (PEM). See docs/operations.md.");
        }

        var protector = protectorOf();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var stored = await db.AuditSigningKeys.AsNoTracking().OrderBy(k => k.CreatedAt).FirstOrDefaultAsync(ct);
        if (stored is null)
        {
            using var fresh = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var spki = fresh.ExportSubjectPublicKeyInfo();
            db.AuditSigningKeys.Add(AuditSigningKey.Create(
                KeyIdOf(spki), Convert.ToBase64String(spki), protector.Encrypt(Convert.ToBase64String(fresh.ExportPkcs8PrivateKey()), "audit-signing-key"), time.GetUtcNow()));
            await db.TrySaveChangesAsync(ct); // another instance may have stored one first: read back the oldest
            stored = await db.AuditSigningKeys.AsNoTracking().OrderBy(k => k.CreatedAt).ThenBy(k => k.KeyId).FirstAsync(ct);
        }

        var key = ECDsa.Create();
        key.ImportPkcs8PrivateKey(Convert.FromBase64String(protector.Decrypt(stored.PrivateKey, "audit-signing-key")), out _);
        return new AuditCheckpointSigner(key);
    }
}

/// <summary>The host's one checkpoint key, loaded (or, locally, generated) on first use and then kept.</summary>
public sealed class AuditKey(string? pem, bool mayGenerate, IDbContextFactory<CityDbContext> dbFactory, Func<PersonalDataProtector> protector, TimeProvider time) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private AuditCheckpointSigner? _signer;

    /// <summary>Whether a key is configured, or may be generated here: false means a production host without one.</summary>
    public bool Available => !string.IsNullOrWhiteSpace(pem) || mayGenerate;

    public async Task<AuditCheckpointSigner> SignerAsync(CancellationToken ct)
    {
        if (_signer is { } ready)
        {
            return ready;
        }

        await _gate.WaitAsync(ct);
        try
        {
            return _signer ??= await AuditCheckpointSigner.LoadAsync(pem, mayGenerate, dbFactory, protector, time, ct);
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose()
    {
        _signer?.Dispose();
        _gate.Dispose();
    }
}
