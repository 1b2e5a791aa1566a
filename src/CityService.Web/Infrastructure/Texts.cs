using System.Globalization;
using System.Text.Json;
using CityService.Core.Common;

namespace CityService.Web.Infrastructure;

/// <summary>
/// The pages' user-facing texts, Chinese and English side by side in one resource file (Resources/texts.json),
/// so a translator sees both at once. The current UI culture picks the language; Chinese is the default.
/// </summary>
public sealed class Texts
{
    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    private readonly Dictionary<string, LocalizedText> _texts;

    public Texts()
    {
        using var stream = typeof(Texts).Assembly.GetManifestResourceStream("texts.json")
            ?? throw new InvalidOperationException("The embedded texts.json is missing from the build.");
        _texts = JsonSerializer.Deserialize<Dictionary<string, LocalizedText>>(stream, JsonOptions)
            ?? throw new InvalidOperationException("texts.json is empty.");
    }

    public IReadOnlyDictionary<string, LocalizedText> All => _texts;

    public static bool English => CultureInfo.CurrentUICulture.TwoLetterISOLanguageName == "en";

    public string this[string key] => _texts.TryGetValue(key, out var text)
        ? text.In(English)
        : throw new KeyNotFoundException($"Text '{key}' is missing from Resources/texts.json.");

    public string Format(string key, params object[] args) => string.Format(CultureInfo.CurrentCulture, this[key], args);

    public static string Pick(LocalizedText text) => text.In(English);

    public static string Pick(string zh, string en) => English && !string.IsNullOrWhiteSpace(en) ? en : zh;
}
