using CityService.Core.Regions;

namespace CityService.Web.Features.Regions;

public sealed record GeoPointDto(double Lat, double Lon);

public sealed record RegionSummaryDto(string Code, RegionLevel Level, string NameZh, string NameEn, bool IsCity)
{
    public static RegionSummaryDto From(Region r) => new(r.Code, r.Level, r.NameZh, r.NameEn, r.IsCity);
}

public sealed record RegionDto(
    string Code,
    string? ParentCode,
    RegionLevel Level,
    string NameZh,
    string NameEn,
    bool IsCity,
    GeoPointDto? Seat,
    GeoPointDto? Centroid,
    IReadOnlyList<RegionSummaryDto> Ancestors,
    int ChildCount)
{
    public static RegionDto From(Region r, RegionDirectory directory) => new(
        r.Code,
        r.ParentCode,
        r.Level,
        r.NameZh,
        r.NameEn,
        r.IsCity,
        r.Seat is { } s ? new GeoPointDto(s.Lat, s.Lon) : null,
        r.Centroid is { } c ? new GeoPointDto(c.Lat, c.Lon) : null,
        directory.AncestorsOf(r.Code).Select(RegionSummaryDto.From).ToList(),
        directory.ChildrenOf(r.Code).Count);
}

public sealed record RegionListDto(IReadOnlyList<RegionSummaryDto> Items, int Total);

/// <summary>
/// Where a point was placed: <c>region</c> is the city; <c>county</c> the county-level unit when the nearest known place names one;
/// <c>method</c> says how (docs/decisions/005): <c>nearest-seat</c> (a seat of government) or <c>nearest-place</c> (another GeoNames place).
/// </summary>
public sealed record LocateResultDto(RegionDto Region, double DistanceKm, string Method, RegionSummaryDto? County)
{
    public static LocateResultDto From(RegionLocation found, RegionDirectory directory) => new(
        RegionDto.From(found.City, directory),
        Math.Round(found.DistanceKm, 1),
        found.FromSeat ? "nearest-seat" : "nearest-place",
        found.County is { } county ? RegionSummaryDto.From(county) : null);
}
