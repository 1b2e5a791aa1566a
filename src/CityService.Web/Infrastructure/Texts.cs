using System.Globalization;
using System.Text.Json;
using CityService.Core.Common;

namespace CityService.Web.Infrastructure;

/// <summary>
/// The pages' user-facing texts, Chinese and English side by side in resource files (Resources/texts*.json, one per
/// area, e.g. texts.site.json), so a translator sees both at once. The current UI culture picks the language; Chinese is the default.
/// A key defined in two files is a build mistake and stops the start.
/// </summary>
public sealed class Texts
{
    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    private readonly Dictionary<string, LocalizedText> _texts;

    public Texts()
    {
        var assembly = typeof(Texts).Assembly;
        var files = assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith("texts", StringComparison.Ordinal) && n.EndsWith(".json", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToArray();
        if (!files.Contains("texts.json"))
        {
            throw new InvalidOperationException("The embedded texts.json is missing from the build.");
        }

        _texts = new Dictionary<string, LocalizedText>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            using var stream = assembly.GetManifestResourceStream(file)!;
            var texts = JsonSerializer.Deserialize<Dictionary<string, LocalizedText>>(stream, JsonOptions)
                ?? throw new InvalidOperationException($"{file} is empty.");
            foreach (var (key, text) in texts)
            {
                if (!_texts.TryAdd(key, text))
                {
                    throw new InvalidOperationException($"Text '{key}' is defined twice (again in {file}).");
                }
            }
        }
    }

    public IReadOnlyDictionary<string, LocalizedText> All => _texts;

    public static bool English => CultureInfo.CurrentUICulture.TwoLetterISOLanguageName == "en";

    public string this[string key] => _texts.TryGetValue(key, out var text)
        ? text.In(English)
        : throw new KeyNotFoundException($"Text '{key}' is missing from Resources/texts*.json.");

    public string Format(string key, params object[] args) => string.Format(CultureInfo.CurrentCulture, this[key], args);

    public static string Pick(LocalizedText text) => text.In(English);

    public static string Pick(string zh, string en) => English && !string.IsNullOrWhiteSpace(en) ? en : zh;
}
