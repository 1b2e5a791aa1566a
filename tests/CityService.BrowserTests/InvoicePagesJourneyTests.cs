using CityService.BrowserTests.Accessibility;
using CityService.BrowserTests.Infrastructure;
using CityService.Core.Documents;
using CityService.Core.Identity;
using CityService.Core.Identity.Staff;
using CityService.Core.Payments;
using CityService.Core.Payments.Invoices;
using CityService.Core.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static Microsoft.Playwright.Assertions;

namespace CityService.BrowserTests;

/// <summary>Issue 11's invoice pages on a phone: my invoices → the invoice (QR code, share link) → the share link; the
/// department's list; all axe-clean.</summary>
public abstract partial class CitizenJourneyTests<TSite>
    where TSite : BrowserSite
{
    [Fact]
    public async Task A_citizen_opens_an_invoice_and_its_share_link_and_staff_list_their_invoices_on_a_phone()
    {
        const string CitizenPhone = "13766300001", StaffPhone = "13766300002", Department = "PSB";
        var services = site.Server!.Services;
        var now = DateTimeOffset.UtcNow;
        var signer = await services.GetRequiredService<IssuerKeys>().SignerAsync(DocumentIssuer.Department(AccessiblePages.Hangzhou, Department), default);
        Invoice invoice;
        await using (var db = await services.GetRequiredService<IDbContextFactory<CityDbContext>>().CreateDbContextAsync())
        {
            var protector = services.GetRequiredService<PersonalDataProtector>();
            var citizen = await db.FindOrOpenAccountAsync(AccountKind.Citizen, protector.BlindIndex(CitizenPhone, "phone"), () => protector.Encrypt(CitizenPhone, "phone"), now, default);
            var staff = await db.FindOrOpenAccountAsync(AccountKind.Staff, protector.BlindIndex(StaffPhone, "phone"), () => protector.Encrypt(StaffPhone, "phone"), now, default);
            await db.SaveChangesAsync();
            db.StaffAssignments.Add(new StaffAssignment(AccessiblePages.Hangzhou, Department, staff.Id, StaffRole.Clerk, now));
            var order = PaymentOrder.Create(AccessiblePages.Hangzhou, citizen.Id, PaymentChannels.Sandbox, 10_000, now, TimeSpan.FromMinutes(30));
            order.MarkPending("{}");
            order.MarkSucceeded("T-BROWSER-INV-1", now);
            db.PaymentOrders.Add(order);
            var id = Guid.CreateVersion7(now);
            Invoice Make(string compact) => Invoice.Issue(id, AccessiblePages.Hangzhou, Department, order.Id, citizen.Id, "张*三", "330100PSB2031", 2031, 1,
                [new InvoiceItem(Guid.CreateVersion7(), RevenueHeads.Fine, "罚款", "Fine", 10_000)], "壹佰元整", "12345678901234567890", now, signer.KeyId, compact);
            invoice = Make(signer.Sign(InvoiceClaims.For(Make(string.Empty), "测试部门", null)));
            db.Invoices.Add(invoice);
            await db.SaveChangesAsync();
        }

        await using (var context = await site.NewContextAsync(390, 844, cookies: await site.SignInAsync(CitizenPhone)))
        {
            var page = await context.NewPageAsync();
            await page.GotoAsync("/me/invoices");
            await site.ScreenshotAsync(page, "92-my-invoices-phone");
            await page.Locator($"#invoices li[data-invoice='{invoice.Id:N}'] a").ClickAsync();
            await Expect(page.Locator("#invoice svg.invoice-qr")).ToBeVisibleAsync();
            await Expect(page.Locator("#invoice-total")).ToHaveTextAsync("¥100.00");
            Assert.Empty(await Axe.ViolationsAsync(page, elder: false));
            Assert.Empty(await Layout.ProblemsAsync(page, elder: false));
            await site.ScreenshotAsync(page, "93-invoice-phone");
            var share = await page.Locator("#share-url").InputValueAsync();
            Assert.EndsWith("/v/" + invoice.Compact, share, StringComparison.Ordinal);
            var opened = await page.GotoAsync(share);
            if (opened?.Status != 404) // the verification page (part verify) once merged
            {
                Assert.Equal(200, opened?.Status);
                await Expect(page.Locator("main")).ToContainTextAsync(invoice.NumberText);
            }
        }

        await using (var context = await site.NewContextAsync(390, 844, cookies: await site.SignInAsync(StaffPhone)))
        {
            var page = await context.NewPageAsync();
            await page.GotoAsync("/dept/invoices");
            await Expect(page.Locator($"#dept-invoices tr[data-invoice='{invoice.Id:N}']")).ToBeVisibleAsync();
            Assert.Empty(await Axe.ViolationsAsync(page, elder: false));
            Assert.Empty(await Layout.ProblemsAsync(page, elder: false));
            await site.ScreenshotAsync(page, "94-dept-invoices-phone");
        }
    }
}
