using System.Net;
using System.Net.Http.Headers;
using System.Text;
using CityService.Core.Identity.Staff;
using CityService.Core.Payments;
using CityService.Core.Payments.Channels.Sandbox;
using CityService.Tests.Infrastructure;
using CityService.Tests.Payments.Refunds;
using Microsoft.EntityFrameworkCore;
using static CityService.Tests.Payments.Refunds.RefundTestData;

namespace CityService.Tests.Payments.Pages;

/// <summary>The refund pages (/dept/refunds, /dept/payments/{id} and its form) and the operators' reconciliation pages.</summary>
public abstract class PaymentPagesTests(AppFixture app)
{
    /// <summary>A cookie-keeping browser (antiforgery) that signs its requests with the client's bearer token.</summary>
    private HttpClient Browser(HttpClient signedIn)
    {
        var browser = app.Browser();
        browser.DefaultRequestHeaders.Authorization = signedIn.DefaultRequestHeaders.Authorization;
        return browser;
    }

    [Fact]
    public async Task A_department_approver_refunds_from_the_payment_page_and_a_stale_form_is_refused()
    {
        var citizen = await CitizenAsync(app, NewPhone("135"));
        var order = await PaidOrderAsync(app, citizen, TestWallet.Slug, ("PSB", 10_000), ("HRSS", 5_000));
        var (approverApi, _) = await StaffAsync(app, ("PSB", StaffRole.Approver));
        var approver = Browser(approverApi);
        var path = "/dept/payments/" + order.Id;

        var page = await HtmlForms.Page(approver, path);
        HtmlForms.AssertAccessibleForms(page);
        Assert.Single(page.QuerySelectorAll("#payment-bills tbody tr")); // only PSB's bill, not HRSS's
        Assert.Equal("¥150.00", HtmlForms.Text(page, "#payment-available"));
        Assert.Equal("15000", page.QuerySelector("#refund-form input[name=refundAmountAvailable]")!.GetAttribute("value"));
        Assert.StartsWith("/signin?returnUrl=", page.QuerySelector("#reauth-link")!.GetAttribute("href"), StringComparison.Ordinal);

        // Bad amounts: not yuan with two decimals, and more than the department's share; each a message at the field.
        var badFormat = await HtmlForms.Html(await HtmlForms.Submit(approver, page, "#refund-form", new() { ["amount"] = "12.345", ["reason"] = "重复缴费" }), HttpStatusCode.BadRequest);
        Assert.Contains("两位小数", HtmlForms.Text(badFormat, "#amount-error"), StringComparison.Ordinal);
        HtmlForms.AssertAccessibleForms(badFormat);
        var tooMuch = await HtmlForms.Html(await HtmlForms.Submit(approver, page, "#refund-form", new() { ["amount"] = "100.01", ["reason"] = "重复缴费" }), HttpStatusCode.UnprocessableEntity);
        Assert.NotNull(tooMuch.QuerySelector("#amount-error"));
        await HtmlForms.Html(await HtmlForms.Submit(approver, page, "#refund-form", new() { ["amount"] = "1.00", ["reason"] = " " }), HttpStatusCode.BadRequest);

        // The happy path: 12.34 yuan is exactly 1,234 fen.
        var done = HtmlForms.Location(await HtmlForms.Submit(approver, page, "#refund-form", new() { ["amount"] = "12.34", ["reason"] = "重复缴费" }));
        Assert.Equal(path + "?refunded=1", done);
        var after = await HtmlForms.Page(approver, done);
        Assert.NotNull(after.QuerySelector("#refund-accepted"));
        Assert.Equal("¥137.66", HtmlForms.Text(after, "#payment-available"));
        await using (var db = app.Db())
        {
            var refund = await db.Refunds.SingleAsync(r => r.PaymentId == order.Id);
            Assert.Equal((1_234L, "PSB", "重复缴费"), (refund.AmountFen, refund.DepartmentCode, refund.Reason));
        }

        // The old page still carries 15000: refused (412) in Chinese, then in English; the page shows the current amount.
        var stale = await HtmlForms.Html(await HtmlForms.Submit(approver, page, "#refund-form", new() { ["amount"] = "1.00", ["reason"] = "重复缴费" }), HttpStatusCode.PreconditionFailed);
        Assert.Contains("可退金额已变化", HtmlForms.Text(stale, "#error-summary"), StringComparison.Ordinal);
        Assert.Equal("13766", stale.QuerySelector("#refund-form input[name=refundAmountAvailable]")!.GetAttribute("value"));
        var english = Browser(approverApi);
        var englishPage = await HtmlForms.Page(english, path + "?lang=en");
        Assert.Equal("Refund", HtmlForms.Text(englishPage, "#refund-submit"));
        englishPage.QuerySelector("#refund-form input[name=refundAmountAvailable]")!.SetAttribute("value", "15000");
        englishPage.QuerySelector("#refund-form")!.SetAttribute("action", path + "?lang=en");
        var staleEn = await HtmlForms.Html(await HtmlForms.Submit(english, englishPage, "#refund-form", new() { ["amount"] = "1.00", ["reason"] = "duplicate" }), HttpStatusCode.PreconditionFailed);
        Assert.Contains("has changed (now ¥137.66)", HtmlForms.Text(staleEn, "#error-summary"), StringComparison.Ordinal);

        // The department's list shows it with a link back to the payment; /dept/bills links the paid bill to the payment.
        var list = await HtmlForms.Page(approver, "/dept/refunds");
        var row = list.QuerySelector("#dept-refunds tbody tr")!;
        Assert.Contains("¥12.34", row.TextContent, StringComparison.Ordinal);
        Assert.Equal(path, row.QuerySelector("a.payment-link")!.GetAttribute("href"));
        var bills = await HtmlForms.Page(approver, "/dept/bills?state=paid");
        Assert.Contains(bills.QuerySelectorAll("#dept-bills a.payment-link"), a => a.GetAttribute("href") == path);

        // A refund more than 5 minutes after the code: refused with the rule and the link to sign in again.
        app.Time.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1));
        var fresh = await HtmlForms.Page(approver, path);
        var reauth = await HtmlForms.Html(await HtmlForms.Submit(approver, fresh, "#refund-form", new() { ["amount"] = "1.00", ["reason"] = "重复缴费" }), HttpStatusCode.Forbidden);
        Assert.Contains("重新登录", HtmlForms.Text(reauth, "#error-summary"), StringComparison.Ordinal);
        Assert.NotNull(reauth.QuerySelector("#reauth-link"));
    }

    [Fact]
    public async Task The_payment_and_refund_pages_are_not_found_for_anyone_else()
    {
        var citizenPhone = NewPhone("135");
        var citizen = await CitizenAsync(app, citizenPhone);
        var order = await PaidOrderAsync(app, citizen, TestWallet.Slug, ("PSB", 2_000));
        var (clerk, _) = await StaffAsync(app, ("PSB", StaffRole.Clerk));
        var (elsewhere, _) = await StaffAsync(app, ("HRSS", StaffRole.Approver));
        var path = "/dept/payments/" + order.Id;

        var seen = await HtmlForms.Page(Browser(clerk), path); // a clerk sees the payment but may not refund
        Assert.NotNull(seen.QuerySelector("#not-approver"));
        Assert.Null(seen.QuerySelector("#refund-form"));
        await HtmlForms.Page(Browser(elsewhere), path, HttpStatusCode.NotFound);
        await HtmlForms.Page(Browser(clerk), "/dept/payments/" + Guid.CreateVersion7(), HttpStatusCode.NotFound);
        var payer = app.BearerClient(await app.CodeToken(app.Client(), citizenPhone));
        await HtmlForms.Page(payer, path, HttpStatusCode.NotFound);

        Assert.NotNull((await HtmlForms.Page(Browser(elsewhere), "/dept/refunds")).QuerySelector("#no-refunds"));
        await HtmlForms.Page(Browser(elsewhere), "/dept/refunds?region=330100&department=PSB", HttpStatusCode.NotFound);
        await HtmlForms.Page(Browser(clerk), "/dept/refunds?page=0", HttpStatusCode.NotFound);
        await HtmlForms.Page(Browser(clerk), "/admin/reconciliation", HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task An_operator_uploads_a_settlement_file_reads_the_report_and_downloads_its_csv()
    {
        var op = Browser(app.BearerClient(await AppFixture.PasswordToken(app.Client(), "13700000001", "demo-operator-1")));
        var page = await HtmlForms.Page(op, "/admin/reconciliation");
        HtmlForms.AssertAccessibleForms(page);
        Assert.NotNull(page.QuerySelector("#upload-channel option[value=sandbox]"));

        var bad = await HtmlForms.Html(await HtmlForms.Submit(op, page, "#upload-form", new() { ["channel"] = "sandbox", ["day"] = "2026-11-30" }, Encoding.UTF8.GetBytes("not,a,settlement\n")), HttpStatusCode.BadRequest);
        Assert.Contains("对账单格式", HtmlForms.Text(bad, "#upload-file-error"), StringComparison.Ordinal);
        HtmlForms.AssertAccessibleForms(bad);
        var empty = await HtmlForms.Html(await HtmlForms.Submit(op, page, "#upload-form", new() { ["channel"] = "sandbox", ["day"] = "2026-11-30" }), HttpStatusCode.BadRequest);
        Assert.NotNull(empty.QuerySelector("#upload-file-error"));
        var badDay = await HtmlForms.Html(await HtmlForms.Submit(op, page, "#download-form", new() { ["channel"] = "sandbox", ["day"] = "2026-13-01" }), HttpStatusCode.BadRequest);
        Assert.NotNull(badDay.QuerySelector("#download-day-error"));
        var noChannel = await HtmlForms.Html(await HtmlForms.Submit(op, page, "#download-form", new() { ["channel"] = "nosuch", ["day"] = "2026-11-30" }), HttpStatusCode.NotFound);
        Assert.NotNull(noChannel.QuerySelector("#download-channel-error"));

        var file = Encoding.UTF8.GetBytes(SandboxChannel.SettlementHeader + "\nT-PAGES-1,00000000000000000000000000000001,payment,100,2026-11-30T02:00:00Z,\n");
        var report = HtmlForms.Location(await HtmlForms.Submit(op, page, "#upload-form", new() { ["channel"] = "sandbox", ["day"] = "2026-11-30" }, file));
        Assert.StartsWith("/admin/reconciliation/", report, StringComparison.Ordinal);
        var run = await HtmlForms.Page(op, report);
        Assert.Equal("2026-11-30", HtmlForms.Text(run, "#run-day"));
        Assert.NotNull(run.QuerySelector("#recon-items tr[data-kind=missing-here]"));
        var csv = await op.GetAsync(run.QuerySelector("#csv-link")!.GetAttribute("href"));
        Assert.Equal(HttpStatusCode.OK, csv.StatusCode);
        Assert.Equal("text/csv", csv.Content.Headers.ContentType?.MediaType);
        var text = Encoding.UTF8.GetString(await csv.Content.ReadAsByteArrayAsync());
        Assert.Contains("missing-here,payment,T-PAGES-1", text, StringComparison.Ordinal);

        var downloaded = HtmlForms.Location(await HtmlForms.Submit(op, page, "#download-form", new() { ["channel"] = "sandbox", ["day"] = "2026-11-29" }));
        var list = await HtmlForms.Page(op, "/admin/reconciliation");
        Assert.NotNull(list.QuerySelector($"#recon-runs tr[data-run='{report.Split('/')[^1]}']"));
        Assert.NotNull(list.QuerySelector($"#recon-runs tr[data-run='{downloaded.Split('/')[^1]}']"));
        await HtmlForms.Page(op, "/admin/reconciliation/" + Guid.CreateVersion7(), HttpStatusCode.NotFound);
    }
}

public sealed class PaymentPagesTests_Sqlite(SqliteApp app) : PaymentPagesTests(app), IClassFixture<SqliteApp>;

public sealed class PaymentPagesTests_Postgres(PostgresApp app) : PaymentPagesTests(app), IClassFixture<PostgresApp>;
