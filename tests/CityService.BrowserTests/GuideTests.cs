using CityService.BrowserTests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace CityService.BrowserTests;

/// <summary>
/// A complete service guide (办事指南) as a person sees it on a phone and a desktop, and as it prints: a materials
/// checklist with a box before each material, without header, footer, breadcrumbs or buttons, external addresses spelled out.
/// </summary>
public abstract class GuideTests<TSite>(TSite site)
    where TSite : BrowserSite
{
    private const string Passport = "/city/330100/services/EE-0001";

    [Fact]
    public async Task A_full_guide_on_a_phone_and_a_desktop()
    {
        await using var context = await site.NewPhoneAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync(Passport);
        var guide = page.Locator("article.guide");
        foreach (var heading in new[] { "如何办理", "受理条件", "申请材料", "办理流程", "办理信息", "办理地点和时间", "咨询和投诉", "常见问题" })
        {
            await Expect(guide.GetByRole(AriaRole.Heading, new() { Name = heading, Level = 2, Exact = true })).ToBeVisibleAsync();
        }

        await Expect(page.Locator("a#start")).ToHaveTextAsync("去登录");
        await AssertFitsTheWidth(page);
        await site.ScreenshotAsync(page, "41-guide-phone");

        await page.SetViewportSizeAsync(1280, 800);
        await AssertFitsTheWidth(page);
        await site.ScreenshotAsync(page, "42-guide-desktop");
    }

    [Fact]
    public async Task The_guide_prints_as_a_materials_checklist()
    {
        await using var context = await site.NewPhoneAsync();
        var page = await context.NewPageAsync();
        await page.SetViewportSizeAsync(1280, 800);
        await page.GotoAsync("/city/330100/services/TR-0001");
        await page.EmulateMediaAsync(new() { Media = Media.Print });

        foreach (var hidden in new[] { "header.top", "footer.bottom", "nav.crumbs", ".guide .start", ".guide .back" })
        {
            await Expect(page.Locator(hidden)).ToBeHiddenAsync();
        }

        await Expect(page.Locator("#materials .print-only")).ToBeVisibleAsync();
        var box = await page.Locator("#materials li").First.EvaluateAsync<string>(
            "e => { const s = getComputedStyle(e, '::before'); return s.borderTopStyle + ' ' + s.width + ' ' + s.height; }");
        Assert.StartsWith("solid", box, StringComparison.Ordinal);
        Assert.DoesNotContain(" 0px", box, StringComparison.Ordinal);
        var after = await page.Locator("#facts a.external").EvaluateAsync<string>("e => getComputedStyle(e, '::after').content");
        Assert.Contains("https://gab.122.gov.cn/", after, StringComparison.Ordinal);
        var colour = await page.Locator("article.guide h1").EvaluateAsync<string>("e => getComputedStyle(e).color");
        Assert.Equal("rgb(0, 0, 0)", colour);

        await site.ScreenshotAsync(page, "43-guide-print");
        var pdf = Path.Combine(site.ScreenshotFolder, "43-guide-print.pdf");
        await page.PdfAsync(new() { Path = pdf, Format = "A4", PrintBackground = false });
        Assert.True(new FileInfo(pdf).Length > 1000, "The printed guide (PDF) is empty.");
    }

    private static async Task AssertFitsTheWidth(IPage page)
    {
        var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - document.documentElement.clientWidth");
        Assert.True(overflow <= 0, $"The guide is {overflow}px wider than the window.");
    }
}

public sealed class SqliteGuideTests(SqliteSite site) : GuideTests<SqliteSite>(site), IClassFixture<SqliteSite>;

public sealed class PostgresGuideTests(PostgresSite site) : GuideTests<PostgresSite>(site), IClassFixture<PostgresSite>;
