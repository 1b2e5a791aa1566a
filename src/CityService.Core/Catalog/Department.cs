namespace CityService.Core.Catalog;

/// <summary>A government department of one region (national, provincial, city or county level).</summary>
public sealed class Department
{
    private Department()
    {
        RegionCode = Code = NameZh = NameEn = string.Empty;
    }

    public Department(string regionCode, string code, string nameZh, string nameEn)
    {
        RegionCode = regionCode;
        Code = code;
        NameZh = nameZh;
        NameEn = nameEn;
    }

    public string RegionCode { get; private set; }

    public string Code { get; private set; }

    public string NameZh { get; private set; }

    public string NameEn { get; private set; }

    /// <summary>Where citizens call with questions about the department's items (咨询电话); null when it has none of its own.</summary>
    public string? Phone { get; private set; }

    public void ListPhone(string? phone) => Phone = phone;

    public void Rename(string nameZh, string nameEn)
    {
        NameZh = nameZh;
        NameEn = nameEn;
    }
}

public sealed class DepartmentConfiguration : IEntityTypeConfiguration<Department>
{
    public void Configure(EntityTypeBuilder<Department> builder)
    {
        builder.ToTable("departments");
        builder.HasKey(d => new { d.RegionCode, d.Code });
        builder.HasOne<Regions.Region>().WithMany().HasForeignKey(d => d.RegionCode).OnDelete(DeleteBehavior.Restrict);
    }
}
