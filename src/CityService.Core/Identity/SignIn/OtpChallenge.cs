namespace CityService.Core.Identity.SignIn;

/// <summary>
/// A one-time sign-in code sent to a phone: 6 digits, valid 5 minutes, single use, at most 5 wrong tries.
/// Only a keyed hash of the code and blind indexes of the phone and client address are stored.
/// </summary>
public sealed class OtpChallenge
{
    public const int MaxAttempts = 5;
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(5);

    private OtpChallenge()
    {
        PhoneIndex = CodeHash = ClientIndex = string.Empty;
    }

    public Guid Id { get; private set; }

    public string PhoneIndex { get; private set; }

    public string ClientIndex { get; private set; }

    public string CodeHash { get; private set; }

    public DateTimeOffset CreatedAt { get; private set; }

    public DateTimeOffset ExpiresAt { get; private set; }

    public int Attempts { get; private set; }

    public DateTimeOffset? ConsumedAt { get; private set; }

    public static OtpChallenge Issue(Guid id, string phoneIndex, string clientIndex, string codeHash, DateTimeOffset now) => new()
    {
        Id = id,
        PhoneIndex = phoneIndex,
        ClientIndex = clientIndex,
        CodeHash = codeHash,
        CreatedAt = now,
        ExpiresAt = now + Lifetime,
    };

    public bool IsOpen(DateTimeOffset now) => ConsumedAt is null && now < ExpiresAt && Attempts < MaxAttempts;

    public void RecordWrongTry() => Attempts++;

    public void Consume(DateTimeOffset now) => ConsumedAt = now;
}

public sealed class OtpChallengeConfiguration : IEntityTypeConfiguration<OtpChallenge>
{
    public void Configure(EntityTypeBuilder<OtpChallenge> builder)
    {
        builder.ToTable("otp_challenges");
        builder.HasKey(o => o.Id);
        builder.HasIndex(o => new { o.PhoneIndex, o.CreatedAt }).HasDatabaseName("ix_otp_challenges_phone_created");
        builder.HasIndex(o => new { o.ClientIndex, o.CreatedAt }).HasDatabaseName("ix_otp_challenges_client_created");
    }
}
