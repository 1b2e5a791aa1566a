using CityService.Core.Common;
using CityService.Core.Regions;
using Microsoft.Extensions.Options;

namespace CityService.Web.Features.Home;

/// <summary>The deployment's choices for the home page (section <c>Home</c> of the configuration).</summary>
public sealed class HomeOptions
{
    /// <summary>The cities offered first (热门城市), by code, in this order; codes the directory lacks are skipped.</summary>
    public IReadOnlyList<string> CommonCities { get; set; } = [];

    /// <summary>Used when the configuration names none: the cities most residents of China look for.</summary>
    public static IReadOnlyList<string> DefaultCommonCities { get; } =
        ["110000", "310000", "440100", "440300", "330100", "320100", "510100", "420100", "610100", "500000"];
}

/// <summary>A heading of the full city list: a province, or the four municipalities together.</summary>
public sealed record ChooserGroup(string Code, LocalizedText Name, IReadOnlyList<Region> Cities);

/// <summary>
/// What the city chooser shows: the common cities, the cities a filter matches, and every city grouped by province.
/// The same chooser serves the home page (links choose the city), the all-cities search (links keep the query) and
/// a life event without a city (links open the event in the city).
/// </summary>
public sealed record CityChoice(
    string Title,
    IReadOnlyList<Region> Common,
    string? Filter,
    IReadOnlyList<Region>? Matches,
    IReadOnlyList<ChooserGroup> Groups,
    Func<Region, string> Href,
    string FormAction,
    IReadOnlyDictionary<string, string> Keep,
    string? CurrentCode = null,
    bool ShowLocate = false,
    bool LocateFailed = false);

/// <summary>Builds <see cref="CityChoice"/>s over the region directory; the grouping is computed once (regions change only with a release).</summary>
public sealed class CityChooser(RegionDirectory regions, IOptions<HomeOptions> options)
{
    /// <summary>A longer filter cannot name a city; it is cut here rather than refused, the page stays useful.</summary>
    public const int MaxFilterLength = 20;

    private static readonly LocalizedText Municipalities = new("直辖市", "Municipalities");

    private readonly Lazy<IReadOnlyList<ChooserGroup>> _groups = new(() => Group(regions));

    private readonly Lazy<IReadOnlyList<Region>> _common = new(() =>
        (options.Value.CommonCities.Count > 0 ? options.Value.CommonCities : HomeOptions.DefaultCommonCities)
            .Select(regions.Find).OfType<Region>().Where(r => r.IsCity).ToList());

    public IReadOnlyList<Region> Common => _common.Value;

    public CityChoice Build(string title, string? filter, Func<Region, string> href, string formAction, IReadOnlyDictionary<string, string>? keep = null) =>
        new(title, Common, Clean(filter), Clean(filter) is { } f ? regions.FindCities(f) : null,
            _groups.Value, href, formAction, keep ?? new Dictionary<string, string>());

    private static string? Clean(string? filter) =>
        filter?.Trim() is { Length: > 0 } f ? (f.Length > MaxFilterLength ? f[..MaxFilterLength] : f) : null;

    /// <summary>The directory's groups (<see cref="RegionDirectory.CitiesByProvince"/>), with the municipalities under one heading.</summary>
    private static List<ChooserGroup> Group(RegionDirectory regions)
    {
        var groups = regions.CitiesByProvince;
        var municipalities = groups.Where(g => g.Province.IsCity).SelectMany(g => g.Cities).ToList();
        var result = new List<ChooserGroup>();
        if (municipalities.Count > 0)
        {
            result.Add(new ChooserGroup("municipalities", Municipalities, municipalities));
        }

        result.AddRange(groups.Where(g => !g.Province.IsCity)
            .Select(g => new ChooserGroup(g.Province.Code, new LocalizedText(g.Province.NameZh, g.Province.NameEn), g.Cities)));
        return result;
    }
}
