using System.Globalization;
using System.Text.RegularExpressions;
using CityService.BrowserTests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace CityService.BrowserTests;

/// <summary>
/// What a resident does on a phone, in a real browser against the real server: choose a city, open a service
/// field, read a guide, switch to English; search; and reach the main content from the keyboard.
/// Every test runs once per storage provider (see the sealed classes at the end).
/// </summary>
public abstract partial class CitizenJourneyTests<TSite>(TSite site)
    where TSite : BrowserSite
{
    private const string Hangzhou = "330100";

    [Fact]
    public async Task Resident_finds_the_driving_licence_guide_in_Hangzhou_and_reads_it_in_English()
    {
        await using var context = await site.NewPhoneAsync();
        var page = await context.NewPageAsync();
        var html = page.Locator("html");

        // 1. Home: Chinese by default, search first, then the cities to choose from.
        await page.GotoAsync("/");
        await Expect(html).ToHaveAttributeAsync("lang", "zh-CN");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "找服务、办事情", Level = 1, Exact = true })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "选择城市", Level = 2, Exact = true })).ToBeVisibleAsync();
        await site.ScreenshotAsync(page, "01-home");

        // 2. Choose Hangzhou from the common cities: the twelve service fields appear, each with a count.
        var hangzhou = page.Locator($".common-cities a[data-city='{Hangzhou}']");
        await Expect(hangzhou).ToHaveTextAsync("杭州市");
        await hangzhou.ClickAsync();
        await Expect(page).ToHaveURLAsync(CityHome());
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "当前城市：杭州市", Level = 1 })).ToBeVisibleAsync();
        await Expect(page.Locator($".common-cities a[data-city='{Hangzhou}']")).ToHaveAttributeAsync("aria-current", "true");
        var tiles = page.Locator("a.tile[data-field]");
        await Expect(tiles).ToHaveCountAsync(12);
        foreach (var tile in await tiles.AllAsync())
        {
            await Expect(tile.Locator(".tile-name")).Not.ToBeEmptyAsync();
            await Expect(tile.Locator(".tile-count")).ToHaveTextAsync(ItemCount());
        }

        var transportation = page.Locator("a.tile[data-field='transportation']");
        await Expect(transportation).ToContainTextAsync("交通出行");
        var tileCount = Count(ItemCount(), await transportation.Locator(".tile-count").InnerTextAsync());
        Assert.True(tileCount > 0, "Hangzhou's transportation tile counts no items.");
        await site.ScreenshotAsync(page, "02-hangzhou-fields");

        // 3. The transportation field: a list of items, as many as the tile promised.
        await transportation.ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex($@"/city/{Hangzhou}/services\?field=transportation$"));
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "杭州市 · 服务事项", Level = 1 })).ToBeVisibleAsync();
        await Expect(page.Locator("p.total")).ToHaveTextAsync($"共 {tileCount.ToString(CultureInfo.InvariantCulture)} 项");
        var items = page.Locator("ul.services a[data-service]");
        await Expect(items.First).ToBeVisibleAsync();
        Assert.True(await items.CountAsync() > 0, "The transportation list shows no items.");
        await site.ScreenshotAsync(page, "03-transportation-list");

        // 4. The driving licence renewal guide, in Chinese.
        var licence = items.Filter(new() { HasText = "驾驶证" }).And(page.Locator("[data-service='TR-0001']"));
        await Expect(licence).ToHaveTextAsync("驾驶证期满换证");
        await licence.ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex($@"/city/{Hangzhou}/services/TR-0001$"));
        await Expect(html).ToHaveAttributeAsync("lang", "zh-CN");
        var guide = page.Locator("article.guide");
        await Expect(guide.GetByRole(AriaRole.Heading, new() { Name = "驾驶证期满换证", Level = 1 })).ToBeVisibleAsync();
        await Expect(guide.GetByRole(AriaRole.Heading, new() { Name = "申请材料", Level = 2, Exact = true })).ToBeVisibleAsync();
        await Expect(guide.Locator("dt").GetByText("承诺办结时限", new() { Exact = true })).ToBeVisibleAsync();
        await Expect(guide.Locator("#materials li").GetByText("居民身份证", new() { Exact = true })).ToBeVisibleAsync();
        await site.ScreenshotAsync(page, "04-guide-zh");

        // 5. The language switch: the same guide, now in English.
        var guideUrl = page.Url;
        var languageSwitch = page.Locator("#lang-switch");
        await Expect(languageSwitch).ToHaveTextAsync("English");
        await languageSwitch.ClickAsync();
        await Expect(html).ToHaveAttributeAsync("lang", "en");
        await Expect(page).ToHaveURLAsync(guideUrl);
        await Expect(guide.GetByRole(AriaRole.Heading, new() { Name = "Driving licence renewal", Level = 1 })).ToBeVisibleAsync();
        await Expect(guide.Locator("p.code")).ToHaveTextAsync("Item code: TR-0001");
        await Expect(guide.GetByRole(AriaRole.Heading, new() { Name = "Required materials", Level = 2, Exact = true })).ToBeVisibleAsync();
        await Expect(guide.Locator("dt").GetByText("Promised processing time", new() { Exact = true })).ToBeVisibleAsync();
        await Expect(guide.Locator("#materials li").GetByText("Resident identity card", new() { Exact = true })).ToBeVisibleAsync();
        await Expect(languageSwitch).ToHaveTextAsync("中文");
        await site.ScreenshotAsync(page, "05-guide-en");
    }

    [Fact]
    public async Task Searching_on_the_city_home_is_a_plain_get_form_that_works_without_javascript()
    {
        await using var context = await site.NewPhoneAsync(javaScript: false);
        var page = await context.NewPageAsync();

        await page.GotoAsync($"/?city={Hangzhou}");
        await Expect(page.Locator("#locate")).ToBeHiddenAsync(); // locate.js did not run: scripts really are off
        var form = page.GetByRole(AriaRole.Search);
        await Expect(form).ToHaveAttributeAsync("method", "get");
        await Expect(form).ToHaveAttributeAsync("action", $"/city/{Hangzhou}/services");
        var box = page.GetByLabel("搜索服务事项");
        await box.FillAsync("驾驶");
        await site.ScreenshotAsync(page, "11-search-typed");

        await form.GetByRole(AriaRole.Button, new() { Name = "搜索", Exact = true }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex($@"/city/{Hangzhou}/services\?q={Regex.Escape(Uri.EscapeDataString("驾驶"))}$"));
        await Expect(page.GetByLabel("搜索服务事项")).ToHaveValueAsync("驾驶");
        await Expect(page.Locator("p.total")).ToHaveTextAsync(new Regex(@"^共 [1-9]\d* 项$"));
        await Expect(page.Locator("ul.services a[data-service]").Filter(new() { HasText = "驾驶证" }).First).ToBeVisibleAsync();
        await site.ScreenshotAsync(page, "12-search-results");
    }

    [Fact]
    public async Task The_first_tab_reaches_the_skip_link_which_moves_focus_to_the_main_content()
    {
        await using var context = await site.NewPhoneAsync();
        var page = await context.NewPageAsync();

        await page.GotoAsync($"/?city={Hangzhou}");
        await page.Keyboard.PressAsync("Tab");
        var skip = page.Locator("a.skip");
        await Expect(skip).ToBeFocusedAsync();
        await Expect(skip).ToHaveTextAsync("跳到主要内容");
        await Expect(skip).ToBeInViewportAsync(); // shown while focused
        await site.ScreenshotAsync(page, "21-skip-link-focused");

        await page.Keyboard.PressAsync("Enter");
        await Expect(page).ToHaveURLAsync(new Regex("#main$"));
        await Expect(page.Locator("#main")).ToBeFocusedAsync();
        await site.ScreenshotAsync(page, "22-main-focused");
    }

    [Fact]
    public async Task Every_page_and_the_api_docs_work_under_the_content_security_policy()
    {
        await using var context = await site.NewPhoneAsync();
        var page = await context.NewPageAsync();
        var violations = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase) || message.Text.Contains("Refused to", StringComparison.Ordinal))
            {
                violations.Add(page.Url + ": " + message.Text);
            }
        };
        page.PageError += (_, error) => violations.Add(page.Url + ": " + error);

        foreach (var url in new[]
        {
            "/", $"/?city={Hangzhou}", $"/city/{Hangzhou}/services", "/search?q=%E9%A9%BE%E9%A9%B6%E8%AF%81", $"/city/{Hangzhou}/events/having-a-baby",
            "/events/having-a-baby", "/locate", "/signin", "/staff/accept", "/no-such-page",
        })
        {
            var response = await page.GotoAsync(url);
            Assert.NotNull(response);
            Assert.Contains("default-src 'self'", await response.HeaderValueAsync("content-security-policy") ?? string.Empty, StringComparison.Ordinal);

            // The stylesheet (a fingerprinted file) applied: the header has the accent colour.
            var background = await page.Locator("header.top").EvaluateAsync<string>("e => getComputedStyle(e).backgroundColor");
            Assert.Equal("rgb(11, 87, 208)", background);
        }

        // Swagger UI runs its scripts from files: the operations render.
        await page.GotoAsync("/api-docs/index.html");
        await Expect(page.Locator(".opblock").First).ToBeVisibleAsync();
        await site.ScreenshotAsync(page, "31-api-docs", fullPage: false);
        Assert.True(violations.Count == 0, string.Join("\n", violations));
    }

    private static Regex CityHome() => new($@"/\?city={Hangzhou}$");

    [GeneratedRegex(@"^(\d+) 项$")]
    private static partial Regex ItemCount();

    private static int Count(Regex pattern, string text) =>
        int.Parse(pattern.Match(text.Trim()).Groups[1].Value, CultureInfo.InvariantCulture);
}

public sealed class SqliteBrowserTests(SqliteSite site) : CitizenJourneyTests<SqliteSite>(site), IClassFixture<SqliteSite>;

public sealed class PostgresBrowserTests(PostgresSite site) : CitizenJourneyTests<PostgresSite>(site), IClassFixture<PostgresSite>;
