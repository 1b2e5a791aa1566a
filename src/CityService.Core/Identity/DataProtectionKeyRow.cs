namespace CityService.Core.Identity;

/// <summary>One key of ASP.NET Core Data Protection's key ring, kept in the database so every instance shares it.</summary>
public sealed class DataProtectionKeyRow(string friendlyName, string xml)
{
    public string FriendlyName { get; private set; } = friendlyName;

    public string Xml { get; private set; } = xml;
}

public sealed class DataProtectionKeyRowConfiguration : IEntityTypeConfiguration<DataProtectionKeyRow>
{
    public void Configure(EntityTypeBuilder<DataProtectionKeyRow> builder)
    {
        builder.ToTable("data_protection_keys");
        builder.HasKey(k => k.FriendlyName);
    }
}
