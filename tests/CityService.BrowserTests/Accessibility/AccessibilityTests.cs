using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using CityService.BrowserTests.Infrastructure;
using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace CityService.BrowserTests.Accessibility;

/// <summary>
/// Issue 8 §6 beyond axe (the matrix is <see cref="AxeMatrixTests{TSite, TPart}"/>): text follows the browser's font size,
/// the focus goes to the error summary, Back after a switch shows the chosen language, the elder switch works without a script.
/// </summary>
public abstract partial class AccessibilityTests<TSite>(TSite site)
    where TSite : BrowserSite
{


    [Theory]
    [InlineData("zh-CN")]
    [InlineData("en")]
    public async Task Text_follows_the_browsers_font_size_and_nothing_is_lost_at_200_percent(string language)
    {
        var problems = new List<string>();
        foreach (var group in AccessiblePages.All.GroupBy(p => p.Visitor))
        {
            // 200 % zoom of a 1280 px window is a 640 px layout viewport; a person who sets a 32 px browser font gets
            // twice the root font size. Both at once is the harder case.
            await using var context = await site.NewContextAsync(640, 400, language, cookies: await SessionFor(group.Key));
            var page = await context.NewPageAsync();
            foreach (var entry in group)
            {
                await page.GotoAsync(entry.Url);
                var before = await page.EvaluateAsync<double[]>(FontSizes);
                await page.EvaluateAsync("() => { document.documentElement.style.fontSize = '200%'; }");
                var after = await page.EvaluateAsync<double[]>(FontSizes);
                var fixedSizes = before.Zip(after).Count(p => Math.Abs(p.Second - (2 * p.First)) > 0.6);
                if (fixedSizes > 0)
                {
                    problems.Add($"{entry.Name}: {fixedSizes} of {before.Length} texts keep their size when the browser font doubles (px font sizes?)");
                }

                problems.AddRange((await Layout.ProblemsAsync(page, elder: false)).Select(p => $"{entry.Name}: {p}"));
                if (language == "en")
                {
                    await site.ScreenshotAsync(page, Path.Combine("a11y", $"zoom200-{language}-{entry.Name}"));
                }
            }
        }

        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    /// <summary>The computed font size of every element that shows text of its own, in document order.</summary>
    private const string FontSizes = """
        () => [...document.querySelectorAll('body *')]
          .filter(e => [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()) && e.getClientRects().length > 0)
          .map(e => parseFloat(getComputedStyle(e).fontSize))
        """;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task After_a_failed_submit_the_focus_is_on_the_error_summary(bool javaScript)
    {
        await using var context = await site.NewPhoneAsync(javaScript);
        var page = await context.NewPageAsync();
        await page.GotoAsync("/signin");
        await page.Locator("#phone-form input#phone").FillAsync("12345");
        await BrowserSite.AgreeAsync(page, "#phone-form");
        await page.Locator("#phone-form button[type=submit]").ClickAsync();
        var summary = page.Locator("#error-summary");
        await Expect(summary).ToBeFocusedAsync();
        await Expect(summary.GetByRole(AriaRole.Link)).ToHaveAttributeAsync("href", "#phone");
        await site.ScreenshotAsync(page, $"a11y-error-summary-focused-{(javaScript ? "js" : "nojs")}");

        // The summary's link takes the person to the field.
        await summary.GetByRole(AriaRole.Link).First.ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("#phone$"));
    }

    /// <summary>
    /// With Chromium's back/forward cache on (as people have it): without <c>no-store</c> on pages, Back shows the Chinese
    /// copy from that cache (checked: this test then fails at the first Back).
    /// </summary>
    [Fact]
    public async Task Back_after_a_language_switch_shows_the_page_in_the_chosen_language()
    {
        await using var browser = await site.LaunchWithBackForwardCacheAsync();
        await using var context = await browser.NewContextAsync(new() { BaseURL = site.BaseAddress.ToString(), ViewportSize = new() { Width = 1280, Height = 800 } });
        var page = await context.NewPageAsync();
        var html = page.Locator("html");
        await page.GotoAsync($"/city/{AccessiblePages.Hangzhou}/services");
        await page.GotoAsync($"/city/{AccessiblePages.Hangzhou}/services/TR-0001");
        await Expect(html).ToHaveAttributeAsync("lang", "zh-CN");

        // The switch comes back to the guide as a new history entry; Back returns to the entry shown in Chinese.
        await page.Locator("#lang-switch").ClickAsync();
        await Expect(html).ToHaveAttributeAsync("lang", "en");
        await page.GoBackAsync(new() { WaitUntil = WaitUntilState.Commit }); // a page restored from the back/forward cache fires no load event
        await Expect(page).ToHaveURLAsync(new Regex($@"/city/{AccessiblePages.Hangzhou}/services/TR-0001$"));
        await Expect(html).ToHaveAttributeAsync("lang", "en"); // not the Chinese copy from the cache or the back/forward cache
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Driving licence renewal");
        await site.ScreenshotAsync(page, "a11y-back-after-language-switch");

        // Once more: Back to the list, which was shown in Chinese.
        await page.GoBackAsync(new() { WaitUntil = WaitUntilState.Commit }); // a page restored from the back/forward cache fires no load event
        await Expect(page).ToHaveURLAsync(new Regex($@"/city/{AccessiblePages.Hangzhou}/services$"));
        await Expect(html).ToHaveAttributeAsync("lang", "en");

        // The same for the elder mode: Back shows the page shown before the switch in large text.
        await page.Locator("#display-switch").ClickAsync();
        await Expect(html).ToHaveClassAsync("elder");
        await page.GoBackAsync(new() { WaitUntil = WaitUntilState.Commit }); // a page restored from the back/forward cache fires no load event
        await Expect(page).ToHaveURLAsync(new Regex($@"/city/{AccessiblePages.Hangzhou}/services$"));
        await Expect(html).ToHaveClassAsync("elder");
        await Expect(page.Locator("#display-switch")).ToHaveTextAsync("Standard");
        await site.ScreenshotAsync(page, "a11y-back-after-elder-switch");
    }

    [Fact]
    public async Task The_elder_mode_is_switched_from_the_header_without_javascript_and_hides_secondary_content()
    {
        await using var context = await site.NewPhoneAsync(javaScript: false);
        var page = await context.NewPageAsync();
        var html = page.Locator("html");
        await page.GotoAsync($"/city/{AccessiblePages.Hangzhou}/services/TR-0001");
        var bodyText = await page.Locator("body").EvaluateAsync<double>("b => parseFloat(getComputedStyle(b).fontSize)");

        var toggle = page.Locator("header #display-switch");
        await Expect(toggle).ToHaveTextAsync("长辈版");
        await toggle.ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex($@"/city/{AccessiblePages.Hangzhou}/services/TR-0001$"));
        await Expect(html).ToHaveClassAsync("elder");
        await Expect(toggle).ToHaveTextAsync("标准版");
        var elderText = await page.Locator("body").EvaluateAsync<double>("b => parseFloat(getComputedStyle(b).fontSize)");
        Assert.True(elderText >= 1.25 * bodyText, $"body text {bodyText}px → {elderText}px");
        await site.ScreenshotAsync(page, "a11y-elder-guide");

        // Remembered: another page, a day later, is still in the elder mode.
        await page.GotoAsync("/signin");
        await Expect(html).ToHaveClassAsync("elder");
        var cookie = (await context.CookiesAsync()).Single(c => c.Name == "cs-display");
        Assert.True(cookie.Expires > DateTimeOffset.UtcNow.AddDays(364).ToUnixTimeSeconds());

        // Content marked secondary is hidden; a button styled "secondary" is not content and stays.
        await page.Locator("main").EvaluateAsync("m => m.insertAdjacentHTML('beforeend', '<p class=\"secondary\" id=\"probe\">x</p><button class=\"secondary\" id=\"probe-button\">y</button>')");
        await Expect(page.Locator("#probe")).ToBeHiddenAsync();
        await Expect(page.Locator("#probe-button")).ToBeVisibleAsync();

        await toggle.ClickAsync();
        await Expect(html).Not.ToHaveClassAsync("elder");
        await Expect(toggle).ToHaveTextAsync("长辈版");
    }

    private Task<IReadOnlyList<Cookie>> SessionFor(Visitor visitor) => Visitors.CookiesAsync(site, visitor);
}

/// <summary>Signed-in visitors of the page table: each signs in once per live server, through the sign-in page.</summary>
public static class Visitors
{
    /// <summary>A citizen who signs in once per site for the signed-in pages (a number no other test uses).</summary>
    public const string CitizenPhone = "15200000001";

    /// <summary>The demo department admin of Hangzhou's Public Security Bureau (DemoAccounts).</summary>
    public const string StaffPhone = "13900000003";

    private static readonly ConcurrentDictionary<(BrowserSite Site, Visitor Visitor), Lazy<Task<IReadOnlyList<Cookie>>>> Sessions = new();

    public static Task<IReadOnlyList<Cookie>> CookiesAsync(BrowserSite site, Visitor visitor) => visitor switch
    {
        Visitor.Anonymous => Task.FromResult<IReadOnlyList<Cookie>>([]),
        _ => Sessions.GetOrAdd((site, visitor), key => new Lazy<Task<IReadOnlyList<Cookie>>>(
            () => key.Site.SignInAsync(key.Visitor == Visitor.Citizen ? CitizenPhone : StaffPhone))).Value,
    };
}

/// <summary>axe-core at WCAG 2.0/2.1 A and AA, plus AAA (enhanced contrast 7:1) in the elder mode: one line per violation.</summary>
public static class Axe
{
    private static readonly string[] Wcag21AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

    public static async Task<IReadOnlyList<string>> ViolationsAsync(IPage page, bool elder)
    {
        var result = await page.RunAxe(new AxeRunOptions
        {
            RunOnly = new RunOnlyOptions { Type = "tag", Values = [.. Wcag21AA, .. elder ? ["wcag2aaa"] : Array.Empty<string>()] },

            // Only violations are read: axe then keeps one node per passed or inapplicable rule instead of building a
            // selector and an HTML excerpt for every node it checked, and hands a small result back to .NET.
            ResultTypes = [ResultType.Violations],
        });
        return result.Violations.Select(v => $"{v.Id} ({v.Impact}) {v.Help}: "
            + string.Join(" | ", v.Nodes.Take(3).Select(n => n.Target + " " + n.Html))).ToList();
    }
}

/// <summary>What axe does not check: horizontal scroll, text cut off, and in the elder mode the size of text and controls.</summary>
public static class Layout
{
    private const string Script = """
        elder => {
          const problems = [];
          const root = document.documentElement;
          const name = e => `${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''}${e.classList.length ? '.' + [...e.classList].join('.') : ''}`;
          if (root.scrollWidth > root.clientWidth) {
            const wide = [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > root.clientWidth + 1 && ![...e.children].some(c => c.getBoundingClientRect().right > root.clientWidth + 1));
            problems.push(`scrolls sideways: ${root.scrollWidth} > ${root.clientWidth} (${wide.slice(0, 3).map(name).join(', ')})`);
          }
          for (const e of document.querySelectorAll('body *')) {
            const s = getComputedStyle(e);
            if (s.display === 'none' || s.visibility === 'hidden' || e.closest('.visually-hidden, .skip')) continue;
            const clips = ['hidden', 'clip'];
            if ((clips.includes(s.overflowX) && e.scrollWidth > e.clientWidth + 1) || (clips.includes(s.overflowY) && e.scrollHeight > e.clientHeight + 1))
              problems.push(`cuts off its content: ${name(e)}`);
          }
          if (elder) {
            const size = parseFloat(getComputedStyle(document.body).fontSize);
            if (size < 20) problems.push(`elder mode body text is ${size}px`);
            for (const e of document.querySelectorAll('button, input:not([type=hidden]), select, textarea, header a, nav a, a.button, a.tile')) {
              const r = e.getBoundingClientRect();
              if (r.width === 0 && r.height === 0) continue;
              if (e.closest('.skip') || e.classList.contains('skip')) continue;
              if (r.width < 44 || r.height < 44) problems.push(`small target ${Math.round(r.width)}×${Math.round(r.height)}: ${name(e)} "${(e.textContent || e.value || '').trim().slice(0, 30)}"`);
            }
          }
          return problems;
        }
        """;

    public static async Task<IReadOnlyList<string>> ProblemsAsync(IPage page, bool elder) =>
        await page.EvaluateAsync<string[]>(Script, elder);
}

/// <summary>How long each walk of the matrix took, kept in screenshots/&lt;provider&gt;/a11y/timing.txt beside its screenshots.</summary>
public static class Timing
{
    private static readonly SemaphoreSlim Gate = new(1, 1);

    private static readonly ConcurrentDictionary<string, Lazy<string>> Folders = new();

    /// <summary>screenshots/&lt;provider&gt;/a11y, emptied once per run (the site fixture empties only its own folder's top level).</summary>
    public static string Folder(BrowserSite site) => Folders.GetOrAdd(site.Name, _ => new Lazy<string>(() =>
    {
        var folder = Path.Combine(site.ScreenshotFolder, "a11y");
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }

        Directory.CreateDirectory(folder);
        return folder;
    })).Value;

    public static async Task RecordAsync(BrowserSite site, string combination, int pages, TimeSpan elapsed, TimeSpan axe, TimeSpan screenshots)
    {
        var file = Path.Combine(Folder(site), "timing.txt");
        var line = string.Create(CultureInfo.InvariantCulture, $"{combination}\t{pages} pages\t{elapsed.TotalSeconds:0.0} s\taxe {axe.TotalSeconds:0.0} s\tscreenshots {screenshots.TotalSeconds:0.0} s\n");
        await Gate.WaitAsync();
        try
        {
            await File.AppendAllTextAsync(file, line, new UTF8Encoding(false));
        }
        finally
        {
            Gate.Release();
        }
    }
}

public sealed class SqliteAccessibilityTests(SqliteSite site) : AccessibilityTests<SqliteSite>(site), IClassFixture<SqliteSite>;

public sealed class PostgresAccessibilityTests(PostgresSite site) : AccessibilityTests<PostgresSite>(site), IClassFixture<PostgresSite>;
