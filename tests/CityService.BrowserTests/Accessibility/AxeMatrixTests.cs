using System.Diagnostics;
using CityService.BrowserTests.Infrastructure;

namespace CityService.BrowserTests.Accessibility;

/// <summary>Which (viewport, language, mode) combinations one class of the matrix walks.</summary>
public interface IMatrixPart
{
    static abstract TheoryData<string, string, bool> Combinations { get; }
}

/// <summary>
/// Issue 8 §6: axe-core on every page of <see cref="AccessiblePages"/>, in both viewports (phone 390×844, desktop
/// 1280×800), both languages and both display modes (six of the eight combinations, see <see cref="SqliteChinese"/>): no violation of WCAG 2.0/2.1 A and AA, and in the elder mode none
/// of AAA's enhanced contrast (7:1) either. Each (viewport, language, mode) is one browser context walking the table;
/// every page is screenshotted (screenshots/&lt;provider&gt;/a11y/), has no horizontal scroll, and answers its status.
/// In the elder mode every control is at least 44×44 px and the body text is a quarter larger.
/// The walks are split over classes (<typeparamref name="TPart"/>) so that xunit runs them side by side.
/// </summary>
public abstract class AxeMatrixTests<TSite, TPart>(TSite site)
    where TSite : BrowserSite
    where TPart : IMatrixPart
{
    public static TheoryData<string, string, bool> Combinations() => TPart.Combinations;

    [Theory]
    [MemberData(nameof(Combinations))]
    public async Task Every_page_is_axe_clean(string viewport, string language, bool elder)
    {
        var (width, height) = viewport == "phone" ? (390, 844) : (1280, 800);
        var combination = $"{viewport}-{language}-{(elder ? "elder" : "standard")}";
        _ = Timing.Folder(site);
        var problems = new List<string>();
        var watch = Stopwatch.StartNew();
        var axe = TimeSpan.Zero;
        var screenshots = TimeSpan.Zero;

        foreach (var group in AccessiblePages.All.GroupBy(p => p.Visitor))
        {
            await using var context = await site.NewContextAsync(width, height, language, elder, await Visitors.CookiesAsync(site, group.Key));
            var page = await context.NewPageAsync();
            foreach (var entry in group)
            {
                var response = await page.GotoAsync(entry.Url);
                if (response?.Status != entry.Status)
                {
                    problems.Add($"{entry.Name}: status {response?.Status}, expected {entry.Status} ({page.Url})");
                }

                var lang = await page.Locator("html").GetAttributeAsync("lang");
                if (lang != language)
                {
                    problems.Add($"{entry.Name}: html lang {lang}, expected {language}");
                }

                var started = watch.Elapsed;
                var violations = await Axe.ViolationsAsync(page, elder);
                axe += watch.Elapsed - started;
                problems.AddRange(violations.Select(v => $"{entry.Name}: {v}"));
                problems.AddRange((await Layout.ProblemsAsync(page, elder)).Select(p => $"{entry.Name}: {p}"));
                started = watch.Elapsed;
                await site.ScreenshotAsync(page, Path.Combine("a11y", $"{combination}-{entry.Name}"));
                screenshots += watch.Elapsed - started;
            }
        }

        await Timing.RecordAsync(site, combination, AccessiblePages.All.Length, watch.Elapsed, axe, screenshots);
        Assert.True(problems.Count == 0, $"{combination}:\n" + string.Join('\n', problems));
    }
}

public static class Combination
{
    public static TheoryData<string, string, bool> Of(params (string Viewport, string Language, bool Elder)[] rows)
    {
        var data = new TheoryData<string, string, bool>();
        foreach (var (viewport, language, elder) in rows)
        {
            data.Add(viewport, language, elder);
        }

        return data;
    }
}

/// <summary>
/// Which combinations are walked (issue 9: the test command's time budget). Each walk costs about a minute of both cores,
/// most of it axe-core, so the matrix walks six of the eight combinations instead of ten walks: all four phone
/// combinations (the device most people use; SQLite or PostgreSQL), and on desktops English in the standard mode and
/// Chinese in the elder mode — so every page is checked in both languages, in the elder mode at phone size in both, and
/// every pair of values (viewport × language, viewport × mode, language × mode) at least once. The two left out
/// (desktop Chinese standard, desktop English elder) differ from checked ones in one value each: the server sends the
/// same markup to both viewports, and the style sheet's desktop rules are checked in both languages and both modes.
/// Two walks per class, three classes side by side.
/// </summary>
public sealed class SqliteChinese : IMatrixPart
{
    public static TheoryData<string, string, bool> Combinations => Combination.Of(("phone", "zh-CN", false), ("phone", "zh-CN", true));
}

public sealed class SqliteEnglish : IMatrixPart
{
    public static TheoryData<string, string, bool> Combinations => Combination.Of(("phone", "en", true), ("desktop", "en", false));
}

/// <summary>PostgreSQL: the pages' markup does not depend on the database; its two walks are the remaining phone combination and desktop Chinese elder.</summary>
public sealed class PostgresSample : IMatrixPart
{
    public static TheoryData<string, string, bool> Combinations => Combination.Of(("phone", "en", false), ("desktop", "zh-CN", true));
}

public sealed class SqliteChineseAxeTests(SqliteSite site) : AxeMatrixTests<SqliteSite, SqliteChinese>(site), IClassFixture<SqliteSite>;

public sealed class SqliteEnglishAxeTests(SqliteSite site) : AxeMatrixTests<SqliteSite, SqliteEnglish>(site), IClassFixture<SqliteSite>;

public sealed class PostgresAxeTests(PostgresSite site) : AxeMatrixTests<PostgresSite, PostgresSample>(site), IClassFixture<PostgresSite>;
