using System.Text.RegularExpressions;
using CityService.BrowserTests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace CityService.BrowserTests;

/// <summary>
/// Issue 8 §1 and §5 in a real browser: the footer says who runs the site, the header lines up with the content on a
/// desktop, and signing in asks for agreement (never ticked for the citizen) and records it on the profile.
/// </summary>
/// (A part of <see cref="CitizenJourneyTests{TSite}"/>: one live server and one screenshot folder per provider.)
public abstract partial class CitizenJourneyTests<TSite>
    where TSite : BrowserSite
{
    [Fact]
    public async Task Citizen_signs_in_with_a_password_after_agreeing_and_sees_the_consents_on_the_profile()
    {
        await using var context = await site.NewPhoneAsync(javaScript: false); // the forms need no script
        var page = await context.NewPageAsync();

        await page.GotoAsync("/signin?method=password&returnUrl=%2Fme%2Fverify");
        var agree = page.Locator("#agree");
        await Expect(agree).Not.ToBeCheckedAsync();
        await Expect(page.Locator("footer #icp")).ToHaveAttributeAsync("href", "https://beian.miit.gov.cn/");
        await Expect(page.Locator("footer #site-operator")).ToContainTextAsync("演示部署");
        await site.ScreenshotAsync(page, "40-signin-consent");

        await page.Locator("#phone").FillAsync("13800000001");
        await page.Locator("#password").FillAsync("demo-citizen-1");
        await page.Locator("#password-form button[type=submit]").ClickAsync();
        await Expect(page.Locator(".error-summary")).ToContainTextAsync("请阅读并同意");
        await site.ScreenshotAsync(page, "41-signin-consent-missing");

        await page.Locator("#password").FillAsync("demo-citizen-1");
        await agree.CheckAsync();
        await Expect(agree).ToBeCheckedAsync();
        await page.Locator("#password-form button[type=submit]").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/me/verify$"));
        await Expect(page.Locator("#signed-in")).ToHaveTextAsync("已登录");
        await Expect(page.Locator("#id-form #consent")).Not.ToBeCheckedAsync();
        await site.ScreenshotAsync(page, "42-verify-consent");

        await page.GotoAsync("/me");
        await Expect(page.Locator("#consents li[data-kind=terms]")).ToContainTextAsync("2026.1");
        await Expect(page.Locator("#consents li[data-kind=privacy]")).ToContainTextAsync("2026.1");
        await site.ScreenshotAsync(page, "43-me-consents");

        await page.GotoAsync("/privacy");
        await Expect(page.Locator("#policy-version")).ToContainTextAsync("2026.1");
        await site.ScreenshotAsync(page, "44-privacy");
    }

    [Fact]
    public async Task On_a_desktop_the_header_and_footer_line_up_with_the_content()
    {
        await using var context = await site.NewPhoneAsync();
        var page = await context.NewPageAsync();
        await page.SetViewportSizeAsync(1280, 800);
        await page.GotoAsync("/privacy");
        var main = await page.Locator("main h1").BoundingBoxAsync();
        var brand = await page.Locator("header .brand").BoundingBoxAsync();
        var footer = await page.Locator("footer .footer-links").BoundingBoxAsync();
        Assert.NotNull(main);
        Assert.InRange(brand!.X, main!.X - 1, main.X + 1);
        Assert.InRange(footer!.X, main.X - 1, main.X + 1);
        await site.ScreenshotAsync(page, "45-privacy-desktop");

        await page.GotoAsync("/accessibility?lang=en");
        await Expect(page.Locator("h1")).ToHaveTextAsync("Accessibility statement");
        await site.ScreenshotAsync(page, "46-accessibility-desktop-en");
    }
}
