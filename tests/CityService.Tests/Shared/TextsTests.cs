using CityService.Testing;
using CityService.Web.Infrastructure;

namespace CityService.Tests.Shared;

public sealed class TextsTests
{
    [Fact]
    public void Every_text_has_chinese_and_english()
    {
        var texts = new Texts();
        Assert.NotEmpty(texts.All);
        Assert.All(texts.All, t => Assert.False(string.IsNullOrWhiteSpace(t.Value.Zh) || string.IsNullOrWhiteSpace(t.Value.En), t.Key));
    }

    [Fact]
    public void Every_text_key_used_in_the_pages_exists()
    {
        var texts = new Texts();
        var features = Path.Combine(Repository.Root(), "src", "CityService.Web", "Features");
        var used = Directory.EnumerateFiles(features, "*.cs*", SearchOption.AllDirectories)
            .SelectMany(f => System.Text.RegularExpressions.Regex.Matches(File.ReadAllText(f), "T(?:\\.Format\\(|\\[|, )\"([a-z0-9.-]+)\"").Select(m => m.Groups[1].Value))
            .ToHashSet();
        Assert.NotEmpty(used);
        Assert.All(used, key => Assert.True(texts.All.ContainsKey(key), key));
    }
}
