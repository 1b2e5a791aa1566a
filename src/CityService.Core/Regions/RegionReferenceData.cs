using System.Globalization;
using System.Reflection;

namespace CityService.Core.Regions;

/// <summary>Reads the divisions shipped with the platform (embedded <c>regions.tsv</c>, derived from ../shared/data/divisions.tsv).</summary>
public static class RegionReferenceData
{
    public static IReadOnlyList<Region> Load()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("regions.tsv")
            ?? throw new InvalidOperationException("The embedded regions.tsv is missing from the build.");
        using var reader = new StreamReader(stream);
        var regions = new List<Region>();
        _ = reader.ReadLine(); // header
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0)
            {
                continue;
            }

            var f = line.Split('\t');
            regions.Add(new Region(
                code: f[0],
                parentCode: f[3].Length == 0 ? null : f[3],
                level: Enum.Parse<RegionLevel>(f[2], ignoreCase: true),
                nameZh: f[1],
                nameEn: f[4],
                isCity: f[9] == "1",
                seat: Point(f[5], f[6]),
                centroid: Point(f[7], f[8])));
        }

        return regions;
    }

    private static GeoPoint? Point(string lat, string lon) =>
        lat.Length == 0 || lon.Length == 0
            ? null
            : new GeoPoint(double.Parse(lat, CultureInfo.InvariantCulture), double.Parse(lon, CultureInfo.InvariantCulture));
}
