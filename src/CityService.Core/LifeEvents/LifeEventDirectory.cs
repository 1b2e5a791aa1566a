using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json;
using CityService.Core.Catalog;
using CityService.Core.Common;
using CityService.Core.Regions;

namespace CityService.Core.LifeEvents;

/// <summary>
/// The life events every region sees, from the data shipped as <c>LifeEvents/Data/life-events.json</c> (format: SCHEMA.md
/// beside it). They change only with a release, like the regions, so they are held in memory and a region's effective list
/// is computed once: the national list with the overrides of the region's chain applied, farthest first.
/// </summary>
public sealed class LifeEventDirectory
{
    private static readonly JsonSerializerOptions DataFileOptions = new(JsonSerializerDefaults.Web) { AllowTrailingCommas = true };

    private readonly IReadOnlyList<LifeEvent> _events;
    private readonly ILookup<string, LifeEventOverride> _overridesByRegion;
    private readonly RegionDirectory _regions;
    private readonly ConcurrentDictionary<string, IReadOnlyList<LifeEvent>> _byRegion = new(StringComparer.Ordinal);

    public LifeEventDirectory(IReadOnlyList<LifeEvent> events, IReadOnlyList<LifeEventOverride> overrides, RegionDirectory regions)
    {
        Check(events, overrides);
        _events = events;
        _overridesByRegion = overrides.ToLookup(o => o.Region, StringComparer.Ordinal);
        _regions = regions;
    }

    public static LifeEventDirectory Load(RegionDirectory regions)
    {
        var data = LoadData();
        return new LifeEventDirectory(data.Events, data.Overrides, regions);
    }

    /// <summary>The shipped data as it is in the file (for the data's own tests).</summary>
    public static LifeEventData LoadData()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("life-events.json")
            ?? throw new InvalidOperationException("The embedded life-events.json is missing from the build.");
        var rows = JsonSerializer.Deserialize<LifeEventFile>(stream, DataFileOptions)
            ?? throw new InvalidOperationException("life-events.json is empty.");
        return new LifeEventData(
            rows.Events.Select(e => new LifeEvent(e.Code, new(e.NameZh, e.NameEn), new(e.DescriptionZh, e.DescriptionEn), e.Synonyms ?? [], e.Services)).ToList(),
            rows.Overrides ?? []);
    }

    public static bool IsWellFormedCode(string? code) =>
        code is { Length: >= 2 and <= 40 } && code.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-');

    /// <summary>The enabled events of a region, in the data's order.</summary>
    public IReadOnlyList<LifeEvent> ForRegion(string regionCode) => _byRegion.GetOrAdd(regionCode, Compute);

    /// <summary>One event as the region sees it; a disabled event is not found.</summary>
    public Result<LifeEvent> Get(string regionCode, string? eventCode)
    {
        if (!IsWellFormedCode(eventCode))
        {
            return Error.Invalid("event", LifeEventErrors.CodeMalformed,
                "事项主题编码格式不正确（小写字母、数字和连字符，例如 having-a-baby）。",
                "A life event code is lower-case letters, digits and hyphens, for example having-a-baby.");
        }

        return ForRegion(regionCode).FirstOrDefault(e => e.Code == eventCode) is { } found
            ? found
            : Error.NotFound(LifeEventErrors.NotFound, $"本地区没有“{eventCode}”这件事。", $"There is no life event '{eventCode}' in this region.", "event");
    }

    /// <summary>The region's events one of the terms (a query and its synonym variants) matches.</summary>
    public IReadOnlyList<LifeEvent> Search(string regionCode, IReadOnlyList<string> terms) =>
        terms.Count == 0 ? [] : ForRegion(regionCode).Where(e => e.MatchesAny(terms)).ToList();

    private IReadOnlyList<LifeEvent> Compute(string regionCode)
    {
        var chain = _regions.SelfAndAncestorCodes(regionCode).Reverse().ToList(); // farthest first
        var result = new List<LifeEvent>();
        foreach (var e in _events)
        {
            var enabled = true;
            var services = e.Services.ToList();
            foreach (var o in chain.SelectMany(code => _overridesByRegion[code]).Where(o => o.Event == e.Code))
            {
                enabled = o.Enabled ?? enabled;
                services.RemoveAll(s => o.Remove?.Contains(s, StringComparer.OrdinalIgnoreCase) == true);
                services.AddRange((o.Add ?? []).Where(s => !services.Contains(s, StringComparer.OrdinalIgnoreCase)));
            }

            if (enabled)
            {
                result.Add(e with { Services = services });
            }
        }

        return result;
    }

    private static void Check(IReadOnlyList<LifeEvent> events, IReadOnlyList<LifeEventOverride> overrides)
    {
        foreach (var e in events)
        {
            if (!IsWellFormedCode(e.Code) || e.Services.Any(s => !CatalogReader.IsWellFormedServiceCode(s)))
            {
                throw new InvalidOperationException($"Life event '{e.Code}' has a malformed code or service code.");
            }
        }

        if (events.GroupBy(e => e.Code, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw new InvalidOperationException($"Life event '{twice.Key}' is defined twice.");
        }

        if (overrides.FirstOrDefault(o => events.All(e => e.Code != o.Event) || !RegionDirectory.IsWellFormedCode(o.Region)) is { } stray)
        {
            throw new InvalidOperationException($"An override of region {stray.Region} names an unknown life event '{stray.Event}'.");
        }
    }

    private sealed record LifeEventFile(IReadOnlyList<EventRow> Events, IReadOnlyList<LifeEventOverride>? Overrides);

    private sealed record EventRow(
        string Code, string NameZh, string NameEn, string DescriptionZh, string DescriptionEn, IReadOnlyList<string>? Synonyms, IReadOnlyList<string> Services);
}

public sealed record LifeEventData(IReadOnlyList<LifeEvent> Events, IReadOnlyList<LifeEventOverride> Overrides);
