using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using CityService.Core.Audit;
using CityService.Core.Documents;
using CityService.Core.Identity.Staff;
using CityService.Core.Notifications;
using CityService.Core.Payments;
using CityService.Core.Payments.Invoices;
using CityService.Core.Payments.Refunds;
using CityService.Core.Storage;
using CityService.Tests.Infrastructure;
using CityService.Tests.Payments.Refunds;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static CityService.Tests.Payments.Refunds.RefundTestData;

namespace CityService.Tests.Payments.Invoices;

/// <summary>
/// Fiscal e-invoices on both providers: issued in the paying transaction through the notice path (one per department,
/// numbered 1, 2 … per department and year, signed, notified, audited), gapless under 40 concurrent payments and after the
/// bill-already-paid rollback, red-letter on partial and full refunds, and who may read them.
/// </summary>
public abstract class InvoiceTests(AppFixture app)
{
    /// <summary>A department of its own per test: its numbers start at 1 whatever ran before on the shared host.</summary>
    private string NewDepartment()
    {
        var code = "T" + Guid.NewGuid().ToString("N")[..7].ToUpperInvariant();
        using var db = app.Db();
        db.Departments.Add(new Core.Catalog.Department(Region, code, "测试局" + code, "Test bureau " + code));
        db.SaveChanges();
        return code;
    }

    private async Task<(Guid Citizen, string Phone)> Citizen()
    {
        var phone = NewPhone("135");
        return (await CitizenAsync(app, phone), phone);
    }

    private async Task<HttpClient> SignedIn(string phone)
    {
        var client = app.Client();
        app.Time.Advance(Core.Identity.SignIn.OtpService.PhoneInterval);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await app.CodeToken(client, phone));
        return client;
    }

    private async Task<string> Pay(PaymentOrder order, long? fen = null) =>
        Core.Payments.Orders.PaymentNotices.OutcomeName(await app.Service<IPaymentNotices>().ApplyAsync(
            new ChannelPaymentNotice(order.Channel, order.OutTradeNo, "T" + order.OutTradeNo[..20], fen ?? order.AmountFen, app.Time.GetUtcNow(), "n-" + order.OutTradeNo), default));

    private async Task<List<Invoice>> InvoicesOf(Guid paymentId)
    {
        await using var db = app.Db();
        return await db.Invoices.AsNoTracking().Where(i => i.PaymentId == paymentId).OrderBy(i => i.DepartmentCode).ThenBy(i => i.Number).ToListAsync();
    }

    private async Task<List<long>> NumbersOf(string department)
    {
        await using var db = app.Db();
        return await db.Invoices.AsNoTracking().Where(i => i.DepartmentCode == department).Select(i => i.Number).OrderBy(n => n).ToListAsync();
    }

    [Fact]
    public async Task A_payment_of_two_departments_gets_one_signed_invoice_each_numbered_per_department()
    {
        app.Time.Advance(TimeSpan.FromHours(1)); // sign-in codes: a new hour keeps under the per-address limit
        var (a, b) = (NewDepartment(), NewDepartment());
        if (string.CompareOrdinal(a, b) > 0)
        {
            (a, b) = (b, a);
        }

        var (citizen, phone) = await Citizen();
        var order = await OrderAsync(app, citizen, PaymentChannels.Sandbox, succeeded: false, (a, 10_000), (a, 5_000), (b, 2_000));
        Assert.Equal("applied", await Pay(order));

        var invoices = await InvoicesOf(order.Id);
        Assert.Equal(2, invoices.Count);
        var (first, second) = (invoices[0], invoices[1]);
        Assert.Equal((a, 1L, 15_000L, "壹佰伍拾元整"), (first.DepartmentCode, first.Number, first.AmountFen, first.AmountInWords));
        Assert.Equal((b, 1L, 2_000L, "贰拾元整"), (second.DepartmentCode, second.Number, second.AmountFen, second.AmountInWords));
        Assert.Equal(4, first.Items.Count); // two bills, each a fine and a late fee
        Assert.Equal(2, first.Items.Count(i => i.RevenueHead == RevenueHeads.LateFee));
        Assert.Equal(15_000, first.Items.Sum(i => i.AmountFen));
        Assert.Equal("罚款", first.Items[0].NameZh);
        Assert.Equal(InvoiceIssuance.CodeOf("330100", InvoiceIssuance.YearOf(app.Time.GetUtcNow()), a), first.InvoiceCode);
        Assert.Equal("0000000001", first.NumberText);
        Assert.Equal(InvoiceIssuance.UnknownPayer, first.PayerName);
        Assert.Equal(InvoiceIssuance.CheckCodeOf(first.InvoiceCode, 1, 15_000, first.IssuedAt), first.CheckCode);
        foreach (var invoice in invoices)
        {
            var verified = await app.Service<IssuerKeys>().VerifyAsync(invoice.Compact, default);
            Assert.True(verified.Valid, verified.Reason);
            Assert.Equal(invoice.Id, verified.Document!.Id);
            Assert.Equal(invoice.NumberText, verified.Document.Fields[InvoiceClaims.Number]);
            Assert.Equal(order.OutTradeNo, verified.Document.Fields[InvoiceClaims.Payment]);
        }

        app.Time.Advance(TimeSpan.FromSeconds(1)); // newest first: a later issue time
        var next = await OrderAsync(app, citizen, PaymentChannels.Sandbox, succeeded: false, (a, 100_150));
        Assert.Equal("applied", await Pay(next));
        var third = Assert.Single(await InvoicesOf(next.Id));
        Assert.Equal((2L, "壹仟零壹元伍角"), (third.Number, third.AmountInWords));

        await using (var db = app.Db())
        {
            var inbox = await db.InboxNotifications.Where(n => n.AccountId == citizen && n.EventCode == NotificationEvents.InvoiceIssued).ToListAsync();
            Assert.Equal(3, inbox.Count);
            Assert.Contains(inbox, n => n.BodyZh.Contains(InvoicePaths.Citizen(third.Id), StringComparison.Ordinal));
            var ids = new[] { first.Id, second.Id, third.Id }.Select(i => i.ToString()).ToList();
            Assert.Equal(3, await db.AuditEntries.CountAsync(e => e.Action == AuditActions.InvoiceIssued && ids.Contains(e.ObjectId!)));
        }

        // The API: the payer, the issuing department's staff; anyone else 404.
        var payer = await SignedIn(phone);
        var shown = await (await payer.GetAsync($"/api/invoices/{first.Id}")).Json(HttpStatusCode.OK);
        Assert.Equal("issued", shown.GetProperty("status").GetString());
        Assert.Equal("壹佰伍拾元整", shown.GetProperty("amountInWords").GetString());
        Assert.Equal(15_000, shown.GetProperty("amountFen").GetInt64());
        Assert.EndsWith("/v/" + first.Compact, shown.GetProperty("verifyUrl").GetString(), StringComparison.Ordinal);
        var mine = await (await payer.GetAsync("/api/me/invoices?pageSize=2")).Json(HttpStatusCode.OK);
        Assert.Equal(3, mine.GetProperty("total").GetInt32());
        Assert.Equal(third.Id, mine.GetProperty("items")[0].GetProperty("id").GetGuid());
        await (await payer.GetAsync("/api/me/invoices?page=0")).AssertProblem(HttpStatusCode.BadRequest, "page");

        var stranger = await SignedIn((await Citizen()).Phone);
        await (await stranger.GetAsync($"/api/invoices/{first.Id}")).AssertProblem(HttpStatusCode.NotFound, null, PaymentErrors.Invoice.NotFound);
        await (await stranger.GetAsync($"/api/invoices/{first.Id}/pdf")).AssertProblem(HttpStatusCode.NotFound, null, PaymentErrors.Invoice.NotFound);
        await (await stranger.GetAsync("/api/invoices/not-a-guid")).AssertProblem(HttpStatusCode.NotFound, null, PaymentErrors.Invoice.NotFound);
        var (staffA, _) = await StaffAsync(app, (a, StaffRole.Clerk));
        var (staffB, _) = await StaffAsync(app, (b, StaffRole.Clerk));
        Assert.Equal(HttpStatusCode.OK, (await staffA.GetAsync($"/api/invoices/{first.Id}")).StatusCode);
        await (await staffB.GetAsync($"/api/invoices/{first.Id}")).AssertProblem(HttpStatusCode.NotFound, null, PaymentErrors.Invoice.NotFound);
        var listed = await (await staffA.GetAsync($"/api/dept/invoices?region=330100&department={a}")).Json(HttpStatusCode.OK);
        Assert.Equal(2, listed.GetProperty("total").GetInt32());
        var found = await (await staffA.GetAsync($"/api/dept/invoices?region=330100&department={a}&number=2")).Json(HttpStatusCode.OK);
        Assert.Equal(third.Id, Assert.Single(found.GetProperty("items").EnumerateArray()).GetProperty("id").GetGuid());
        await (await staffA.GetAsync($"/api/dept/invoices?region=330100&department={a}&number=x1")).AssertProblem(HttpStatusCode.BadRequest, "number", PaymentErrors.Invoice.NumberInvalid);
        await (await staffA.GetAsync($"/api/dept/invoices?region=330100&department={a}&year=26")).AssertProblem(HttpStatusCode.BadRequest, "year", PaymentErrors.Invoice.YearInvalid);
        await (await staffA.GetAsync($"/api/dept/invoices?region=330100&department={b}")).AssertProblem(HttpStatusCode.NotFound, "department", PaymentErrors.Bill.DepartmentNotFound);
    }

    /// <summary>40 payments of one department applied at once: numbers 1..40, none twice, none missing.</summary>
    [Fact]
    public async Task Forty_concurrent_payments_of_one_department_take_numbers_one_to_forty()
    {
        var department = NewDepartment();
        var (citizen, _) = await Citizen();
        var orders = new List<PaymentOrder>();
        for (var i = 0; i < 40; i++)
        {
            orders.Add(await OrderAsync(app, citizen, PaymentChannels.Sandbox, succeeded: false, (department, 1_000 + i)));
        }

        var outcomes = await Task.WhenAll(orders.Select(o => Task.Run(() => Pay(o))));
        Assert.All(outcomes, o => Assert.Equal("applied", o));
        Assert.Equal(Enumerable.Range(1, 40).Select(n => (long)n), await NumbersOf(department));
        await using var db = app.Db();
        Assert.Equal(40, await db.InvoiceSequences.Where(s => s.DepartmentCode == department).Select(s => s.LastNumber).SingleAsync());
    }

    [Fact]
    public async Task A_rolled_back_payment_leaves_no_gap()
    {
        var department = NewDepartment();
        var (citizen, _) = await Citizen();
        var order = await OrderAsync(app, citizen, PaymentChannels.Sandbox, succeeded: false, (department, 3_000));
        Assert.Equal("applied", await Pay(order));

        // A second order for the same bill: its paying transaction rolls back (bill-already-paid) and it is refunded.
        PaymentOrder racing;
        await using (var db = app.Db())
        {
            var line = await db.PaymentOrderBills.AsNoTracking().SingleAsync(l => l.PaymentId == order.Id);
            var bill = await db.Bills.AsNoTracking().SingleAsync(b => b.Id == line.BillId);
            racing = PaymentOrder.Create(bill.RegionCode, citizen, PaymentChannels.Sandbox, line.AmountFen, app.Time.GetUtcNow(), TimeSpan.FromMinutes(30));
            racing.MarkPending("{}");
            db.PaymentOrders.Add(racing);
            db.PaymentOrderBills.Add(PaymentOrderBill.For(racing, bill, line.Lines));
            await db.SaveChangesAsync();
        }

        Assert.Equal("refunded-automatically", await Pay(racing));
        Assert.Empty(await InvoicesOf(racing.Id));

        // A number taken in a transaction that rolls back is taken again by the next one.
        await using (var db = app.Db())
        {
            var year = InvoiceIssuance.YearOf(app.Time.GetUtcNow());
            await using (var tx = await db.BeginSerialisedAsync(default))
            {
                Assert.Equal(2, await InvoiceIssuance.NextNumberAsync(db, "330100", department, year, default));
                await tx.RollbackAsync();
            }
        }

        var later = await OrderAsync(app, citizen, PaymentChannels.Sandbox, succeeded: false, (department, 4_000));
        Assert.Equal("applied", await Pay(later));
        Assert.Equal([1L, 2L], await NumbersOf(department));
    }

    [Fact]
    public async Task A_partial_then_a_full_refund_issue_red_letter_invoices_linked_to_the_original()
    {
        app.Time.Advance(TimeSpan.FromHours(1));
        var department = NewDepartment();
        var (citizen, _) = await Citizen();
        // A channel the host does not know: its own refund job leaves the refund for this test's processor (with the sandbox
        // it could refuse the refund first, racing the test).
        var order = await OrderAsync(app, citizen, TestWallet.Slug, succeeded: false, (department, 10_000));
        Assert.Equal("applied", await Pay(order));
        var original = Assert.Single(await InvoicesOf(order.Id));
        var (approver, _) = await StaffAsync(app, (department, StaffRole.Approver));

        async Task Refund(long amount, long available)
        {
            var accepted = await (await approver.PostAsJsonAsync($"/api/payments/{order.Id}/refunds", new { amount, refundAmountAvailable = available, reason = "多缴" }))
                .Json(HttpStatusCode.Accepted);
            var id = accepted.GetProperty("refund").GetProperty("refundId").GetGuid();
            using var scope = app.App.Services.CreateScope();
            var processor = ActivatorUtilities.CreateInstance<RefundProcessor>(scope.ServiceProvider, new IPaymentChannel[] { new TestWallet() }.AsEnumerable());
            Assert.Equal(RefundState.Succeeded, await processor.ProcessAsync(id, default));
            app.Time.Advance(TimeSpan.FromSeconds(1));
        }

        await Refund(3_000, 10_000);
        var afterPartial = await InvoicesOf(order.Id);
        Assert.Equal(2, afterPartial.Count);
        var red = afterPartial.Single(i => i.RedLetter);
        Assert.Equal((2L, -3_000L, "负叁拾元整", original.Id), (red.Number, red.AmountFen, red.AmountInWords, red.OriginalInvoiceId!.Value));
        Assert.NotNull(red.RefundId);
        Assert.Equal(3_000, afterPartial.Single(i => !i.RedLetter).ReversedFen);
        var shown = await (await approver.GetAsync($"/api/invoices/{original.Id}")).Json(HttpStatusCode.OK);
        Assert.Equal("partly-reversed", shown.GetProperty("status").GetString());
        Assert.Equal(red.Id, Assert.Single(shown.GetProperty("redLetterIds").EnumerateArray()).GetGuid());

        await Refund(7_000, 7_000);
        var all = await InvoicesOf(order.Id);
        Assert.Equal(3, all.Count);
        var reds = all.Where(i => i.RedLetter).OrderBy(i => i.Number).ToList();
        Assert.Equal([-3_000L, -7_000L], reds.Select(i => i.AmountFen));
        Assert.Equal([-6_000L, -1_000L], reds[1].Items.Select(i => i.AmountFen)); // the rest of the fine, then the late fee
        Assert.Equal([1L, 2L, 3L], await NumbersOf(department));
        Assert.Equal(10_000, all.Single(i => !i.RedLetter).ReversedFen);
        Assert.Equal("reversed", (await (await approver.GetAsync($"/api/invoices/{original.Id}")).Json(HttpStatusCode.OK)).GetProperty("status").GetString());
        Assert.Equal("red-letter", (await (await approver.GetAsync($"/api/invoices/{reds[0].Id}")).Json(HttpStatusCode.OK)).GetProperty("status").GetString());
        var reversals = await (await approver.GetAsync($"/api/dept/invoices?region=330100&department={department}&redLetter=true")).Json(HttpStatusCode.OK);
        Assert.Equal(2, reversals.GetProperty("total").GetInt32());
        foreach (var invoice in all)
        {
            var verified = await app.Service<IssuerKeys>().VerifyAsync(invoice.Compact, default);
            Assert.True(verified.Valid, verified.Reason);
        }

        var rev = (await app.Service<IssuerKeys>().VerifyAsync(reds[0].Compact, default)).Document!.Fields[InvoiceClaims.Reverses];
        Assert.Equal($"{original.InvoiceCode}/{original.NumberText}", rev);
        await using var db = app.Db();
        Assert.Equal(2, await db.AuditEntries.CountAsync(e => e.Action == AuditActions.InvoiceReversed && e.ObjectId == original.Id.ToString()));
    }
}

public sealed class InvoiceTests_Sqlite(SqliteApp app) : InvoiceTests(app), IClassFixture<SqliteApp>;

public sealed class InvoiceTests_Postgres(PostgresApp app) : InvoiceTests(app), IClassFixture<PostgresApp>;
