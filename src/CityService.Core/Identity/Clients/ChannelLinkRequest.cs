namespace CityService.Core.Identity.Clients;

/// <summary>
/// A channel asked to link one of its users to the citizen holding a phone; the link exists only once the phone's holder
/// confirmed it with the code the platform texted them (<see cref="ChannelLinking.ConfirmAsync"/>). Valid 10 minutes.
/// </summary>
public sealed class ChannelLinkRequest
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(10);

    private ChannelLinkRequest()
    {
        ClientId = ChannelUser = PhoneIndex = PhoneCipher = string.Empty;
    }

    public Guid Id { get; private set; }

    public string ClientId { get; private set; }

    public string ChannelUser { get; private set; }

    public string PhoneIndex { get; private set; }

    public string PhoneCipher { get; private set; }

    public DateTimeOffset CreatedAt { get; private set; }

    public DateTimeOffset ExpiresAt { get; private set; }

    public Guid? AccountId { get; private set; }

    public DateTimeOffset? ConfirmedAt { get; private set; }

    public static ChannelLinkRequest Open(Guid id, string clientId, string channelUser, string phoneIndex, string phoneCipher, DateTimeOffset now) => new()
    {
        Id = id, ClientId = clientId, ChannelUser = channelUser, PhoneIndex = phoneIndex, PhoneCipher = phoneCipher,
        CreatedAt = now, ExpiresAt = now + Lifetime,
    };

    public bool IsOpen(DateTimeOffset now) => ConfirmedAt is null && now < ExpiresAt;
}

/// <summary>An assertion id (jti) a channel has used, kept until the assertion expires; the key makes a replay fail on insert.</summary>
public sealed class UsedAssertion(string clientId, string jti, DateTimeOffset expiresAt)
{
    public string ClientId { get; private set; } = clientId;

    public string Jti { get; private set; } = jti;

    public DateTimeOffset ExpiresAt { get; private set; } = expiresAt;
}

public sealed class ChannelLinkRequestConfiguration : IEntityTypeConfiguration<ChannelLinkRequest>
{
    public void Configure(EntityTypeBuilder<ChannelLinkRequest> builder)
    {
        builder.ToTable("channel_link_requests");
        builder.HasKey(r => r.Id);
        builder.HasOne<ApiClient>().WithMany().HasForeignKey(r => r.ClientId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<Account>().WithMany().HasForeignKey(r => r.AccountId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(r => r.AccountId).HasDatabaseName("ix_channel_link_requests_account_id");
        builder.HasIndex(r => r.ClientId).HasDatabaseName("ix_channel_link_requests_client_id");
    }
}

public sealed class UsedAssertionConfiguration : IEntityTypeConfiguration<UsedAssertion>
{
    public void Configure(EntityTypeBuilder<UsedAssertion> builder)
    {
        builder.ToTable("channel_assertions");
        builder.HasKey(a => new { a.ClientId, a.Jti });
        builder.HasIndex(a => a.ExpiresAt).HasDatabaseName("ix_channel_assertions_expires_at");
    }
}
