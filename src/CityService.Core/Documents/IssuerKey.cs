namespace CityService.Core.Documents;

/// <summary>
/// Who signs documents: the platform, or a department in its region. The code is what a document's <c>iss</c> claim and
/// each published key's <c>iss</c> member carry: <c>platform</c>, or <c>{regionCode}-{departmentCode}</c>.
/// </summary>
public sealed record DocumentIssuer(string RegionCode, string? DepartmentCode)
{
    public const string PlatformCode = "platform";

    public static readonly DocumentIssuer Platform = new(Regions.Region.PlatformCode, null);

    public string Code => DepartmentCode is null ? PlatformCode : $"{RegionCode}-{DepartmentCode}";

    public static DocumentIssuer Department(string regionCode, string departmentCode) => new(regionCode, departmentCode);

    /// <summary>The issuer a code names, or null when it is not one's shape.</summary>
    public static DocumentIssuer? Parse(string? code)
    {
        if (code == PlatformCode)
        {
            return Platform;
        }

        if (code is null || code.Length < 8 || code[6] != '-' || code.AsSpan(0, 6).ContainsAnyExceptInRange('0', '9'))
        {
            return null;
        }

        return new(code[..6], code[7..]);
    }
}

/// <summary>
/// One ECDSA P-256 signing key of an issuer (docs/signed-documents.md). An issuer signs with its newest key that is
/// neither retired nor revoked; rotation retires the current key (it still verifies what it signed) and creates a new one;
/// revocation makes everything the key signed at or after <see cref="RevokedAt"/> invalid. The private key is sealed with
/// the personal-data protector (purpose <see cref="PrivateKeyPurpose"/>). Region-scoped: the platform's keys carry
/// <see cref="Regions.Region.PlatformCode"/>.
/// </summary>
public sealed class IssuerKey
{
    public const string PrivateKeyPurpose = "issuer-signing-key";

    private IssuerKey()
    {
        KeyId = RegionCode = IssuerCode = PublicKey = PrivateKey = string.Empty;
    }

    /// <summary>The JWS <c>kid</c>: the first 16 hex digits of SHA-256 over the SubjectPublicKeyInfo.</summary>
    public string KeyId { get; private set; }

    public string RegionCode { get; private set; }

    /// <summary>The department, or null for the platform.</summary>
    public string? DepartmentCode { get; private set; }

    /// <summary><see cref="DocumentIssuer.Code"/>.</summary>
    public string IssuerCode { get; private set; }

    /// <summary>SubjectPublicKeyInfo (DER), base64.</summary>
    public string PublicKey { get; private set; }

    /// <summary>PKCS#8 (DER) base64, sealed by the personal-data protector.</summary>
    public string PrivateKey { get; private set; }

    public DateTimeOffset CreatedAt { get; private set; }

    /// <summary>When rotation replaced it: it signs nothing after this, and still verifies what it signed before.</summary>
    public DateTimeOffset? RetiredAt { get; private set; }

    /// <summary>Signatures dated at or after this are invalid.</summary>
    public DateTimeOffset? RevokedAt { get; private set; }

    public string? RevocationReason { get; private set; }

    public DocumentIssuer Issuer => new(RegionCode, DepartmentCode);

    public bool Signs => RetiredAt is null && RevokedAt is null;

    public static IssuerKey Create(DocumentIssuer issuer, string keyId, string publicKey, string sealedPrivateKey, DateTimeOffset now) => new()
    {
        KeyId = keyId,
        RegionCode = issuer.RegionCode,
        DepartmentCode = issuer.DepartmentCode,
        IssuerCode = issuer.Code,
        PublicKey = publicKey,
        PrivateKey = sealedPrivateKey,
        CreatedAt = now,
    };

    public void Retire(DateTimeOffset at) => RetiredAt ??= at;

    public void Revoke(DateTimeOffset at, string reason)
    {
        RevokedAt ??= at;
        RevocationReason ??= reason;
        RetiredAt ??= at;
    }
}

public sealed class IssuerKeyConfiguration : IEntityTypeConfiguration<IssuerKey>
{
    public void Configure(EntityTypeBuilder<IssuerKey> builder)
    {
        builder.ToTable("issuer_keys");
        builder.HasKey(k => k.KeyId);
        builder.Ignore(k => k.Issuer);
        builder.Ignore(k => k.Signs);
        builder.HasIndex(k => new { k.IssuerCode, k.CreatedAt }).HasDatabaseName("ix_issuer_keys_issuer_code_created_at");

        // At most one signing key per issuer, whatever number of requests and instances make the first one at once.
        builder.HasIndex(k => k.IssuerCode).IsUnique().HasFilter("retired_at IS NULL AND revoked_at IS NULL").HasDatabaseName("ux_issuer_keys_issuer_code_current");
    }
}

/// <summary>
/// A generated file kept by the SHA-256 of its bytes (hex), e.g. a document's PDF hard copy: made on first request and
/// then served from here, never regenerated per download. Region-scoped.
/// </summary>
public sealed class DocumentFile
{
    private DocumentFile()
    {
        Sha256 = RegionCode = ContentType = string.Empty;
        Content = [];
    }

    public string Sha256 { get; private set; }

    public string RegionCode { get; private set; }

    public string ContentType { get; private set; }

    public byte[] Content { get; private set; }

    public DateTimeOffset CreatedAt { get; private set; }

    public static DocumentFile Of(string regionCode, string contentType, byte[] content, DateTimeOffset now) => new()
    {
        Sha256 = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(content)),
        RegionCode = regionCode,
        ContentType = contentType,
        Content = content,
        CreatedAt = now,
    };
}

public sealed class DocumentFileConfiguration : IEntityTypeConfiguration<DocumentFile>
{
    public void Configure(EntityTypeBuilder<DocumentFile> builder)
    {
        builder.ToTable("document_files");
        builder.HasKey(f => f.Sha256);
    }
}
