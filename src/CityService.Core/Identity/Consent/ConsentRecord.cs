namespace CityService.Core.Identity.Consent;

/// <summary>What a citizen agreed to.</summary>
public enum ConsentKind
{
    /// <summary>The user agreement (用户协议), asked at every sign-in.</summary>
    Terms,

    /// <summary>The privacy policy (隐私政策), asked at every sign-in.</summary>
    Privacy,

    /// <summary>
    /// Separate consent to process sensitive personal information for identity verification (PIPL art. 29): the name and
    /// resident ID number sent to the population registry, and the face image compared by it. Asked before verifying.
    /// </summary>
    SensitiveIdentity,
}

/// <summary>Where a consent was given: a page form, or an API client on the citizen's behalf.</summary>
public enum ConsentChannel
{
    Page,
    Api,
}

/// <summary>
/// One consent of one account to one version of a document: given at a time (the platform's clock), through a channel,
/// and withdrawn by the citizen or not. Records are kept after withdrawal, so the account shows what it agreed to and when.
/// </summary>
public sealed class ConsentRecord
{
    private ConsentRecord()
    {
        Version = string.Empty;
    }

    public Guid Id { get; private set; }

    public Guid AccountId { get; private set; }

    public ConsentKind Kind { get; private set; }

    /// <summary>The version of the document agreed to (the policy document's front matter).</summary>
    public string Version { get; private set; }

    public DateTimeOffset GivenAt { get; private set; }

    public ConsentChannel Channel { get; private set; }

    public DateTimeOffset? WithdrawnAt { get; private set; }

    public bool Active => WithdrawnAt is null;

    public static ConsentRecord Give(Guid accountId, ConsentKind kind, string version, ConsentChannel channel, DateTimeOffset now) => new()
    {
        Id = Guid.CreateVersion7(now),
        AccountId = accountId,
        Kind = kind,
        Version = version,
        GivenAt = now,
        Channel = channel,
    };

    public void Withdraw(DateTimeOffset now) => WithdrawnAt ??= now;
}

public sealed class ConsentRecordConfiguration : IEntityTypeConfiguration<ConsentRecord>
{
    public void Configure(EntityTypeBuilder<ConsentRecord> builder)
    {
        builder.ToTable("consents");
        builder.HasIndex(c => c.AccountId).HasDatabaseName("ix_consents_account_id");
        builder.HasOne<Account>().WithMany().HasForeignKey(c => c.AccountId).OnDelete(DeleteBehavior.Cascade);
        builder.Ignore(c => c.Active);
    }
}
