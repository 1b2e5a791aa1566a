namespace CityService.Core.Regions;

public enum RegionLevel
{
    National,
    Province,
    Prefecture,
    County,
}

/// <summary>An administrative division identified by its GB/T 2260 six-digit code (100000 stands for the national level).</summary>
public sealed class Region
{
    /// <summary>
    /// The region code of rows that belong to no region but to the platform as a whole (identity, operators): the audit
    /// chain, inbox entries and outbox messages of platform-wide acts. Not a GB/T 2260 code, so it never names a place.
    /// </summary>
    public const string PlatformCode = "000000";

    private Region()
    {
        Code = string.Empty;
        NameZh = string.Empty;
        NameEn = string.Empty;
    }

    public Region(string code, string? parentCode, RegionLevel level, string nameZh, string nameEn, bool isCity, GeoPoint? seat, GeoPoint? centroid)
    {
        Code = code;
        ParentCode = parentCode;
        Level = level;
        NameZh = nameZh;
        NameEn = nameEn;
        IsCity = isCity;
        SetPlaces(seat, centroid);
    }

    public string Code { get; private set; }

    public string? ParentCode { get; private set; }

    public RegionLevel Level { get; private set; }

    public string NameZh { get; private set; }

    public string NameEn { get; private set; }

    /// <summary>True for the places a citizen picks as "their city": municipalities, prefecture-level cities and the pilot county-level units.</summary>
    public bool IsCity { get; private set; }

    public double? SeatLat { get; private set; }

    public double? SeatLon { get; private set; }

    public double? CentroidLat { get; private set; }

    public double? CentroidLon { get; private set; }

    public GeoPoint? Seat => SeatLat is { } lat && SeatLon is { } lon ? new GeoPoint(lat, lon) : null;

    public GeoPoint? Centroid => CentroidLat is { } lat && CentroidLon is { } lon ? new GeoPoint(lat, lon) : null;

    /// <summary>Brings the row in line with the reference data; returns whether anything changed.</summary>
    public bool MatchReference(Region reference)
    {
        var changed = ParentCode != reference.ParentCode || Level != reference.Level || NameZh != reference.NameZh
            || NameEn != reference.NameEn || IsCity != reference.IsCity || Seat != reference.Seat || Centroid != reference.Centroid;
        if (!changed)
        {
            return false;
        }

        ParentCode = reference.ParentCode;
        Level = reference.Level;
        NameZh = reference.NameZh;
        NameEn = reference.NameEn;
        IsCity = reference.IsCity;
        SetPlaces(reference.Seat, reference.Centroid);
        return true;
    }

    private void SetPlaces(GeoPoint? seat, GeoPoint? centroid)
    {
        SeatLat = seat?.Lat;
        SeatLon = seat?.Lon;
        CentroidLat = centroid?.Lat;
        CentroidLon = centroid?.Lon;
    }
}

public readonly record struct GeoPoint(double Lat, double Lon)
{
    private const double EarthRadiusKm = 6371.0088;

    /// <summary>Great-circle distance (haversine) in kilometres.</summary>
    public double DistanceKmTo(GeoPoint other)
    {
        static double Rad(double deg) => deg * Math.PI / 180.0;
        var dLat = Rad(other.Lat - Lat);
        var dLon = Rad(other.Lon - Lon);
        var a = (Math.Sin(dLat / 2) * Math.Sin(dLat / 2))
            + (Math.Cos(Rad(Lat)) * Math.Cos(Rad(other.Lat)) * Math.Sin(dLon / 2) * Math.Sin(dLon / 2));
        return 2 * EarthRadiusKm * Math.Asin(Math.Min(1, Math.Sqrt(a)));
    }
}

public sealed class RegionConfiguration : IEntityTypeConfiguration<Region>
{
    public void Configure(EntityTypeBuilder<Region> builder)
    {
        builder.ToTable("regions");
        builder.HasKey(r => r.Code);
        builder.Ignore(r => r.Seat);
        builder.Ignore(r => r.Centroid);
        builder.HasOne<Region>().WithMany().HasForeignKey(r => r.ParentCode).OnDelete(DeleteBehavior.Restrict);
        builder.HasIndex(r => r.ParentCode).HasDatabaseName("ix_regions_parent_code");
    }
}
