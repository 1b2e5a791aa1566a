using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace CityService.BrowserTests;

/// <summary>Search first (issue 8): search before choosing a city, carry the search into a common city, open a life event.</summary>
public abstract partial class CitizenJourneyTests<TSite>
{
    [Fact]
    public async Task Resident_searches_before_choosing_a_city_then_opens_having_a_baby_in_Hangzhou()
    {
        await using var context = await site.NewPhoneAsync();
        var page = await context.NewPageAsync();

        // 1. Home, no city chosen: the search box comes first and searches every city.
        await page.GotoAsync("/");
        var form = page.GetByRole(AriaRole.Search);
        await Expect(form).ToHaveAttributeAsync("action", "/search");
        await page.GetByLabel("搜索服务事项").FillAsync("驾驶证");
        await site.ScreenshotAsync(page, "41-home-search-typed");

        // 2. Results across all cities: national items, each saying where it is offered, and an invitation to choose a city.
        await form.GetByRole(AriaRole.Button, new() { Name = "搜索", Exact = true }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex($@"/search\?q={Regex.Escape(Uri.EscapeDataString("驾驶证"))}$"));
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "“驾驶证”的搜索结果", Level = 1 })).ToBeVisibleAsync();
        var renewal = page.Locator(".found-services li[data-service='TR-0001']");
        await Expect(renewal.Locator(".service-name")).ToHaveTextAsync("驾驶证期满换证");
        await Expect(renewal.Locator(".offered")).ToHaveTextAsync("全国都能办");
        await site.ScreenshotAsync(page, "42-search-all-cities");

        // 3. Hangzhou from the common cities: the same search, now in Hangzhou's catalog.
        await page.Locator($".common-cities a[data-city='{Hangzhou}']").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex($@"/city/{Hangzhou}/services\?q={Regex.Escape(Uri.EscapeDataString("驾驶证"))}$"));
        await Expect(page.GetByLabel("搜索服务事项")).ToHaveValueAsync("驾驶证");
        await Expect(page.Locator("ul.services a[data-service='TR-0001']")).ToHaveTextAsync("驾驶证期满换证");
        await site.ScreenshotAsync(page, "43-hangzhou-search-carried-over");

        // 4. Back to Hangzhou's home by the breadcrumb; the life events are there.
        await page.Locator("nav.crumbs").GetByRole(AriaRole.Link, new() { Name = "杭州市", Exact = true }).ClickAsync();
        await Expect(page).ToHaveURLAsync(CityHome());
        var baby = page.Locator("a.event-tile[data-event='having-a-baby']");
        await Expect(baby).ToContainTextAsync("生孩子");
        await site.ScreenshotAsync(page, "44-hangzhou-life-events");

        // 5. The life event: Hangzhou's services for a birth, in order, the Zhejiang bundle first.
        await baby.ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex($@"/city/{Hangzhou}/events/having-a-baby$"));
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "生孩子", Level = 1, Exact = true })).ToBeVisibleAsync();
        var steps = page.Locator("ol.event-steps a[data-service]");
        await Expect(steps.First).ToHaveAttributeAsync("data-service", "PO-3302");
        await Expect(page.Locator("ol.event-steps a[data-service='HC-0004']")).ToBeVisibleAsync();
        await site.ScreenshotAsync(page, "45-life-event-having-a-baby");

        // 6. Its first service opens the guide.
        await steps.First.ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex($@"/city/{Hangzhou}/services/PO-3302$"));
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync("出生一件事");
        await site.ScreenshotAsync(page, "46-life-event-first-guide");
    }

    [Fact]
    public async Task The_city_filter_and_the_province_list_work_without_javascript()
    {
        await using var context = await site.NewPhoneAsync(javaScript: false);
        var page = await context.NewPageAsync();

        await page.GotoAsync("/");
        await page.GetByLabel("查找城市（中文名、拼音或省份）").FillAsync("hang");
        await page.Locator("form.city-filter").GetByRole(AriaRole.Button, new() { Name = "查找", Exact = true }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex(@"/\?cities=hang#choose$"));
        var match = page.Locator($".city-matches a[data-city='{Hangzhou}']");
        await Expect(match).ToHaveTextAsync("杭州市");
        await Expect(page.Locator(".city-matches a[data-city='330200']")).ToHaveCountAsync(0);
        await site.ScreenshotAsync(page, "47-city-filter");

        // The full list is folded by province; opening Zhejiang shows its cities.
        var ningbo = page.Locator("details[data-group='330000'] a[data-city='330200']");
        await Expect(ningbo).ToBeHiddenAsync();
        await page.Locator("details[data-group='330000'] summary").ClickAsync();
        await Expect(ningbo).ToBeVisibleAsync();
        await site.ScreenshotAsync(page, "48-province-opened");

        await match.ClickAsync();
        await Expect(page).ToHaveURLAsync(CityHome());
    }
}
