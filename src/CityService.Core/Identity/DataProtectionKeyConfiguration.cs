using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;

namespace CityService.Core.Identity;

/// <summary>
/// EF's own <see cref="DataProtectionKey"/> (the key ring every instance shares, encrypted at rest by the host) on the
/// table of migration 0002: keyed by friendly name (Data Protection names each key "key-&lt;guid&gt;"), without the
/// entity's surrogate Id, so the schema stays as it was.
/// </summary>
public sealed class DataProtectionKeyConfiguration : IEntityTypeConfiguration<DataProtectionKey>
{
    public void Configure(EntityTypeBuilder<DataProtectionKey> builder)
    {
        builder.ToTable("data_protection_keys");
        builder.Ignore(k => k.Id);
        builder.HasKey(k => k.FriendlyName);
        builder.Property(k => k.Xml).IsRequired();
    }
}
