using CityService.Core.Common;

namespace CityService.Core.Catalog;

/// <summary>
/// A place where citizens handle items in person (办理地点): a government service centre or a department's hall.
/// A region's halls serve it and every region below it that has no hall of its own for the item's field.
/// </summary>
public sealed class ServiceHall
{
    private ServiceHall()
    {
        RegionCode = Code = NameZh = NameEn = AddressZh = AddressEn = HoursZh = HoursEn = Phone = string.Empty;
        Fields = [];
    }

    public ServiceHall(string regionCode, string code, LocalizedText name, LocalizedText address, LocalizedText hours, string phone, IReadOnlyList<ServiceField> fields)
        : this()
    {
        RegionCode = regionCode;
        Code = code;
        Describe(name, address, hours, phone);
        Serve(fields);
    }

    public string RegionCode { get; private set; }

    public string Code { get; private set; }

    public string NameZh { get; private set; }

    public string NameEn { get; private set; }

    public string AddressZh { get; private set; }

    public string AddressEn { get; private set; }

    public string HoursZh { get; private set; }

    public string HoursEn { get; private set; }

    public string Phone { get; private set; }

    /// <summary>The fields whose items this hall handles; empty means every field (a government service centre).</summary>
    public IReadOnlyList<ServiceField> Fields { get; private set; }

    public bool Serves(ServiceField field) => Fields.Count == 0 || Fields.Contains(field);

    public void Describe(LocalizedText name, LocalizedText address, LocalizedText hours, string phone)
    {
        (NameZh, NameEn) = (name.Zh, name.En);
        (AddressZh, AddressEn) = (address.Zh, address.En);
        (HoursZh, HoursEn) = (hours.Zh, hours.En);
        Phone = phone;
    }

    public void Serve(IReadOnlyList<ServiceField> fields) => Fields = fields;
}

/// <summary>A hall as a guide shows it.</summary>
public sealed record HallRef(string RegionCode, string Code, LocalizedText Name, LocalizedText Address, LocalizedText Hours, string Phone);

public sealed class ServiceHallConfiguration : IEntityTypeConfiguration<ServiceHall>
{
    public void Configure(EntityTypeBuilder<ServiceHall> builder)
    {
        builder.ToTable("service_halls");
        builder.HasKey(h => new { h.RegionCode, h.Code });
        builder.Property(h => h.Fields).HasJsonConversion();
        builder.HasOne<Regions.Region>().WithMany().HasForeignKey(h => h.RegionCode).OnDelete(DeleteBehavior.Restrict);
    }
}
