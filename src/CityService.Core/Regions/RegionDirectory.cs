using System.Collections.Frozen;
using CityService.Core.Common;

namespace CityService.Core.Regions;

/// <summary>
/// The administrative divisions held in memory. They are reference data that change only with a release
/// (<see cref="RegionSeeder"/>), so every instance loads them once at start-up instead of asking the database per request.
/// </summary>
public sealed class RegionDirectory
{
    /// <summary>How far from a city's seat a point may lie and still be placed in that city.</summary>
    public const double LocateRadiusKm = 100;

    private readonly FrozenDictionary<string, Region> _byCode;
    private readonly FrozenDictionary<string, Region[]> _children;
    private readonly Region[] _cities;

    public RegionDirectory(IEnumerable<Region> regions)
    {
        var all = regions.ToArray();
        _byCode = all.ToFrozenDictionary(r => r.Code, StringComparer.Ordinal);
        _children = all.Where(r => r.ParentCode is not null)
            .GroupBy(r => r.ParentCode!, StringComparer.Ordinal)
            .ToFrozenDictionary(g => g.Key, g => g.OrderBy(r => r.Code, StringComparer.Ordinal).ToArray(), StringComparer.Ordinal);
        _cities = all.Where(r => r.IsCity).OrderBy(r => r.Code, StringComparer.Ordinal).ToArray();
    }

    public int Count => _byCode.Count;

    public IReadOnlyList<Region> Cities => _cities;

    public static bool IsWellFormedCode(string? code) =>
        code is { Length: 6 } && code.All(char.IsAsciiDigit);

    public static Error MalformedCode(string parameter = "code") => Error.Invalid(
        parameter,
        RegionErrors.CodeMalformed,
        "地区代码必须是 6 位数字（GB/T 2260），例如 330100。",
        "A region code is six digits (GB/T 2260), for example 330100.");

    public static Error UnknownCode(string code) => Error.NotFound(
        RegionErrors.NotFound,
        $"没有代码为 {code} 的地区。",
        $"There is no region with code {code}.",
        "code");

    public Region? Find(string code) => _byCode.GetValueOrDefault(code);

    /// <summary>Looks a code up, telling a malformed code (400) from an unknown one (404).</summary>
    public Result<Region> Get(string? code, string parameter = "code")
    {
        if (!IsWellFormedCode(code))
        {
            return MalformedCode(parameter);
        }

        return Find(code!) is { } region ? region : UnknownCode(code!);
    }

    public IReadOnlyList<Region> ChildrenOf(string code) => _children.GetValueOrDefault(code) ?? [];

    /// <summary>The chain from the national level down to the region's parent (the region itself excluded).</summary>
    public IReadOnlyList<Region> AncestorsOf(string code)
    {
        var chain = new List<Region>();
        var current = Find(code);
        while (current?.ParentCode is { } parent && Find(parent) is { } up)
        {
            chain.Add(up);
            current = up;
        }

        chain.Reverse();
        return chain;
    }

    /// <summary>The region and all of its ancestors, nearest first.</summary>
    public IReadOnlyList<string> SelfAndAncestorCodes(string code)
    {
        var codes = new List<string> { code };
        codes.AddRange(AncestorsOf(code).Select(r => r.Code).Reverse());
        return codes;
    }

    /// <summary>
    /// Places a point in a city. No boundary polygons are held, so this is the city whose seat of government
    /// (or, lacking one, area centroid) is nearest, if that is within <see cref="LocateRadiusKm"/>.
    /// </summary>
    public (Region City, double DistanceKm)? Locate(GeoPoint point)
    {
        (Region City, double DistanceKm)? best = null;
        foreach (var city in _cities)
        {
            if ((city.Seat ?? city.Centroid) is not { } anchor)
            {
                continue;
            }

            var distance = point.DistanceKmTo(anchor);
            if (distance <= LocateRadiusKm && (best is null || distance < best.Value.DistanceKm))
            {
                best = (city, distance);
            }
        }

        return best;
    }
}
