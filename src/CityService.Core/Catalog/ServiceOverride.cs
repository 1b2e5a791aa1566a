namespace CityService.Core.Catalog;

/// <summary>
/// A city's or county's change to an inherited item, applying to it and every region below it.
/// Nearer overrides win field by field; <see cref="Enabled"/> null means "as inherited".
/// </summary>
public sealed class ServiceOverride
{
    private ServiceOverride()
    {
        RegionCode = ServiceCode = string.Empty;
    }

    public ServiceOverride(string regionCode, string serviceCode, DateTimeOffset now)
    {
        RegionCode = regionCode;
        ServiceCode = serviceCode;
        UpdatedAt = now;
    }

    public string RegionCode { get; private set; }

    public string ServiceCode { get; private set; }

    public bool? Enabled { get; private set; }

    public string? DepartmentRegionCode { get; private set; }

    public string? DepartmentCode { get; private set; }

    /// <summary>The guide fields this region replaces, stored as a complex type in the override's own columns.</summary>
    public GuidePatch Patch { get; private set; } = new();

    public DateTimeOffset UpdatedAt { get; private set; }

    public void Disable(DateTimeOffset now) => (Enabled, UpdatedAt) = (false, now);

    public void Enable(DateTimeOffset now) => (Enabled, UpdatedAt) = (true, now);

    public void Inherit(DateTimeOffset now) => (Enabled, UpdatedAt) = (null, now);

    public void AssignTo((string RegionCode, string Code)? department, DateTimeOffset now)
    {
        (DepartmentRegionCode, DepartmentCode) = (department?.RegionCode, department?.Code);
        UpdatedAt = now;
    }

    public void ChangeGuide(GuidePatch patch, DateTimeOffset now) => (Patch, UpdatedAt) = (patch, now);
}

public sealed class ServiceOverrideConfiguration : IEntityTypeConfiguration<ServiceOverride>
{
    public void Configure(EntityTypeBuilder<ServiceOverride> builder)
    {
        builder.ToTable("service_overrides");
        builder.HasKey(o => new { o.RegionCode, o.ServiceCode });
        builder.ComplexProperty(o => o.Patch, GuideColumns.Map);
        builder.HasOne<Regions.Region>().WithMany().HasForeignKey(o => o.RegionCode).OnDelete(DeleteBehavior.Restrict);
    }
}
