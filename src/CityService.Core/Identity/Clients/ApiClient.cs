namespace CityService.Core.Identity.Clients;

public enum ApiClientKind
{
    /// <summary>A department's own system (pushes bills, pulls applications): bound to a department of a region.</summary>
    DepartmentSystem,

    /// <summary>A partner app (wallet, social app) that embeds the platform for its users.</summary>
    PartnerChannel,
}

/// <summary>
/// A machine client. Requests are signed with its shared secret (HMAC-SHA256, see RequestSigning), which is held
/// encrypted; a partner channel also registers the P-256 public key it signs user assertions (ES256 JWT) with.
/// </summary>
public sealed class ApiClient
{
    /// <summary>The most characters of a client's Chinese or English name.</summary>
    public const int MaxNameLength = 100;

    private ApiClient()
    {
        Id = NameZh = NameEn = SecretCipher = string.Empty;
        Scopes = [];
    }

    public string Id { get; private set; }

    public ApiClientKind Kind { get; private set; }

    public string NameZh { get; private set; }

    public string NameEn { get; private set; }

    public string SecretCipher { get; private set; }

    public IReadOnlyList<string> Scopes { get; private set; }

    public string? RegionCode { get; private set; }

    public string? DepartmentCode { get; private set; }

    /// <summary>PEM (SubjectPublicKeyInfo) of the channel's ES256 assertion key.</summary>
    public string? AssertionPublicKey { get; private set; }

    public bool Enabled { get; private set; }

    public DateTimeOffset CreatedAt { get; private set; }

    public static ApiClient ForDepartment(string id, string nameZh, string nameEn, string secretCipher, IReadOnlyList<string> scopes, string regionCode, string departmentCode, DateTimeOffset now) => new()
    {
        Id = id, Kind = ApiClientKind.DepartmentSystem, NameZh = nameZh, NameEn = nameEn, SecretCipher = secretCipher,
        Scopes = scopes, RegionCode = regionCode, DepartmentCode = departmentCode, Enabled = true, CreatedAt = now,
    };

    public static ApiClient ForChannel(string id, string nameZh, string nameEn, string secretCipher, IReadOnlyList<string> scopes, string assertionPublicKeyPem, DateTimeOffset now) => new()
    {
        Id = id, Kind = ApiClientKind.PartnerChannel, NameZh = nameZh, NameEn = nameEn, SecretCipher = secretCipher,
        Scopes = scopes, AssertionPublicKey = assertionPublicKeyPem, Enabled = true, CreatedAt = now,
    };

    public void Disable() => Enabled = false;
}

/// <summary>A nonce a client has used; the primary key makes a replay fail on insert, on every instance alike.</summary>
public sealed class UsedNonce(string clientId, string nonce, DateTimeOffset expiresAt)
{
    public string ClientId { get; private set; } = clientId;

    public string Nonce { get; private set; } = nonce;

    public DateTimeOffset ExpiresAt { get; private set; } = expiresAt;
}

/// <summary>Scopes a client or a channel token can hold.</summary>
public static class Scopes
{
    /// <summary>A channel may link its users to citizen accounts.</summary>
    public const string CitizenLink = "citizen:link";

    /// <summary>A channel token may read the citizen's profile.</summary>
    public const string ProfileRead = "profile:read";

    /// <summary>A channel token may check whether the citizen may start a service.</summary>
    public const string ServicesStart = "services:start";

    /// <summary>A department system may push, adjust, cancel and read its department's bills.</summary>
    public const string BillsWrite = "bills:write";
}

public sealed class ApiClientConfiguration : IEntityTypeConfiguration<ApiClient>
{
    public void Configure(EntityTypeBuilder<ApiClient> builder)
    {
        builder.ToTable("api_clients");
        builder.HasKey(c => c.Id);
        builder.Property(c => c.Scopes).HasJsonConversion();
    }
}

public sealed class UsedNonceConfiguration : IEntityTypeConfiguration<UsedNonce>
{
    public void Configure(EntityTypeBuilder<UsedNonce> builder)
    {
        builder.ToTable("api_nonces");
        builder.HasKey(n => new { n.ClientId, n.Nonce });
        builder.HasIndex(n => n.ExpiresAt).HasDatabaseName("ix_api_nonces_expires_at");
    }
}
