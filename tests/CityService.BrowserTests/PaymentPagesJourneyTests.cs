using CityService.BrowserTests.Accessibility;
using CityService.BrowserTests.Infrastructure;
using CityService.Core.Identity;
using CityService.Core.Identity.Staff;
using CityService.Core.Payments;
using CityService.Core.Payments.Reconciliation;
using CityService.Core.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static Microsoft.Playwright.Assertions;

namespace CityService.BrowserTests;

/// <summary>Issue 10's staff and operator pages on a phone: /dept/refunds with a refund, /admin/reconciliation with a run, both axe-clean.</summary>
public abstract partial class CitizenJourneyTests<TSite>
    where TSite : BrowserSite
{
    [Fact]
    public async Task Staff_read_refunds_and_an_operator_reads_reconciliation_on_a_phone()
    {
        const string StaffPhone = "13766200001", OperatorPhone = "13766200002";
        var services = site.Server!.Services;
        await using (var db = await services.GetRequiredService<IDbContextFactory<CityDbContext>>().CreateDbContextAsync())
        {
            var protector = services.GetRequiredService<PersonalDataProtector>();
            var now = DateTimeOffset.UtcNow;
            var staff = await db.FindOrOpenAccountAsync(AccountKind.Staff, protector.BlindIndex(StaffPhone, "phone"), () => protector.Encrypt(StaffPhone, "phone"), now, default);
            await db.FindOrOpenAccountAsync(AccountKind.Operator, protector.BlindIndex(OperatorPhone, "phone"), () => protector.Encrypt(OperatorPhone, "phone"), now, default);
            await db.SaveChangesAsync();
            db.StaffAssignments.Add(new StaffAssignment("330100", "HRSS", staff.Id, StaffRole.Approver, now));
            var order = PaymentOrder.Create("330100", staff.Id, PaymentChannels.Sandbox, 5_000, now, TimeSpan.FromMinutes(30));
            order.MarkPending("{}");
            order.MarkSucceeded("T-BROWSER-1", now);
            db.PaymentOrders.Add(order);
            db.Refunds.Add(Refund.Request(order, "HRSS", 1_250, "重复缴费，退回多缴部分", staff.Id, automatic: false, now));
            var run = ReconciliationRun.Start(PaymentChannels.Sandbox, new DateOnly(2026, 11, 30), ReconciliationSources.Upload, null, now);
            run.Finish(3, 1, 3, 1, 0, now);
            db.ReconciliationRuns.Add(run);
            await db.SaveChangesAsync();
        }

        foreach (var (phone, path, shows, shot) in new[]
        {
            (StaffPhone, "/dept/refunds", "#dept-refunds", "90-dept-refunds-phone"),
            (OperatorPhone, "/admin/reconciliation", "#recon-runs", "91-admin-reconciliation-phone"),
        })
        {
            await using var context = await site.NewContextAsync(390, 844, cookies: await site.SignInAsync(phone));
            var page = await context.NewPageAsync();
            await page.GotoAsync(path);
            await Expect(page.Locator(shows)).ToBeVisibleAsync();
            Assert.Empty(await Axe.ViolationsAsync(page, elder: false));
            Assert.Empty(await Layout.ProblemsAsync(page, elder: false));
            await site.ScreenshotAsync(page, shot);
        }
    }
}
