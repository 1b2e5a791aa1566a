using CityService.BrowserTests.Accessibility;
using CityService.BrowserTests.Infrastructure;
using CityService.Core.Identity;
using CityService.Core.Notifications;
using CityService.Core.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace CityService.BrowserTests;

/// <summary>
/// Issue 9 §3 in a real browser on a phone: the bell in the header says how many notifications are unread, the inbox
/// marks one read, both axe-clean; and the operators' template page with its SMS preview.
/// </summary>
/// (A part of <see cref="CitizenJourneyTests{TSite}"/>: one live server and one screenshot folder per provider.)
public abstract partial class CitizenJourneyTests<TSite>
    where TSite : BrowserSite
{
    [Fact]
    public async Task Citizen_sees_the_unread_count_on_the_bell_and_reads_a_notification_on_a_phone()
    {
        const string Phone = "13766000001";
        var cookies = await site.SignInAsync(Phone);
        var services = site.Server!.Services;
        await using (var db = await services.GetRequiredService<IDbContextFactory<CityDbContext>>().CreateDbContextAsync())
        {
            var index = services.GetRequiredService<PersonalDataProtector>().BlindIndex(Phone, "phone");
            var id = await db.Accounts.Where(a => a.PhoneIndex == index).Select(a => a.Id).SingleAsync();
            var notifications = services.GetRequiredService<NotificationService>();
            foreach (var (code, variables) in new[]
            {
                (NotificationEvents.Verified, new Dictionary<string, string> { ["level"] = "L2", ["at"] = "2026-11-22 09:00" }),
                (NotificationEvents.NewDevice, new Dictionary<string, string> { ["device"] = "Chrome · Windows", ["at"] = "2026-11-22 09:30" }),
                (NotificationEvents.PhoneChanged, new Dictionary<string, string> { ["phone"] = "137****0001", ["at"] = "2026-11-22 10:00" }),
            })
            {
                await notifications.NotifyAsync(db, id, code, variables, NotificationService.PlatformRegion, default);
                await db.SaveChangesAsync();
            }
        }

        await using var context = await site.NewContextAsync(390, 844, cookies: cookies);
        var page = await context.NewPageAsync();
        await page.GotoAsync("/");
        var bell = page.GetByRole(AriaRole.Link, new() { Name = "通知，3 条未读", Exact = true });
        await Expect(bell).ToBeVisibleAsync();
        await Expect(bell.Locator(".bell-count")).ToHaveTextAsync("3");
        var box = await bell.BoundingBoxAsync();
        Assert.True(box is { Width: >= 44, Height: >= 44 }, $"the bell is {box?.Width}×{box?.Height} px, below the 2.75rem target");
        await site.ScreenshotAsync(page, "80-bell-phone");

        await bell.ClickAsync();
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/me/notifications$"));
        await Expect(page.Locator(".inbox > li.unread")).ToHaveCountAsync(3);
        await Expect(page.Locator(".inbox > li").First).ToContainTextAsync("手机号已更换"); // newest first
        Assert.Empty(await Axe.ViolationsAsync(page, elder: false));
        Assert.True(await page.EvaluateAsync<bool>("document.documentElement.scrollWidth <= window.innerWidth"), "the inbox scrolls sideways on a phone");
        await site.ScreenshotAsync(page, "81-notifications-phone");

        await page.Locator(".inbox > li").First.Locator(".read-form button").ClickAsync();
        await Expect(page.Locator(".inbox > li.unread")).ToHaveCountAsync(2);
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "通知，2 条未读", Exact = true })).ToBeVisibleAsync();
        await site.ScreenshotAsync(page, "82-notifications-one-read");
    }

    [Fact]
    public async Task Operator_previews_an_sms_template_and_reads_the_jobs_the_outbox_and_the_audit_check_on_a_phone()
    {
        var cookies = await site.SignInAsync("13700000001");
        await using var context = await site.NewContextAsync(390, 844, cookies: cookies);
        var page = await context.NewPageAsync();
        await page.GotoAsync("/admin/notifications/templates/identity.new-device/sms/zh");
        await Expect(page.Locator("#preview-text")).ToContainTextAsync("【城市服务】");
        await Expect(page.Locator("#sms-length")).ToHaveAttributeAsync("data-segments", "1");
        Assert.Empty(await Axe.ViolationsAsync(page, elder: false));
        await site.ScreenshotAsync(page, "83-template-sms-phone");

        // One sign-in for all the operator's pages: the same phone may have one code a minute.
        foreach (var (path, shows, shot) in new[]
        {
            ("/admin/jobs", "#job-cleanup", "84-admin-jobs-phone"),
            ("/admin/outbox", "#channels-heading", "85-admin-outbox-phone"),
            ("/admin/audit", "#audit-intact", "86-admin-audit-phone"), // the sign-in above is in the log: the check ran and holds
        })
        {
            await page.GotoAsync(path);
            await Expect(page.Locator(shows)).ToBeVisibleAsync();
            Assert.Empty(await Axe.ViolationsAsync(page, elder: false));
            Assert.Empty(await Layout.ProblemsAsync(page, elder: false)); // nothing wider than the phone, nothing cut off
            await site.ScreenshotAsync(page, shot);
        }
    }
}
