using System.Text;
using System.Text.Json;
using CityService.Core.Catalog;
using CityService.Core.Common;
using CityService.Core.Identity;
using CityService.Core.Regions;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CityService.Core.Storage;

/// <summary>
/// One model for both providers. The schema itself comes from the SQL scripts in Storage/Migrations
/// (see docs/decisions/002-sql-migrations.md); names here must match them, which a test checks.
/// </summary>
public sealed class CityDbContext(DbContextOptions<CityDbContext> options) : IdentityUserContext<Account, Guid>(options), IDataProtectionKeyContext
{
    public DbSet<Region> Regions => Set<Region>();

    public DbSet<Department> Departments => Set<Department>();

    public DbSet<ServiceItem> ServiceItems => Set<ServiceItem>();

    public DbSet<ServiceOverride> ServiceOverrides => Set<ServiceOverride>();

    public DbSet<Account> Accounts => Set<Account>();

    public DbSet<OtpChallenge> OtpChallenges => Set<OtpChallenge>();

    /// <summary>Data Protection's key ring (<c>PersistKeysToDbContext</c>); each key is stored encrypted (Web: KeyRingEncryptor).</summary>
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    public DbSet<IdentityVerification> IdentityVerifications => Set<IdentityVerification>();

    public DbSet<FaceChallenge> FaceChallenges => Set<FaceChallenge>();

    public DbSet<ApiClient> ApiClients => Set<ApiClient>();

    public DbSet<UsedNonce> UsedNonces => Set<UsedNonce>();

    public DbSet<StaffAssignment> StaffAssignments => Set<StaffAssignment>();

    // Server-side sessions (migration 0005, docs/decisions/008-server-side-sessions.md).
    public DbSet<AccountSession> Sessions => Set<AccountSession>();

    // Migration 0007: consented channel links and staff invitations.
    public DbSet<ChannelLinkRequest> ChannelLinkRequests => Set<ChannelLinkRequest>();

    public DbSet<UsedAssertion> UsedAssertions => Set<UsedAssertion>();

    public DbSet<StaffInvitation> StaffInvitations => Set<StaffInvitation>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder); // ASP.NET Core Identity's user, claim, login and token tables

        builder.Entity<Account>(e =>
        {
            e.ToTable("accounts");
            e.Property(a => a.Kind).HasConversion<string>();
            e.Property(a => a.AssuranceLevel).HasConversion<string>();
            e.HasIndex(a => a.NormalizedUserName).IsUnique().HasDatabaseName("ux_accounts_normalized_user_name");
            e.HasIndex(a => a.NormalizedEmail).HasDatabaseName("ix_accounts_normalized_email");
            e.HasIndex(a => a.PhoneIndex).IsUnique().HasDatabaseName("ux_accounts_phone_index");
            e.HasIndex(a => a.IdNumberIndex).IsUnique().HasDatabaseName("ux_accounts_id_number_index");
        });
        builder.Entity<IdentityUserClaim<Guid>>(e =>
        {
            e.ToTable("account_claims");
            e.HasIndex(c => c.UserId).HasDatabaseName("ix_account_claims_user_id");
        });
        builder.Entity<IdentityUserLogin<Guid>>(e =>
        {
            e.ToTable("account_logins");
            e.HasIndex(l => l.UserId).HasDatabaseName("ix_account_logins_user_id");
        });
        builder.Entity<IdentityUserToken<Guid>>(e => e.ToTable("account_tokens"));

        builder.Entity<OtpChallenge>(e =>
        {
            e.ToTable("otp_challenges");
            e.HasKey(o => o.Id);

            // Stored as unix milliseconds so "sent in the last hour" translates on SQLite too.
            e.Property(o => o.CreatedAt).HasConversion(UnixMilliseconds);
            e.Property(o => o.ExpiresAt).HasConversion(UnixMilliseconds);
            e.Property(o => o.ConsumedAt).HasConversion(UnixMilliseconds);
            e.HasIndex(o => new { o.PhoneIndex, o.CreatedAt }).HasDatabaseName("ix_otp_challenges_phone_created");
            e.HasIndex(o => new { o.ClientIndex, o.CreatedAt }).HasDatabaseName("ix_otp_challenges_client_created");
        });

        builder.Entity<IdentityVerification>(e =>
        {
            e.ToTable("identity_verifications");
            e.HasKey(v => v.Id);
            e.Property(v => v.Kind).HasConversion<string>();
            e.Property(v => v.At).HasConversion(UnixMilliseconds);
            e.HasOne<Account>().WithMany().HasForeignKey(v => v.AccountId).OnDelete(DeleteBehavior.Cascade);
            e.HasIndex(v => new { v.AccountId, v.At }).HasDatabaseName("ix_identity_verifications_account_at");
        });

        builder.Entity<FaceChallenge>(e =>
        {
            e.ToTable("face_challenges");
            e.HasKey(c => c.Id);
            e.Property(c => c.ExpiresAt).HasConversion(UnixMilliseconds);
            e.Property(c => c.UsedAt).HasConversion(UnixMilliseconds);
            e.HasOne<Account>().WithMany().HasForeignKey(c => c.AccountId).OnDelete(DeleteBehavior.Cascade);
            e.HasIndex(c => new { c.AccountId, c.Nonce }).IsUnique().HasDatabaseName("ux_face_challenges_account_nonce");
        });

        builder.Entity<ApiClient>(e =>
        {
            e.ToTable("api_clients");
            e.HasKey(c => c.Id);
            e.Property(c => c.Kind).HasConversion<string>();
            Json(e.Property(c => c.Scopes));
            e.Property(c => c.CreatedAt).HasConversion(UnixMilliseconds);
        });

        builder.Entity<UsedNonce>(e =>
        {
            e.ToTable("api_nonces");
            e.HasKey(n => new { n.ClientId, n.Nonce });
            e.Property(n => n.ExpiresAt).HasConversion(UnixMilliseconds);
            e.HasIndex(n => n.ExpiresAt).HasDatabaseName("ix_api_nonces_expires_at");
        });

        // Sign-in limits (migration 0006): per-address uses in a sliding window, and password lockout per phone index.
        builder.Entity<ClientLimitHit>(e =>
        {
            e.ToTable("client_limit_hits");
            e.HasKey(h => h.Id);
            e.Property(h => h.At).HasConversion(UnixMilliseconds);
            e.HasIndex(h => new { h.Purpose, h.ClientIndex, h.At }).HasDatabaseName("ix_client_limit_hits_purpose_client_at");
        });

        builder.Entity<SignInLockout>(e =>
        {
            e.ToTable("sign_in_lockouts");
            e.HasKey(l => l.PhoneIndex);
            e.Property(l => l.LockedUntil).HasConversion(UnixMilliseconds);
        });

        builder.Entity<StaffAssignment>(e =>
        {
            e.ToTable("staff_assignments");
            e.HasKey(a => new { a.RegionCode, a.DepartmentCode, a.AccountId, a.Role });
            e.Property(a => a.Role).HasConversion(new Microsoft.EntityFrameworkCore.Storage.ValueConversion.ValueConverter<StaffRole, string>(
                r => StaffRoles.Slug(r), s => StaffRoles.Parse(s)));
            e.HasOne<Account>().WithMany().HasForeignKey(a => a.AccountId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<Department>().WithMany().HasForeignKey(a => new { a.RegionCode, a.DepartmentCode }).OnDelete(DeleteBehavior.Restrict);
            e.Property(a => a.GrantedAt).HasConversion(UnixMilliseconds);
            e.HasIndex(a => a.AccountId).HasDatabaseName("ix_staff_assignments_account_id");
        });

        // Server-side sessions (migration 0005): configured beside the entity.
        builder.ApplyConfiguration(new AccountSessionConfiguration());

        ConfigureChannelConsentAndInvitations(builder);

        // EF's own DataProtectionKey on the table of migration 0002: keyed by friendly name (Data Protection names each key
        // "key-<guid>"), without the entity's surrogate Id, so the schema stays as it was.
        builder.Entity<DataProtectionKey>(e =>
        {
            e.ToTable("data_protection_keys");
            e.Ignore(k => k.Id);
            e.HasKey(k => k.FriendlyName);
            e.Property(k => k.Xml).IsRequired();
        });

        builder.Entity<Region>(e =>
        {
            e.ToTable("regions");
            e.HasKey(r => r.Code);
            e.Property(r => r.Level).HasConversion<string>();
            e.Ignore(r => r.Seat);
            e.Ignore(r => r.Centroid);
            e.HasOne<Region>().WithMany().HasForeignKey(r => r.ParentCode).OnDelete(DeleteBehavior.Restrict);
            e.HasIndex(r => r.ParentCode).HasDatabaseName("ix_regions_parent_code");
        });

        builder.Entity<Department>(e =>
        {
            e.ToTable("departments");
            e.HasKey(d => new { d.RegionCode, d.Code });
            e.HasOne<Region>().WithMany().HasForeignKey(d => d.RegionCode).OnDelete(DeleteBehavior.Restrict);
        });

        builder.Entity<ServiceItem>(e =>
        {
            e.ToTable("service_items");
            e.HasKey(s => new { s.RegionCode, s.Code });
            e.Ignore(s => s.Guide);
            e.Property(s => s.RequiredLevel).HasConversion<string>();
            e.Property(s => s.Field).HasConversion(new Microsoft.EntityFrameworkCore.Storage.ValueConversion.ValueConverter<ServiceField, string>(
                f => f.Slug(), s => ServiceFields.FromSlug(s) ?? ServiceField.SocialSecurity));
            e.Property(s => s.FeeKind).HasConversion<string>();
            e.Property(s => s.Visits).HasConversion<string>();
            Json(e.Property(s => s.Materials));
            Json(e.Property(s => s.OnlineModes));
            Json(e.Property(s => s.Keywords));
            e.HasOne<Region>().WithMany().HasForeignKey(s => s.RegionCode).OnDelete(DeleteBehavior.Restrict);
            e.HasOne<Department>().WithMany().HasForeignKey(s => new { s.DepartmentRegionCode, s.DepartmentCode }).OnDelete(DeleteBehavior.Restrict);
            e.HasIndex(s => new { s.DepartmentRegionCode, s.DepartmentCode }).HasDatabaseName("ix_service_items_department");
            e.HasIndex(s => new { s.RegionCode, s.Field }).HasDatabaseName("ix_service_items_region_field");
        });

        builder.Entity<ServiceOverride>(e =>
        {
            e.ToTable("service_overrides");
            e.HasKey(o => new { o.RegionCode, o.ServiceCode });
            e.Ignore(o => o.Patch);
            e.Property(o => o.FeeKind).HasConversion<string>();
            e.Property(o => o.Visits).HasConversion<string>();
            Json(e.Property(o => o.Materials));
            Json(e.Property(o => o.OnlineModes));
            Json(e.Property(o => o.Keywords));
            e.HasOne<Region>().WithMany().HasForeignKey(o => o.RegionCode).OnDelete(DeleteBehavior.Restrict);
        });

        foreach (var entity in builder.Model.GetEntityTypes())
        {
            foreach (var property in entity.GetProperties())
            {
                property.SetColumnName(SnakeCase(property.Name));
            }
        }
    }

    /// <summary>Migration 0007: pending channel links, used assertion ids, staff invitations.</summary>
    private static void ConfigureChannelConsentAndInvitations(ModelBuilder builder)
    {
        builder.Entity<ChannelLinkRequest>(e =>
        {
            e.ToTable("channel_link_requests");
            e.HasKey(r => r.Id);
            e.Property(r => r.CreatedAt).HasConversion(UnixMilliseconds);
            e.Property(r => r.ExpiresAt).HasConversion(UnixMilliseconds);
            e.Property(r => r.ConfirmedAt).HasConversion(UnixMilliseconds);
            e.HasOne<ApiClient>().WithMany().HasForeignKey(r => r.ClientId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<Account>().WithMany().HasForeignKey(r => r.AccountId).OnDelete(DeleteBehavior.Cascade);
            e.HasIndex(r => r.AccountId).HasDatabaseName("ix_channel_link_requests_account_id");
            e.HasIndex(r => r.ClientId).HasDatabaseName("ix_channel_link_requests_client_id");
        });

        builder.Entity<UsedAssertion>(e =>
        {
            e.ToTable("channel_assertions");
            e.HasKey(a => new { a.ClientId, a.Jti });
            e.Property(a => a.ExpiresAt).HasConversion(UnixMilliseconds);
            e.HasIndex(a => a.ExpiresAt).HasDatabaseName("ix_channel_assertions_expires_at");
        });

        builder.Entity<StaffInvitation>(e =>
        {
            e.ToTable("staff_invitations");
            e.HasKey(i => i.Id);
            e.Property(i => i.Role).HasConversion(new Microsoft.EntityFrameworkCore.Storage.ValueConversion.ValueConverter<StaffRole, string>(
                r => StaffRoles.Slug(r), s => StaffRoles.Parse(s)));
            e.Property(i => i.CreatedAt).HasConversion(UnixMilliseconds);
            e.Property(i => i.ExpiresAt).HasConversion(UnixMilliseconds);
            e.Property(i => i.WithdrawnAt).HasConversion(UnixMilliseconds);
            e.Property(i => i.AcceptedAt).HasConversion(UnixMilliseconds);
            e.HasOne<Department>().WithMany().HasForeignKey(i => new { i.RegionCode, i.DepartmentCode }).OnDelete(DeleteBehavior.Restrict);
            e.HasIndex(i => new { i.RegionCode, i.DepartmentCode }).HasDatabaseName("ix_staff_invitations_department");
            e.HasIndex(i => i.PhoneIndex).HasDatabaseName("ix_staff_invitations_phone_index");
        });
    }

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // Enums are stored by name (readable in SQL, safe to reorder in code).
        configurationBuilder.Properties<RegionLevel>().HaveConversion<string>();
    }

    internal static readonly Microsoft.EntityFrameworkCore.Storage.ValueConversion.ValueConverter<DateTimeOffset, long> UnixMilliseconds =
        new(v => v.ToUnixTimeMilliseconds(), v => DateTimeOffset.FromUnixTimeMilliseconds(v));

    /// <summary>
    /// Saves, or — when a unique key or other constraint says another request got there first — forgets this
    /// context's pending changes and returns false, so the caller can re-read and answer 409 or the existing row.
    /// </summary>
    public async Task<bool> TrySaveChangesAsync(CancellationToken ct)
    {
        try
        {
            await SaveChangesAsync(ct);
            return true;
        }
        catch (DbUpdateException)
        {
            ChangeTracker.Clear();
            return false;
        }
    }

    internal static string SnakeCase(string name)
    {
        var sb = new StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c) && i > 0)
            {
                sb.Append('_');
            }

            sb.Append(char.ToLowerInvariant(c));
        }

        return sb.ToString();
    }

    private static void Json<T>(PropertyBuilder<T> property)
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        property.HasConversion(
            v => JsonSerializer.Serialize(v, options),
            s => JsonSerializer.Deserialize<T>(s, options)!,
            new ValueComparer<T>(
                (a, b) => JsonSerializer.Serialize(a, options) == JsonSerializer.Serialize(b, options),
                v => JsonSerializer.Serialize(v, options).GetHashCode(StringComparison.Ordinal),
                v => JsonSerializer.Deserialize<T>(JsonSerializer.Serialize(v, options), options)!));
    }
}
