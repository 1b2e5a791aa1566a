using System.Text.RegularExpressions;
using CityService.BrowserTests.Accessibility;
using CityService.BrowserTests.Infrastructure;
using CityService.RegistrySimulator;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace CityService.BrowserTests;

/// <summary>
/// Issue 8's "done when": a citizen's whole first visit on a phone, every step screenshotted (screenshots/&lt;provider&gt;/
/// 60-… to 72-…) and axe-clean (WCAG 2.1 A/AA; AAA contrast once the elder mode is on). Part of
/// <see cref="CitizenJourneyTests{TSite}"/>: one live server and one screenshot folder per provider.
/// </summary>
public abstract partial class CitizenJourneyTests<TSite>
{
    /// <summary>A phone no other test signs in with (one code a minute per phone).</summary>
    private const string FirstVisitPhone = "15300000008";

    [Fact]
    public async Task First_visit_from_search_to_sign_out_is_screenshotted_and_axe_clean_at_every_step()
    {
        await using var context = await site.NewPhoneAsync();
        var page = await context.NewPageAsync();
        var html = page.Locator("html");
        var elder = false;
        var problems = new List<string>();
        async Task Step(string name)
        {
            await site.ScreenshotAsync(page, name);
            problems.AddRange((await Axe.ViolationsAsync(page, elder)).Select(v => $"{name}: {v}"));
        }

        // 1. Home without a city: search first.
        await page.GotoAsync("/");
        await Expect(html).ToHaveAttributeAsync("lang", "zh-CN");
        await page.GetByLabel("搜索服务事项").FillAsync("驾驶证");
        await Step("60-walk-home");

        // 2. Search "驾驶证" across all cities.
        await page.GetByRole(AriaRole.Search).GetByRole(AriaRole.Button, new() { Name = "搜索", Exact = true }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex(@"/search\?q="));
        await Expect(page.Locator(".found-services li[data-service='TR-0001']")).ToBeVisibleAsync();
        await Step("61-walk-search-all-cities");

        // 3. Hangzhou from the common cities: the search carries over into Hangzhou's catalog.
        await page.Locator($".common-cities a[data-city='{Hangzhou}']").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex($@"/city/{Hangzhou}/services\?q="));
        await Expect(page.Locator("ul.services a[data-service='TR-0001']")).ToBeVisibleAsync();
        await Step("62-walk-hangzhou-search");

        // 4. Back to Hangzhou by the breadcrumb, then the life event 生孩子.
        await page.Locator("nav.crumbs").GetByRole(AriaRole.Link, new() { Name = "杭州市", Exact = true }).ClickAsync();
        await Expect(page).ToHaveURLAsync(CityHome());
        await page.Locator("a.event-tile[data-event='having-a-baby']").ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "生孩子", Level = 1, Exact = true })).ToBeVisibleAsync();
        await Step("63-walk-life-event");

        // 5. A guide with all its sections: the social security card (needs a verified identity, L2).
        await page.Locator("ol.event-steps a[data-service='SS-0001']").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex($@"/city/{Hangzhou}/services/SS-0001$"));
        foreach (var section in new[] { "#item-code", "#origin", "#conditions", "#materials", "#steps", "#where", "#phones", "#faq" })
        {
            await Expect(page.Locator(section)).ToBeVisibleAsync();
        }

        var start = page.Locator("#start");
        await Expect(start).ToHaveAttributeAsync("data-action", "sign-in");
        await Expect(start).ToHaveTextAsync("去登录");
        await Step("64-walk-guide");

        // 6. Sign in with consent: the agreement is not ticked for the citizen, and the guide comes back after.
        await start.ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/signin"));
        await Expect(page.Locator("#agree")).Not.ToBeCheckedAsync();
        await page.Locator("#phone-form input#phone").FillAsync(FirstVisitPhone);
        await page.Locator("#agree").CheckAsync();
        await Step("65-walk-signin-consent");
        await page.Locator("#phone-form button[type=submit]").ClickAsync();
        await page.Locator("#code-form input#code").FillAsync(site.Server!.Sms.LastCodeFor(FirstVisitPhone));
        await BrowserSite.AgreeAsync(page, "#code-form");
        await Step("66-walk-signin-code");
        await page.Locator("#code-form button[type=submit]").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex($@"/city/{Hangzhou}/services/SS-0001$"));
        await Expect(page.Locator("#signed-in")).ToHaveTextAsync("已登录");
        await Expect(start).ToHaveAttributeAsync("data-action", "verify");
        await Expect(start).ToHaveTextAsync("去实名认证");
        await Step("67-walk-signed-in-guide");

        // 7. Verification with its separate consent to process the ID number (sensitive personal information).
        await start.ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/me/verify"));
        var person = SimulatedPersons.All[^3];
        await page.Locator("#id-form #name").FillAsync(person.Name);
        await page.Locator("#id-form #idNumber").FillAsync(person.IdNumber);
        var consent = page.Locator("#id-form #consent");
        await Expect(consent).Not.ToBeCheckedAsync();
        await consent.CheckAsync();
        await Step("68-walk-verify-consent");
        await page.Locator("#id-form button[type=submit]").ClickAsync();
        await Expect(page).Not.ToHaveURLAsync(new Regex("/me/verify"));
        await page.GotoAsync($"/city/{Hangzhou}/services/SS-0001");
        // Verified: the one primary action is now Hangzhou's online channel for the card, marked as leaving the platform.
        await Expect(start).ToHaveAttributeAsync("data-action", "external");
        await Expect(start).ToContainTextAsync("将离开本平台");
        await Step("69-walk-verified-guide");

        // 8. The elder-friendly mode from the header: larger text, AAA contrast from here on.
        await page.Locator("#display-switch").ClickAsync();
        await Expect(html).ToHaveClassAsync(new Regex(@"\belder\b"));
        elder = true;
        await Step("70-walk-elder-mode");

        // 9. English from the header: the same guide, still in the elder mode.
        await page.Locator("#lang-switch").ClickAsync();
        await Expect(html).ToHaveAttributeAsync("lang", "en");
        await Expect(html).ToHaveClassAsync(new Regex(@"\belder\b"));
        await Expect(page).ToHaveURLAsync(new Regex($@"/city/{Hangzhou}/services/SS-0001$"));
        await Step("71-walk-english");

        // 10. Sign out from the profile.
        await page.GotoAsync("/me");
        await page.Locator("#signout-form button[type=submit]").ClickAsync();
        await Expect(page.Locator("#account-link")).ToHaveAttributeAsync("href", new Regex("^/signin"));
        await Step("72-walk-signed-out");

        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }
}
