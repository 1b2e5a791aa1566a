using CityService.Core.Common;
using CityService.Core.Identity;

namespace CityService.Core.Catalog;

/// <summary>
/// A service item as defined in one region. Regions below inherit it; what they see is the
/// <see cref="EffectiveServiceItem"/> after their <see cref="ServiceOverride"/>s.
/// </summary>
public sealed class ServiceItem
{
    private ServiceItem()
    {
        RegionCode = Code = DepartmentRegionCode = DepartmentCode = string.Empty;
        NameZh = NameEn = DescriptionZh = DescriptionEn = string.Empty;
        Guide = null!; // set by EF or by ReviseGuide
    }

    public ServiceItem(
        string regionCode,
        string code,
        ServiceField field,
        (string RegionCode, string Code) department,
        LocalizedText name,
        LocalizedText description,
        ServiceGuide guide,
        DateTimeOffset now)
        : this()
    {
        RegionCode = regionCode;
        Code = code;
        Field = field;
        AssignTo(department);
        Describe(name, description);
        ReviseGuide(guide, now);
    }

    public string RegionCode { get; private set; }

    public string Code { get; private set; }

    public ServiceField Field { get; private set; }

    public string DepartmentRegionCode { get; private set; }

    public string DepartmentCode { get; private set; }

    public string NameZh { get; private set; }

    public string NameEn { get; private set; }

    public string DescriptionZh { get; private set; }

    public string DescriptionEn { get; private set; }

    /// <summary>The guide, stored as a complex type in the item's own columns (materials, fee_kind, fee_fen, …).</summary>
    public ServiceGuide Guide { get; private set; }

    public DateTimeOffset UpdatedAt { get; private set; }

    /// <summary>The assurance level a citizen needs to start this service (L1 unless the law asks for a verified identity).</summary>
    public AssuranceLevel RequiredLevel { get; private set; } = AssuranceLevel.L1;

    public void RequireLevel(AssuranceLevel level, DateTimeOffset now) => (RequiredLevel, UpdatedAt) = (level, now);

    public void AssignTo((string RegionCode, string Code) department) =>
        (DepartmentRegionCode, DepartmentCode) = department;

    public void Describe(LocalizedText name, LocalizedText description)
    {
        (NameZh, NameEn) = (name.Zh, name.En);
        (DescriptionZh, DescriptionEn) = (description.Zh, description.En);
    }

    public void ReviseGuide(ServiceGuide guide, DateTimeOffset now) => (Guide, UpdatedAt) = (guide, now);
}

public sealed class ServiceItemConfiguration : IEntityTypeConfiguration<ServiceItem>
{
    public void Configure(EntityTypeBuilder<ServiceItem> builder)
    {
        builder.ToTable("service_items");
        builder.HasKey(s => new { s.RegionCode, s.Code });
        builder.Property(s => s.Field).HasEnumText(f => f.Slug(), ServiceFields.FromSlug);
        builder.ComplexProperty(s => s.Guide, GuideColumns.Map);
        builder.HasOne<Regions.Region>().WithMany().HasForeignKey(s => s.RegionCode).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<Department>().WithMany().HasForeignKey(s => new { s.DepartmentRegionCode, s.DepartmentCode }).OnDelete(DeleteBehavior.Restrict);
        builder.HasIndex(s => new { s.DepartmentRegionCode, s.DepartmentCode }).HasDatabaseName("ix_service_items_department");
        builder.HasIndex(s => new { s.RegionCode, s.Field }).HasDatabaseName("ix_service_items_region_field");
    }
}
