using System.Reflection;
using System.Text.Json;

namespace CityService.Core.Catalog;

/// <summary>
/// Words citizens use for the same thing (驾照 for 驾驶证, 社保 for 社会保险), shipped as <c>Catalog/Data/synonyms.json</c>
/// (format: SCHEMA.md beside it). A query is searched as typed and with each synonym it contains replaced by the others
/// of its group, so the catalog's own words need not list every way of saying them.
/// </summary>
public sealed class SearchSynonyms
{
    private static readonly JsonSerializerOptions DataFileOptions = new(JsonSerializerDefaults.Web) { AllowTrailingCommas = true };

    private readonly string[][] _groups;

    public SearchSynonyms(IEnumerable<IEnumerable<string>> groups)
    {
        _groups = groups.Select(g => g.Select(w => w.Trim()).Where(w => w.Length > 0).Distinct(StringComparer.OrdinalIgnoreCase).ToArray())
            .Where(g => g.Length > 1)
            .ToArray();
    }

    /// <summary>The groups shipped with the platform.</summary>
    public static SearchSynonyms Default { get; } = Load();

    public IReadOnlyList<IReadOnlyList<string>> Groups => _groups;

    /// <summary>The query itself first, then every variant with one synonym replaced by another of its group.</summary>
    public IReadOnlyList<string> Expand(string query)
    {
        var terms = new List<string> { query };
        foreach (var group in _groups)
        {
            foreach (var word in group)
            {
                var at = query.IndexOf(word, StringComparison.OrdinalIgnoreCase);
                if (at < 0)
                {
                    continue;
                }

                foreach (var other in group)
                {
                    var variant = string.Concat(query.AsSpan(0, at), other, query.AsSpan(at + word.Length));
                    if (!terms.Contains(variant, StringComparer.OrdinalIgnoreCase))
                    {
                        terms.Add(variant);
                    }
                }
            }
        }

        return terms;
    }

    private static SearchSynonyms Load()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("synonyms.json")
            ?? throw new InvalidOperationException("The embedded synonyms.json is missing from the build.");
        var file = JsonSerializer.Deserialize<SynonymFile>(stream, DataFileOptions)
            ?? throw new InvalidOperationException("synonyms.json is empty.");
        return new SearchSynonyms(file.Groups);
    }

    private sealed record SynonymFile(IReadOnlyList<IReadOnlyList<string>> Groups);
}
