using System.Collections.Frozen;
using CityService.Core.Common;

namespace CityService.Core.Regions;

/// <summary>
/// The administrative divisions held in memory. They are reference data that change only with a release
/// (<see cref="RegionSeeder"/>), so every instance loads them once at start-up instead of asking the database per request.
/// </summary>
public sealed class RegionDirectory
{
    /// <summary>How far from the nearest known place (seat of government or gazetteer place) a point may lie and still be placed.</summary>
    public const double LocateRadiusKm = 100;

    private readonly FrozenDictionary<string, Region> _byCode;
    private readonly FrozenDictionary<string, Region[]> _children;
    private readonly Region[] _cities;
    private readonly CityGroup[] _groups;
    private readonly SearchKey[] _cityKeys;
    private const double KmPerDegree = 111.0; // of latitude, a little less than the true 111.2, so the searched cells are never too few

    private readonly FrozenDictionary<long, Anchor[]> _anchors;

    /// <param name="regions">The divisions (from the database).</param>
    /// <param name="places">Places that are not seats, for locating; default: the shipped GeoNames places.</param>
    /// <param name="pinyin">Pinyin of the names by code, for search; default: the shipped pinyin.</param>
    public RegionDirectory(IEnumerable<Region> regions, IEnumerable<GazetteerPlace>? places = null, IReadOnlyDictionary<string, string>? pinyin = null)
    {
        var all = regions.ToArray();
        _byCode = all.ToFrozenDictionary(r => r.Code, StringComparer.Ordinal);
        _children = all.Where(r => r.ParentCode is not null)
            .GroupBy(r => r.ParentCode!, StringComparer.Ordinal)
            .ToFrozenDictionary(g => g.Key, g => g.OrderBy(r => r.Code, StringComparer.Ordinal).ToArray(), StringComparer.Ordinal);
        _cities = all.Where(r => r.IsCity).OrderBy(r => r.Code, StringComparer.Ordinal).ToArray();
        _groups = _cities
            .GroupBy(c => c.Level == RegionLevel.Province ? c : AncestorsOf(c.Code).FirstOrDefault(a => a.Level == RegionLevel.Province) ?? c)
            .Select(g => new CityGroup(g.Key, g.ToArray()))
            .ToArray();
        pinyin ??= RegionReferenceData.Pinyin;
        _cityKeys = _cities.Select(c => SearchKey.For(c, pinyin, _byCode)).ToArray();
        _anchors = BuildAnchors(all, places ?? RegionReferenceData.Places);
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

    /// <summary>The city a region belongs to: itself if it is one, else the nearest city above it (a district of a municipality: the municipality).</summary>
    public Region? CityOf(string code)
    {
        var current = Find(code);
        while (current is { IsCity: false, ParentCode: { } parent })
        {
            current = Find(parent);
        }

        return current is { IsCity: true } ? current : null;
    }

    /// <summary>Every city under its province, in code order; a municipality (and a city outside any province) is a group of its own.</summary>
    public IReadOnlyList<CityGroup> CitiesByProvince => _groups;

    /// <summary>
    /// The cities whose name matches what a person types: Chinese characters anywhere in the name (杭 → 杭州市), the start of the
    /// pinyin or of a word of the English name, case and tone marks ignored (hang → Hangzhou, "urum" → Urumqi, "kashgar"), or the
    /// name of their province (浙江 / zhejiang → its cities). Best matches first (exact, then prefix, then the rest), then by code.
    /// An empty query matches every city.
    /// </summary>
    public IReadOnlyList<Region> FindCities(string? query, int limit = int.MaxValue)
    {
        var q = SearchKey.Fold(query);
        if (q.Length == 0 && string.IsNullOrWhiteSpace(query))
        {
            return _cities.Take(limit).ToArray();
        }

        var zh = (query ?? string.Empty).Trim();
        var chinese = zh.Any(c => c >= '\u2E80') ? zh : null; // CJK: match the characters, else the folded letters
        return _cityKeys
            .Select(k => (k.City, Rank: k.Rank(chinese, q)))
            .Where(m => m.Rank > 0)
            .OrderByDescending(m => m.Rank)
            .ThenBy(m => m.City.Code, StringComparer.Ordinal)
            .Take(limit)
            .Select(m => m.City)
            .ToArray();
    }

    /// <summary><see cref="CitiesByProvince"/> narrowed to the cities <see cref="FindCities"/> finds (groups left empty are dropped).</summary>
    public IReadOnlyList<CityGroup> FindCitiesByProvince(string? query)
    {
        if (string.IsNullOrWhiteSpace(query))
        {
            return _groups;
        }

        var found = FindCities(query).ToHashSet();
        return _groups
            .Select(g => g with { Cities = g.Cities.Where(found.Contains).ToArray() })
            .Where(g => g.Cities.Count > 0)
            .ToArray();
    }

    /// <summary>
    /// Places a point in a city (and a county when it can). No boundary polygons are held: the point goes to the nearest known place,
    /// a seat of government or a GeoNames place, which names its county or its city; if that place is abroad (a point across the
    /// border) or farther than <see cref="LocateRadiusKm"/> (the sea, the empty highlands), the point is not placed.
    /// See docs/decisions/005.
    /// </summary>
    public RegionLocation? Locate(GeoPoint point)
    {
        // Only the one-degree cells within the radius can hold a place near enough, so only they are searched (a few dozen
        // places instead of all ~6,900). Within them rank by the equirectangular approximation (cheap, and right for ranking at
        // these distances), then measure the winner.
        var cosLat = Math.Cos(point.Lat * Math.PI / 180.0);
        var lonCells = (int)Math.Ceiling(LocateRadiusKm / (KmPerDegree * Math.Max(cosLat, 0.05)));
        var latCells = (int)Math.Ceiling(LocateRadiusKm / KmPerDegree);
        var cellLat = (int)Math.Floor(point.Lat);
        var cellLon = (int)Math.Floor(point.Lon);
        Anchor? best = null;
        var bestScore = double.MaxValue;
        for (var a = cellLat - latCells; a <= cellLat + latCells; a++)
        {
            for (var b = cellLon - lonCells; b <= cellLon + lonCells; b++)
            {
                if (!_anchors.TryGetValue(Cell(a, b), out var cell))
                {
                    continue;
                }

                foreach (var anchor in cell)
                {
                    var dLat = anchor.Point.Lat - point.Lat;
                    var dLon = (anchor.Point.Lon - point.Lon) * cosLat;
                    var score = (dLat * dLat) + (dLon * dLon);
                    if (score < bestScore)
                    {
                        bestScore = score;
                        best = anchor;
                    }
                }
            }
        }

        if (best is not { Region: { } region } nearest)
        {
            return null;
        }

        var distance = point.DistanceKmTo(nearest.Point);
        if (distance > LocateRadiusKm || CityOf(region.Code) is not { } city)
        {
            return null;
        }

        return new RegionLocation(city, region.Level == RegionLevel.County ? region : null, distance, nearest.IsSeat);
    }

    private static long Cell(int lat, int lon) => ((long)lat << 32) | (uint)lon;

    private FrozenDictionary<long, Anchor[]> BuildAnchors(Region[] all, IEnumerable<GazetteerPlace> places)
    {
        var anchors = new List<Anchor>();

        // Seats of the counties, then of the cities (a province's seat is its capital city's, which is already there): where a county
        // and its city share a seat (喀什市 and 喀什地区), the county comes first and wins the tie, so the answer names both.
        foreach (var region in all.OrderByDescending(r => r.Level))
        {
            if (region.Seat is { } seat && (region.Level is RegionLevel.Prefecture or RegionLevel.County || region.IsCity))
            {
                anchors.Add(new Anchor(seat, region, IsSeat: true));
            }
        }

        foreach (var place in places)
        {
            if (place.RegionCode is null)
            {
                anchors.Add(new Anchor(place.Point, null, IsSeat: false));
            }
            else if (Find(place.RegionCode) is { } region)
            {
                anchors.Add(new Anchor(place.Point, region, IsSeat: false));
            }
        }

        return anchors
            .GroupBy(a => Cell((int)Math.Floor(a.Point.Lat), (int)Math.Floor(a.Point.Lon)))
            .ToFrozenDictionary(g => g.Key, g => g.ToArray());
    }

    /// <summary>A place a point can be matched to; <see cref="Region"/> null means abroad.</summary>
    private readonly record struct Anchor(GeoPoint Point, Region? Region, bool IsSeat);

    private sealed record SearchKey(Region City, string Zh, string Pinyin, string[] EnglishWords, string ProvinceZh, string[] ProvinceKeys)
    {
        public static SearchKey For(Region city, IReadOnlyDictionary<string, string> pinyin, FrozenDictionary<string, Region> byCode)
        {
            var province = city;
            while (province.Level != RegionLevel.Province && province.ParentCode is { } up && byCode.GetValueOrDefault(up) is { } parent)
            {
                province = parent;
            }

            var words = city.NameEn.Split([' ', '-'], StringSplitOptions.RemoveEmptyEntries).Select(Fold).Where(w => w.Length > 0).ToList();
            words.Insert(0, Fold(city.NameEn));
            return new SearchKey(
                city,
                city.NameZh,
                pinyin.GetValueOrDefault(city.Code) ?? string.Empty,
                [.. words],
                province == city ? string.Empty : province.NameZh,
                province == city ? [] : [Fold(province.NameEn), pinyin.GetValueOrDefault(province.Code) ?? string.Empty]);
        }

        /// <summary>Lower-case ASCII letters only: tone marks and umlauts dropped, spaces and apostrophes gone (Xi'an → xian).</summary>
        public static string Fold(string? text)
        {
            if (string.IsNullOrWhiteSpace(text))
            {
                return string.Empty;
            }

            var decomposed = text.Normalize(System.Text.NormalizationForm.FormD);
            var chars = new char[decomposed.Length];
            var n = 0;
            foreach (var c in decomposed)
            {
                if (char.IsAsciiLetter(c))
                {
                    chars[n++] = char.ToLowerInvariant(c);
                }
            }

            return new string(chars, 0, n);
        }

        private bool LaterWordStartsWith(string folded)
        {
            for (var i = 1; i < EnglishWords.Length; i++)
            {
                if (EnglishWords[i].StartsWith(folded, StringComparison.Ordinal))
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>0 for no match; higher for better ones. <paramref name="zh"/> is the query when it has Chinese characters.</summary>
        public int Rank(string? zh, string folded)
        {
            if (zh is not null)
            {
                return Zh == zh || Zh.TrimEnd('市') == zh ? 4
                    : Zh.StartsWith(zh, StringComparison.Ordinal) ? 3
                    : Zh.Contains(zh, StringComparison.Ordinal) ? 2
                    : ProvinceZh.StartsWith(zh, StringComparison.Ordinal) ? 1
                    : 0;
            }

            if (folded.Length == 0)
            {
                return 0;
            }

            return EnglishWords[0] == folded || Pinyin == folded ? 4
                : EnglishWords[0].StartsWith(folded, StringComparison.Ordinal) || Pinyin.StartsWith(folded, StringComparison.Ordinal) ? 3
                : LaterWordStartsWith(folded) ? 2
                : Array.Exists(ProvinceKeys, p => p.Length > 0 && p.StartsWith(folded, StringComparison.Ordinal)) ? 1
                : 0;
        }
    }
}

/// <summary>The cities of one province (or a municipality on its own).</summary>
public sealed record CityGroup(Region Province, IReadOnlyList<Region> Cities);

/// <summary>Where a point was placed: its city, its county when the nearest known place names one, and how far that place is.</summary>
/// <param name="FromSeat">True when the nearest place is a seat of government; false for another GeoNames place.</param>
public sealed record RegionLocation(Region City, Region? County, double DistanceKm, bool FromSeat);
