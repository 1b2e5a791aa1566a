using Microsoft.AspNetCore.Identity;

namespace CityService.Core.Identity;

public enum AccountKind
{
    Citizen,
    Staff,
    Operator,
}

/// <summary>How sure the platform is of who a citizen is (One Login style levels of assurance).</summary>
public enum AssuranceLevel
{
    /// <summary>Phone verified by a one-time code.</summary>
    [System.Text.Json.Serialization.JsonStringEnumMemberName("L1")]
    L1 = 1,

    /// <summary>Name and resident ID number confirmed by the population registry.</summary>
    [System.Text.Json.Serialization.JsonStringEnumMemberName("L2")]
    L2 = 2,

    /// <summary>Live face matched by the registry against its reference photo.</summary>
    [System.Text.Json.Serialization.JsonStringEnumMemberName("L3")]
    L3 = 3,
}

/// <summary>
/// An account (citizen, staff or operator) on ASP.NET Core Identity. Personal data is never stored in clear:
/// the phone number and resident ID number are held encrypted (<see cref="PersonalDataProtector"/>) with
/// keyed blind indexes for lookup; Identity's own <c>UserName</c> is the phone's blind index and its
/// <c>PhoneNumber</c>/<c>Email</c> columns stay empty. The public id is a UUIDv7.
/// </summary>
public sealed class Account : IdentityUser<Guid>
{
    private Account()
    {
        PhoneIndex = PhoneCipher = string.Empty;
    }

    public AccountKind Kind { get; private set; }

    public AssuranceLevel AssuranceLevel { get; private set; }

    public string PhoneIndex { get; private set; }

    public string PhoneCipher { get; private set; }

    public string? NameCipher { get; private set; }

    public string? IdNumberIndex { get; private set; }

    public string? IdNumberCipher { get; private set; }

    public DateTimeOffset? IdVerifiedAt { get; private set; }

    public string? IdRegistryReference { get; private set; }

    public DateTimeOffset? FaceVerifiedAt { get; private set; }

    public string? FaceRegistryReference { get; private set; }

    public DateTimeOffset CreatedAt { get; private set; }

    /// <summary>The optional e-mail address for notifications, encrypted (purpose "email"); Identity's Email stays empty.</summary>
    public string? EmailCipher { get; private set; }

    internal static Account Open(AccountKind kind, string phoneIndex, string phoneCipher, DateTimeOffset now) => new()
    {
        Id = Guid.CreateVersion7(now),
        Kind = kind,
        AssuranceLevel = AssuranceLevel.L1,
        UserName = "phone:" + phoneIndex,
        NormalizedUserName = ("phone:" + phoneIndex).ToUpperInvariant(),
        PhoneIndex = phoneIndex,
        PhoneCipher = phoneCipher,
        PhoneNumberConfirmed = true,
        LockoutEnabled = true,
        SecurityStamp = Guid.NewGuid().ToString("N"),
        CreatedAt = now,
    };

    /// <summary>The registry confirmed name and ID number: level 2.</summary>
    public void ConfirmIdentity(string nameCipher, string idNumberIndex, string idNumberCipher, string registryReference, DateTimeOffset now)
    {
        NameCipher = nameCipher;
        IdNumberIndex = idNumberIndex;
        IdNumberCipher = idNumberCipher;
        IdRegistryReference = registryReference;
        IdVerifiedAt = now;
        if (AssuranceLevel < AssuranceLevel.L2)
        {
            AssuranceLevel = AssuranceLevel.L2;
        }
    }

    /// <summary>The registry matched the live face: level 3. Only the result is kept, never the photo.</summary>
    public void ConfirmFace(string registryReference, DateTimeOffset now)
    {
        if (AssuranceLevel < AssuranceLevel.L2)
        {
            throw new InvalidOperationException("A face match needs a confirmed ID number first.");
        }

        FaceRegistryReference = registryReference;
        FaceVerifiedAt = now;
        AssuranceLevel = AssuranceLevel.L3;
    }

    /// <summary>
    /// The citizen withdrew consent to process their ID number and face (PIPL art. 29): the name, ID number (cipher and blind
    /// index) and registry references are erased and the level drops to 1. The audit trail of checks (no personal data) stays.
    /// </summary>
    public void EraseVerification()
    {
        NameCipher = IdNumberIndex = IdNumberCipher = IdRegistryReference = FaceRegistryReference = null;
        IdVerifiedAt = FaceVerifiedAt = null;
        AssuranceLevel = AssuranceLevel.L1;
    }

    /// <summary>Ends every session of the account (each was issued under the old stamp).</summary>
    public void EndAllSessions() => SecurityStamp = Guid.NewGuid().ToString("N");

    /// <summary>Sets (or, with null, removes) the e-mail address notifications may go to.</summary>
    public void SetEmail(string? emailCipher) => EmailCipher = emailCipher;

    public void ChangePhone(string phoneIndex, string phoneCipher)
    {
        PhoneIndex = phoneIndex;
        PhoneCipher = phoneCipher;
        UserName = "phone:" + phoneIndex;
        NormalizedUserName = UserName.ToUpperInvariant();
        SecurityStamp = Guid.NewGuid().ToString("N"); // signs out other sessions
    }
}

public sealed class AccountConfiguration : IEntityTypeConfiguration<Account>
{
    public void Configure(EntityTypeBuilder<Account> builder)
    {
        builder.ToTable("accounts");
        foreach (var text in new[] { nameof(Account.UserName), nameof(Account.NormalizedUserName), nameof(Account.Email), nameof(Account.NormalizedEmail) })
        {
            builder.Property(text).HasColumnType("text"); // Identity's 256 is checked by the input rules, not the column (TEXT, as everywhere)
        }

        builder.HasIndex(a => a.NormalizedUserName).IsUnique().HasDatabaseName("ux_accounts_normalized_user_name");
        builder.HasIndex(a => a.NormalizedEmail).HasDatabaseName("ix_accounts_normalized_email");
        builder.HasIndex(a => a.PhoneIndex).IsUnique().HasDatabaseName("ux_accounts_phone_index");
        builder.HasIndex(a => a.IdNumberIndex).IsUnique().HasDatabaseName("ux_accounts_id_number_index");
    }
}

/// <summary>ASP.NET Core Identity's claims of an account.</summary>
public sealed class AccountClaimConfiguration : IEntityTypeConfiguration<IdentityUserClaim<Guid>>
{
    public void Configure(EntityTypeBuilder<IdentityUserClaim<Guid>> builder)
    {
        builder.ToTable("account_claims");
        builder.HasIndex(c => c.UserId).HasDatabaseName("ix_account_claims_user_id");
    }
}

/// <summary>ASP.NET Core Identity's external logins: here the partner channels an account is linked to.</summary>
public sealed class AccountLoginConfiguration : IEntityTypeConfiguration<IdentityUserLogin<Guid>>
{
    public void Configure(EntityTypeBuilder<IdentityUserLogin<Guid>> builder)
    {
        builder.ToTable("account_logins");
        builder.HasIndex(l => l.UserId).HasDatabaseName("ix_account_logins_user_id");
    }
}

/// <summary>ASP.NET Core Identity's tokens of an account.</summary>
public sealed class AccountTokenConfiguration : IEntityTypeConfiguration<IdentityUserToken<Guid>>
{
    public void Configure(EntityTypeBuilder<IdentityUserToken<Guid>> builder) => builder.ToTable("account_tokens");
}
