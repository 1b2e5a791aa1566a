namespace CityService.Core.Audit;

/// <summary>
/// One security-relevant act, as written once and never changed: who (<see cref="ActorKind"/>, <see cref="ActorId"/>),
/// did what (<see cref="Action"/>, a stable dotted code from <see cref="AuditActions"/>) to what (<see cref="ObjectType"/>,
/// <see cref="ObjectId"/>), in which region, with which outcome, in which request. It is entry <see cref="Sequence"/> of
/// its region's chain: <see cref="Hash"/> is SHA-256 over its canonical bytes (<see cref="AuditHash"/>), which include
/// <see cref="PrevHash"/>, the hash of the entry before it. No personal data in clear: ids are opaque, phones appear only
/// as blind indexes, and <see cref="Details"/> is small JSON of codes.
/// </summary>
public sealed class AuditEntry
{
    private AuditEntry()
    {
        RegionCode = ActorKind = Action = Outcome = PrevHash = Hash = string.Empty;
    }

    public string RegionCode { get; private set; }

    public long Sequence { get; private set; }

    public DateTimeOffset At { get; private set; }

    /// <summary>account | staff | client | system | anonymous (<see cref="AuditActorKinds"/>).</summary>
    public string ActorKind { get; private set; }

    public string? ActorId { get; private set; }

    public string Action { get; private set; }

    public string? ObjectType { get; private set; }

    public string? ObjectId { get; private set; }

    /// <summary>succeeded | failed | refused (<see cref="AuditOutcomes"/>).</summary>
    public string Outcome { get; private set; }

    /// <summary>The trace id of the request (or job run) that did it.</summary>
    public string? RequestId { get; private set; }

    public string? Details { get; private set; }

    public string PrevHash { get; private set; }

    public string Hash { get; private set; }

    /// <summary>Builds entry <paramref name="sequence"/> after <paramref name="prevHash"/> and computes its hash.</summary>
    public static AuditEntry Create(AuditRecord record, long sequence, DateTimeOffset at, string? requestId, string prevHash)
    {
        var entry = new AuditEntry
        {
            RegionCode = record.RegionCode,
            Sequence = sequence,
            At = Storage.StoredTime.Normalise(at),
            ActorKind = record.Actor.Kind,
            ActorId = record.Actor.Id,
            Action = record.Action,
            ObjectType = record.ObjectType,
            ObjectId = record.ObjectId,
            Outcome = record.Outcome,
            RequestId = requestId,
            Details = record.Details,
            PrevHash = prevHash,
        };
        entry.Hash = AuditHash.Of(entry);
        return entry;
    }
}

/// <summary>The head of one region's chain: its last sequence and hash, the row every append locks.</summary>
public sealed class AuditChainHead
{
    private AuditChainHead()
    {
        RegionCode = Hash = string.Empty;
    }

    public string RegionCode { get; private set; }

    public long Sequence { get; private set; }

    public string Hash { get; private set; }
}

/// <summary>A chain head (region, sequence, hash, time) signed with the platform's audit key (<see cref="AuditCheckpointSigner"/>).</summary>
public sealed class AuditCheckpoint
{
    private AuditCheckpoint()
    {
        RegionCode = Hash = KeyId = Signature = string.Empty;
    }

    public string RegionCode { get; private set; }

    public long Sequence { get; private set; }

    public string Hash { get; private set; }

    public DateTimeOffset SignedAt { get; private set; }

    public string KeyId { get; private set; }

    /// <summary>ES256 (IEEE P1363 r‖s), base64.</summary>
    public string Signature { get; private set; }

    public static AuditCheckpoint Create(string regionCode, long sequence, string hash, DateTimeOffset signedAt, string keyId, string signature) => new()
    {
        RegionCode = regionCode,
        Sequence = sequence,
        Hash = hash,
        SignedAt = Storage.StoredTime.Normalise(signedAt),
        KeyId = keyId,
        Signature = signature,
    };
}

/// <summary>A generated checkpoint key of a local run, its private half sealed with the personal-data protector.</summary>
public sealed class AuditSigningKey
{
    private AuditSigningKey()
    {
        KeyId = PublicKey = PrivateKey = string.Empty;
    }

    public string KeyId { get; private set; }

    /// <summary>SubjectPublicKeyInfo, base64.</summary>
    public string PublicKey { get; private set; }

    /// <summary>The PKCS#8 private key, encrypted (purpose "audit-signing-key").</summary>
    public string PrivateKey { get; private set; }

    public DateTimeOffset CreatedAt { get; private set; }

    public static AuditSigningKey Create(string keyId, string publicKey, string sealedPrivateKey, DateTimeOffset now) => new()
    {
        KeyId = keyId,
        PublicKey = publicKey,
        PrivateKey = sealedPrivateKey,
        CreatedAt = Storage.StoredTime.Normalise(now),
    };
}

public sealed class AuditEntryConfiguration : IEntityTypeConfiguration<AuditEntry>
{
    public void Configure(EntityTypeBuilder<AuditEntry> builder)
    {
        builder.ToTable("audit_entries");
        builder.HasKey(e => new { e.RegionCode, e.Sequence });
        builder.HasIndex(e => new { e.ObjectType, e.ObjectId, e.At }).HasDatabaseName("ix_audit_entries_object");
        builder.HasIndex(e => new { e.Action, e.At }).HasDatabaseName("ix_audit_entries_action_at");
    }
}

public sealed class AuditChainHeadConfiguration : IEntityTypeConfiguration<AuditChainHead>
{
    public void Configure(EntityTypeBuilder<AuditChainHead> builder)
    {
        builder.ToTable("audit_chain_heads");
        builder.HasKey(h => h.RegionCode);
    }
}

public sealed class AuditCheckpointConfiguration : IEntityTypeConfiguration<AuditCheckpoint>
{
    public void Configure(EntityTypeBuilder<AuditCheckpoint> builder)
    {
        builder.ToTable("audit_checkpoints");
        builder.HasKey(c => new { c.RegionCode, c.Sequence });
    }
}

public sealed class AuditSigningKeyConfiguration : IEntityTypeConfiguration<AuditSigningKey>
{
    public void Configure(EntityTypeBuilder<AuditSigningKey> builder)
    {
        builder.ToTable("audit_signing_keys");
        builder.HasKey(k => k.KeyId);
    }
}
