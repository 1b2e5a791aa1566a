using System.Runtime.CompilerServices;
using CityService.Core.Regions;
using CityService.Core.Storage;
using CityService.Web.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CityService.Web.Features.Regions;

public static class RegionEndpoints
{
    /// <summary>A longer city filter is cut: no city name is longer.</summary>
    public const int MaxQueryLength = 50;

    /// <summary>The region directory: loaded once from the database (reference regions are synced at start-up), then served from memory.</summary>
    public static void AddRegions(this WebApplicationBuilder builder) =>
        builder.Services.AddSingleton(sp => sp.GetRequiredService<DatabaseInitializer>().LoadRegionsAsync(CancellationToken.None).GetAwaiter().GetResult());

    public static IEndpointRouteBuilder MapRegions(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api").WithTags("Regions").AllowAnonymous().WithETag()
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        group.MapGet("/cities", ListCities).WithName("ListCities").WithSummary("Cities a citizen can choose (municipalities, prefecture-level units, county-level units under a province, pilot counties); q filters by Chinese, English or pinyin.");
        group.MapGet("/regions/locate", Locate).WithName("LocateRegion").WithSummary("The city (and county) a coordinate lies in: the nearest seat of government or GeoNames place within 100 km, if that is in China.");
        group.MapGet("/regions/{code}", GetRegion).WithName("GetRegion").WithSummary("A region by its GB/T 2260 code, with its ancestors.");
        group.MapGet("/regions/{code}/children", GetChildren).WithName("GetRegionChildren").WithSummary("The regions directly below a region.");
        return app;
    }

    public static Results<PreparedJson, Ok<RegionListDto>> ListCities(
        [DocumentAs(typeof(string), Description = "Part of the name: Chinese characters (杭), the start of the pinyin or English name (hang), or a province (浙江).")] string? q,
        RegionDirectory regions,
        HttpContext http)
    {
        if (string.IsNullOrWhiteSpace(q))
        {
            // The whole list (371 cities, 36 kB) is the same for every caller: serialized and hashed once per directory.
            return AllCities.GetValue(regions, directory => PreparedJson.From(CityList(directory.Cities), http));
        }

        return TypedResults.Ok(CityList(regions.FindCities(q[..Math.Min(q.Length, MaxQueryLength)])));
    }

    private static readonly ConditionalWeakTable<RegionDirectory, PreparedJson> AllCities = [];

    private static RegionListDto CityList(IReadOnlyList<Region> cities) => new(cities.Select(RegionSummaryDto.From).ToList(), cities.Count);

    public static Results<Ok<RegionDto>, ProblemHttpResult> GetRegion(string code, RegionDirectory regions, HttpContext http)
    {
        var region = regions.Get(code);
        return region.IsOk ? TypedResults.Ok(RegionDto.From(region.Value, regions)) : Problems.From(region.Error, http);
    }

    public static Results<Ok<RegionListDto>, ProblemHttpResult> GetChildren(string code, RegionDirectory regions, HttpContext http)
    {
        var region = regions.Get(code);
        if (!region.IsOk)
        {
            return Problems.From(region.Error, http);
        }

        var children = regions.ChildrenOf(region.Value.Code).Select(RegionSummaryDto.From).ToList();
        return TypedResults.Ok(new RegionListDto(children, children.Count));
    }

    public static Results<Ok<LocateResultDto>, ProblemHttpResult> Locate(
        [DocumentAs(typeof(double), Minimum = -90, Maximum = 90, Description = "Latitude (GCJ-02), degrees.")] string? lat,
        [DocumentAs(typeof(double), Minimum = -180, Maximum = 180, Description = "Longitude (GCJ-02), degrees.")] string? lon,
        RegionDirectory regions,
        HttpContext http)
    {
        var latitude = QueryValues.Coordinate(lat, "lat", 90);
        if (!latitude.IsOk)
        {
            return Problems.From(latitude.Error, http);
        }

        var longitude = QueryValues.Coordinate(lon, "lon", 180);
        if (!longitude.IsOk)
        {
            return Problems.From(longitude.Error, http);
        }

        if (regions.Locate(new GeoPoint(latitude.Value, longitude.Value)) is not { } found)
        {
            return Problems.From(
                Core.Common.Error.NotFound(
                    RegionErrors.NoCityNearby,
                    $"这个位置不在中国境内的城市或县附近（{RegionDirectory.LocateRadiusKm:0} 公里内），请从列表中选择城市。",
                    $"This point is not within {RegionDirectory.LocateRadiusKm:0} km of a city or county of China; choose the city from the list."),
                http);
        }

        return TypedResults.Ok(LocateResultDto.From(found, regions));
    }
}
