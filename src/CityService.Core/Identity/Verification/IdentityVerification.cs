namespace CityService.Core.Identity.Verification;

public enum VerificationKind
{
    IdNumber,
    Face,
}

/// <summary>
/// The audit trail of identity checks: who, which check, the outcome, the registry's reference and (for faces) the score.
/// Never the name, the ID number or the photo.
/// </summary>
public sealed class IdentityVerification
{
    private IdentityVerification()
    {
        Outcome = string.Empty;
    }

    public Guid Id { get; private set; }

    public Guid AccountId { get; private set; }

    public VerificationKind Kind { get; private set; }

    public string Outcome { get; private set; }

    public double? Score { get; private set; }

    public string? RegistryReference { get; private set; }

    public DateTimeOffset At { get; private set; }

    public static IdentityVerification Record(Guid accountId, VerificationKind kind, string outcome, double? score, string? registryReference, DateTimeOffset at) => new()
    {
        Id = Guid.CreateVersion7(at),
        AccountId = accountId,
        Kind = kind,
        Outcome = outcome,
        Score = score,
        RegistryReference = registryReference,
        At = at,
    };
}

/// <summary>A single-use nonce the citizen's face capture is bound to, so a recorded photo cannot be replayed.</summary>
public sealed class FaceChallenge
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(3);

    private FaceChallenge()
    {
        Nonce = string.Empty;
    }

    public Guid Id { get; private set; }

    public Guid AccountId { get; private set; }

    public string Nonce { get; private set; }

    public DateTimeOffset ExpiresAt { get; private set; }

    public DateTimeOffset? UsedAt { get; private set; }

    public static FaceChallenge Issue(Guid accountId, string nonce, DateTimeOffset now) => new()
    {
        Id = Guid.CreateVersion7(now),
        AccountId = accountId,
        Nonce = nonce,
        ExpiresAt = now + Lifetime,
    };

    public bool IsOpen(DateTimeOffset now) => UsedAt is null && now < ExpiresAt;

    public void Use(DateTimeOffset now) => UsedAt = now;
}

public sealed class IdentityVerificationConfiguration : IEntityTypeConfiguration<IdentityVerification>
{
    public void Configure(EntityTypeBuilder<IdentityVerification> builder)
    {
        builder.ToTable("identity_verifications");
        builder.HasKey(v => v.Id);
        builder.HasOne<Account>().WithMany().HasForeignKey(v => v.AccountId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(v => new { v.AccountId, v.At }).HasDatabaseName("ix_identity_verifications_account_at");
    }
}

public sealed class FaceChallengeConfiguration : IEntityTypeConfiguration<FaceChallenge>
{
    public void Configure(EntityTypeBuilder<FaceChallenge> builder)
    {
        builder.ToTable("face_challenges");
        builder.HasKey(c => c.Id);
        builder.HasOne<Account>().WithMany().HasForeignKey(c => c.AccountId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(c => new { c.AccountId, c.Nonce }).IsUnique().HasDatabaseName("ux_face_challenges_account_nonce");
    }
}
