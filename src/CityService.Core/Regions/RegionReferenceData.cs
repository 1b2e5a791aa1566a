using System.Globalization;
using System.Reflection;

namespace CityService.Core.Regions;

/// <summary>A known place that is not a seat of government: where it lies and the region it belongs to (null: abroad).</summary>
public readonly record struct GazetteerPlace(GeoPoint Point, string? RegionCode);

/// <summary>
/// Reads the divisions shipped with the platform (embedded <c>regions.tsv</c>, all of ../shared/data/divisions.tsv) and the
/// places used to locate a citizen (<c>places.tsv</c>, from GeoNames, CC BY 4.0). Both are written by tools/region-data.
/// </summary>
public static class RegionReferenceData
{
    private static readonly Lazy<IReadOnlyList<GazetteerPlace>> SharedPlaces = new(() => ReadPlaces());
    private static readonly Lazy<IReadOnlyDictionary<string, string>> SharedPinyin = new(() => Rows().ToDictionary(f => f[0], f => f[10], StringComparer.Ordinal));

    /// <summary>The GeoNames places in and near China (read once per process).</summary>
    public static IReadOnlyList<GazetteerPlace> Places => SharedPlaces.Value;

    /// <summary>The toneless pinyin of each region's name without its suffix (hangzhou, xihuqu), by code, for search.</summary>
    public static IReadOnlyDictionary<string, string> Pinyin => SharedPinyin.Value;

    public static IReadOnlyList<Region> Load() =>
        Rows().Select(f => new Region(
                code: f[0],
                parentCode: f[3].Length == 0 ? null : f[3],
                level: Enum.Parse<RegionLevel>(f[2], ignoreCase: true),
                nameZh: f[1],
                nameEn: f[4],
                isCity: f[9] == "1",
                seat: Point(f[5], f[6]),
                centroid: Point(f[7], f[8])))
            .ToList();

    private static IEnumerable<string[]> Rows() => Lines("regions.tsv").Select(line => line.Split('\t'));

    private static List<GazetteerPlace> ReadPlaces() =>
        Lines("places.tsv")
            .Select(line => line.Split('\t'))
            .Select(f => new GazetteerPlace(Point(f[0], f[1])!.Value, f[2].Length == 0 ? null : f[2]))
            .ToList();

    private static IEnumerable<string> Lines(string resource)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"The embedded {resource} is missing from the build.");
        using var reader = new StreamReader(stream);
        _ = reader.ReadLine(); // header
        while (reader.ReadLine() is { } line)
        {
            if (line.Length > 0)
            {
                yield return line;
            }
        }
    }

    private static GeoPoint? Point(string lat, string lon) =>
        lat.Length == 0 || lon.Length == 0
            ? null
            : new GeoPoint(double.Parse(lat, CultureInfo.InvariantCulture), double.Parse(lon, CultureInfo.InvariantCulture));
}
