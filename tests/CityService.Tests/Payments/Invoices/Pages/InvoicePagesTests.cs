using System.Net;
using CityService.Core.Documents;
using CityService.Core.Identity.Staff;
using CityService.Core.Payments;
using CityService.Core.Payments.Invoices;
using CityService.Tests.Infrastructure;
using CityService.Tests.Payments.Refunds;
using static CityService.Tests.Payments.Refunds.RefundTestData;

namespace CityService.Tests.Payments.Invoices.Pages;

/// <summary>The invoice pages: /me/invoices, /me/invoices/{id} (also the print view), /dept/invoices and /dept/invoices/{id},
/// and the invoice links on the payment pages. Invoices are seeded with <see cref="Invoice.Issue"/> and a real issuer key, for
/// PSB and HRSS in years 2030–2031, so no test of this year's numbering sees them.</summary>
public abstract class InvoicePagesTests(AppFixture app)
{
    private const string Dept = "PSB";
    private const string OtherDept = "HRSS";

    private static long _number = Random.Shared.NextInt64(1, 900_000) * 10_000;

    /// <summary>An invoice of <paramref name="department"/> for the order, signed with the department's key, as issuance writes it.</summary>
    private async Task<Invoice> IssueAsync(PaymentOrder order, string department, long fen, TimeSpan after, Invoice? original = null, int year = 2031)
    {
        var signer = await app.Service<IssuerKeys>().SignerAsync(DocumentIssuer.Department(Region, department), default);
        var at = app.Time.GetUtcNow() + after;
        var id = Guid.CreateVersion7(at);
        var number = Interlocked.Increment(ref _number);
        InvoiceItem[] items = [new(Guid.CreateVersion7(), RevenueHeads.Fine, "罚款", "Fine", fen)];
        var code = $"{Region}{department}{year}";
        Invoice Make(string compact) => Invoice.Issue(id, Region, department, order.Id, order.AccountId, "张*三", code, year, number, items,
            fen < 0 ? "负壹佰元整" : "壹佰贰拾叁元整", "12345678901234567890", at, signer.KeyId, compact, original is null ? null : Guid.CreateVersion7(), original?.Id);
        var invoice = Make(signer.Sign(InvoiceClaims.For(Make(string.Empty), "测试部门", original)));
        await using var db = app.Db();
        db.Invoices.Add(invoice);
        if (original is not null)
        {
            var tracked = await db.Invoices.FindAsync(original.Id);
            tracked!.AddReversal(-fen);
        }

        await db.SaveChangesAsync();
        return invoice;
    }

    [Fact]
    public async Task A_citizen_lists_their_invoices_and_the_print_view_has_the_qr_code_all_fields_and_a_share_link_that_verifies()
    {
        var phone = NewPhone("137");
        var citizen = await CitizenAsync(app, phone);
        var order = await PaidOrderAsync(app, citizen, PaymentChannels.Sandbox, (Dept, 12_300)); // a channel the payment pages name
        var blue = await IssueAsync(order, Dept, 12_300, TimeSpan.Zero);
        var red = await IssueAsync(order, Dept, -2_000, TimeSpan.FromSeconds(1), blue);
        var me = app.BearerClient(await app.CodeToken(app.Client(), phone));

        var list = await HtmlForms.Page(me, "/me/invoices");
        var rows = list.QuerySelectorAll("#invoices li");
        Assert.Equal([red.Id.ToString("N"), blue.Id.ToString("N")], rows.Select(r => r.GetAttribute("data-invoice"))); // newest first
        Assert.Contains("红字票据", rows[0].TextContent, StringComparison.Ordinal);
        Assert.Contains("部分冲红 ¥20.00", rows[1].TextContent, StringComparison.Ordinal);
        Assert.Contains("¥123.00", rows[1].TextContent, StringComparison.Ordinal);
        var english = await HtmlForms.Page(me, "/me/invoices?lang=en");
        Assert.Contains("Partly reversed ¥20.00", english.QuerySelector("#invoices")!.TextContent, StringComparison.Ordinal);

        var view = await HtmlForms.Page(me, "/me/invoices/" + blue.Id);
        Assert.Equal(blue.NumberText, HtmlForms.Text(view, "#invoice-number"));
        Assert.Equal(blue.InvoiceCode, HtmlForms.Text(view, "#invoice-code"));
        Assert.Equal("张*三", HtmlForms.Text(view, "#invoice-payer"));
        Assert.Equal(blue.CheckCode, HtmlForms.Text(view, "#invoice-check-code"));
        Assert.Equal(order.Id.ToString("N"), HtmlForms.Text(view, "#invoice-payment"));
        Assert.Equal("¥123.00", HtmlForms.Text(view, "#invoice-total"));
        Assert.Equal("壹佰贰拾叁元整", HtmlForms.Text(view, "#invoice-total-words"));
        Assert.Equal("2026-11-22 10:00:00", HtmlForms.Text(view, "#invoice-issued-at")); // Asia/Shanghai
        Assert.Single(view.QuerySelectorAll("#invoice-items tbody tr"));
        var qr = view.QuerySelector("#invoice svg.invoice-qr")!; // inline, no image request
        Assert.Equal("img", qr.GetAttribute("role"));
        Assert.True(qr.QuerySelector("path")!.GetAttribute("d")!.Length > 1_000);
        Assert.Empty(view.QuerySelectorAll("#invoice img"));
        Assert.NotNull(view.QuerySelector("link[href*='invoices']"));
        Assert.Equal("/me/invoices/" + red.Id, view.QuerySelector("#invoice-reversals a")!.GetAttribute("href"));
        Assert.Equal($"/api/invoices/{blue.Id}/pdf", view.QuerySelector("#pdf-link")!.GetAttribute("href"));

        var share = view.QuerySelector("#share-url")!.TextContent.Trim();
        Assert.EndsWith("/v/" + blue.Compact, share, StringComparison.Ordinal);
        Assert.Equal(share, view.QuerySelector("#share-link")!.GetAttribute("href"));
        Assert.Contains(share, HtmlForms.Text(view, "#invoice-verify-at"), StringComparison.Ordinal);
        var verified = await app.Service<IssuerKeys>().VerifyAsync(share[(share.IndexOf("/v/", StringComparison.Ordinal) + 3)..], default);
        Assert.True(verified.Valid, verified.Reason);
        Assert.Equal(blue.NumberText, verified.Document!.Fields[InvoiceClaims.Number]);

        var redView = await HtmlForms.Page(me, "/me/invoices/" + red.Id);
        Assert.Equal("red-letter", redView.QuerySelector("#invoice")!.GetAttribute("data-status"));
        Assert.Equal("-¥20.00", HtmlForms.Text(redView, "#invoice-total"));
        Assert.Equal("/me/invoices/" + blue.Id, redView.QuerySelector("#invoice-original a")!.GetAttribute("href"));

        // The payment and its receipt link both invoices.
        foreach (var path in new[] { "/me/payments/" + order.Id, $"/me/payments/{order.Id}/receipt" })
        {
            var payment = await HtmlForms.Page(me, path);
            Assert.Equal(2, payment.QuerySelectorAll("#payment-invoices li a").Length);
        }
    }

    [Fact]
    public async Task The_invoice_pages_are_not_found_for_another_citizen_or_another_department()
    {
        var phone = NewPhone("137");
        var order = await PaidOrderAsync(app, await CitizenAsync(app, phone), TestWallet.Slug, (Dept, 5_000));
        var invoice = await IssueAsync(order, Dept, 5_000, TimeSpan.Zero);
        var otherPhone = NewPhone("137");
        await CitizenAsync(app, otherPhone);
        var other = app.BearerClient(await app.CodeToken(app.Client(), otherPhone));
        var (own, _) = await StaffAsync(app, (Dept, StaffRole.Clerk));
        var (elsewhere, _) = await StaffAsync(app, (OtherDept, StaffRole.Approver));

        await HtmlForms.Page(other, "/me/invoices/" + invoice.Id, HttpStatusCode.NotFound);
        await HtmlForms.Page(other, "/me/payments/" + order.Id, HttpStatusCode.NotFound);
        Assert.NotNull((await HtmlForms.Page(other, "/me/invoices")).QuerySelector("#invoices-empty"));
        await HtmlForms.Page(other, "/me/invoices?page=0", HttpStatusCode.NotFound);
        await HtmlForms.Page(other, "/dept/invoices", HttpStatusCode.Forbidden);
        await HtmlForms.Page(other, "/dept/invoices/" + invoice.Id, HttpStatusCode.Forbidden);

        Assert.NotNull((await HtmlForms.Page(own, "/dept/invoices/" + invoice.Id)).QuerySelector("#invoice"));
        await HtmlForms.Page(own, "/me/invoices/" + invoice.Id, HttpStatusCode.Forbidden);
        await HtmlForms.Page(elsewhere, "/dept/invoices/" + invoice.Id, HttpStatusCode.NotFound);
        await HtmlForms.Page(elsewhere, $"/dept/invoices?region={Region}&department={Dept}", HttpStatusCode.NotFound);
        await HtmlForms.Page(own, "/dept/invoices/" + Guid.CreateVersion7(), HttpStatusCode.NotFound);
        var theirs = await HtmlForms.Page(elsewhere, "/dept/invoices");
        Assert.DoesNotContain(theirs.QuerySelectorAll("#dept-invoices tr"), r => r.GetAttribute("data-invoice") == invoice.Id.ToString("N"));
    }

    [Fact]
    public async Task Department_staff_filter_their_invoices_by_year_number_and_red_letter_and_see_the_reversals()
    {
        var order = await PaidOrderAsync(app, await CitizenAsync(app, NewPhone("137")), TestWallet.Slug, (Dept, 9_000));
        var blue = await IssueAsync(order, Dept, 9_000, TimeSpan.Zero);
        var red = await IssueAsync(order, Dept, -9_000, TimeSpan.FromSeconds(1), blue);
        var older = await IssueAsync(order, Dept, 1_000, TimeSpan.FromSeconds(-1), year: 2030);
        var (staff, _) = await StaffAsync(app, (Dept, StaffRole.Clerk));
        string[] Shown(AngleSharp.Html.Dom.IHtmlDocument page) => [.. page.QuerySelectorAll("#dept-invoices tbody tr").Select(r => r.GetAttribute("data-invoice")!)];

        var all = await HtmlForms.Page(staff, "/dept/invoices");
        HtmlForms.AssertAccessibleForms(all);
        Assert.Contains(blue.Id.ToString("N"), Shown(all));
        Assert.Equal("reversed", all.QuerySelector($"#dept-invoices tr[data-invoice='{blue.Id:N}']")!.GetAttribute("data-status"));
        Assert.Equal([older.Id.ToString("N")], Shown(await HtmlForms.Page(staff, "/dept/invoices?year=2030&number=" + older.Number)));
        Assert.Equal([blue.Id.ToString("N")], Shown(await HtmlForms.Page(staff, "/dept/invoices?number=" + blue.NumberText)));
        var redOnly = Shown(await HtmlForms.Page(staff, "/dept/invoices?red=1"));
        Assert.Contains(red.Id.ToString("N"), redOnly);
        Assert.DoesNotContain(blue.Id.ToString("N"), redOnly);
        Assert.NotNull((await HtmlForms.Page(staff, "/dept/invoices?year=2029&number=" + blue.Number)).QuerySelector("#no-invoices"));

        var badYear = await HtmlForms.Page(staff, "/dept/invoices?year=26", HttpStatusCode.BadRequest);
        Assert.Contains("四位数字", HtmlForms.Text(badYear, "#year-error"), StringComparison.Ordinal);
        HtmlForms.AssertAccessibleForms(badYear);
        Assert.Null(badYear.QuerySelector("#dept-invoices"));
        var badNumber = await HtmlForms.Page(staff, "/dept/invoices?number=12345678901&lang=en", HttpStatusCode.BadRequest);
        Assert.Contains("1 to 10 digits", HtmlForms.Text(badNumber, "#number-error"), StringComparison.Ordinal);
        await HtmlForms.Page(staff, "/dept/invoices?red=yes", HttpStatusCode.BadRequest);

        var view = await HtmlForms.Page(staff, "/dept/invoices/" + blue.Id);
        Assert.Equal("/dept/payments/" + order.Id, view.QuerySelector("#payment-link")!.GetAttribute("href"));
        Assert.Equal("/dept/invoices/" + red.Id, view.QuerySelector("#invoice-reversals a")!.GetAttribute("href"));
        Assert.Equal("已冲红", HtmlForms.Text(view, "#invoice-status"));
        Assert.Single(view.QuerySelectorAll("#invoice-items tbody tr"));
        var redView = await HtmlForms.Page(staff, "/dept/invoices/" + red.Id);
        Assert.Equal("/dept/invoices/" + blue.Id, redView.QuerySelector("#invoice-original a")!.GetAttribute("href"));

        // The department menus link the invoices.
        Assert.NotNull((await HtmlForms.Page(staff, "/dept/bills")).QuerySelector("#invoices-link[href='/dept/invoices']"));
    }
}

public sealed class InvoicePagesTests_Sqlite(SqliteApp app) : InvoicePagesTests(app), IClassFixture<SqliteApp>;

public sealed class InvoicePagesTests_Postgres(PostgresApp app) : InvoicePagesTests(app), IClassFixture<PostgresApp>;
