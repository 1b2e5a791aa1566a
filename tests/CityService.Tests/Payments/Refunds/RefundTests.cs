using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CityService.Core.Audit;
using CityService.Core.Identity.Staff;
using CityService.Core.Jobs;
using CityService.Core.Notifications;
using CityService.Core.Payments;
using CityService.Core.Payments.Refunds;
using CityService.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static CityService.Tests.Payments.Refunds.RefundTestData;

namespace CityService.Tests.Payments.Refunds;

/// <summary>POST/GET /api/payments/{id}/refunds and the payment-refund job, on both providers.</summary>
public abstract class RefundTests(AppFixture app)
{
    private static Task<HttpResponseMessage> Refund(HttpClient client, Guid payment, long amount, long available, string reason = "重复缴费") =>
        client.PostAsJsonAsync($"/api/payments/{payment}/refunds", new { amount, refundAmountAvailable = available, reason });

    private async Task<(PaymentOrder Order, Guid Citizen)> Paid(params (string Department, long Fen)[] bills)
    {
        var citizen = await CitizenAsync(app, NewPhone("135"));
        return (await PaidOrderAsync(app, citizen, TestWallet.Slug, bills), citizen);
    }

    [Fact]
    public async Task A_partial_then_a_full_refund_leave_nothing_available_and_every_posting_and_bill_balances()
    {
        var (order, _) = await Paid(("PSB", 10_000));
        var (approver, approverId) = await StaffAsync(app, ("PSB", StaffRole.Approver));

        var first = await (await Refund(approver, order.Id, 3_000, 10_000)).Json(HttpStatusCode.Accepted);
        Assert.Equal(7_000, first.GetProperty("refundAmountAvailable").GetInt64());
        Assert.Equal("requested", first.GetProperty("refund").GetProperty("state").GetString());
        Assert.Equal(3_000, first.GetProperty("refund").GetProperty("amountFen").GetInt64());
        await AssertBalancedAsync(app, order.Id);

        app.Time.Advance(TimeSpan.FromSeconds(1));
        var second = await (await Refund(approver, order.Id, 7_000, 7_000)).Json(HttpStatusCode.Accepted);
        Assert.Equal(0, second.GetProperty("refundAmountAvailable").GetInt64());
        await (await Refund(approver, order.Id, 1, 0)).AssertProblem(HttpStatusCode.UnprocessableEntity, "amount", "refund.amount-exceeds-available");

        var listed = await (await approver.GetAsync($"/api/payments/{order.Id}/refunds")).Json(HttpStatusCode.OK);
        Assert.Equal(0, listed.GetProperty("refundAmountAvailable").GetInt64());
        Assert.Equal(10_000, listed.GetProperty("refundedFen").GetInt64());
        Assert.Equal([3_000L, 7_000L], listed.GetProperty("refunds").EnumerateArray().Select(r => r.GetProperty("amountFen").GetInt64()));
        await AssertBalancedAsync(app, order.Id);

        await using var db = app.Db();
        var payable = await db.LedgerEntries.Where(e => e.PaymentId == order.Id && e.Account == LedgerAccounts.RefundsPayable(TestWallet.Slug)).SumAsync(e => e.CreditFen);
        Assert.Equal(10_000, payable);
        var revenue = await db.LedgerEntries.Where(e => e.PaymentId == order.Id && e.Account.StartsWith("revenue:330100:PSB:")).ToListAsync();
        Assert.Equal(0, revenue.Sum(e => e.CreditFen) - revenue.Sum(e => e.DebitFen)); // the department's revenue of this payment is all given back
        var jobs = (await db.OneOffJobs.Where(j => j.Name == Core.Payments.Refund.JobName).Select(j => j.Payload).ToListAsync()).Select(RefundService.ParsePayload).ToList();
        Assert.Contains(first.GetProperty("refund").GetProperty("refundId").GetGuid(), jobs); // each refund has its job
        Assert.Contains(second.GetProperty("refund").GetProperty("refundId").GetGuid(), jobs);
        Assert.Equal(2, await db.AuditEntries.CountAsync(a => a.Action == AuditActions.RefundRequested && a.ActorId == approverId.ToString()));
    }

    [Fact]
    public async Task A_stale_refund_amount_available_is_412_in_both_languages_and_changes_nothing()
    {
        var (order, _) = await Paid(("PSB", 5_000));
        var (approver, _) = await StaffAsync(app, ("PSB", StaffRole.Approver));
        await (await Refund(approver, order.Id, 1_000, 5_000)).Json(HttpStatusCode.Accepted);

        var stale = await (await Refund(approver, order.Id, 1_000, 5_000)).AssertProblem(HttpStatusCode.PreconditionFailed, "refundAmountAvailable", "refund.amount-available-stale");
        Assert.Equal(4_000, stale.GetProperty("refundAmountAvailable").GetInt64());
        Assert.Contains("可退金额已变化", stale.GetProperty("detail").GetString(), StringComparison.Ordinal);
        approver.DefaultRequestHeaders.AcceptLanguage.ParseAdd("en");
        var english = await (await Refund(approver, order.Id, 1_000, 5_000)).AssertProblem(HttpStatusCode.PreconditionFailed, code: "refund.amount-available-stale");
        Assert.Contains("has changed (now ¥40.00)", english.GetProperty("detail").GetString(), StringComparison.Ordinal);

        await using var db = app.Db();
        Assert.Equal(1_000, (await db.PaymentOrders.SingleAsync(p => p.Id == order.Id)).RefundedFen);
    }

    [Fact]
    public async Task Bad_amounts_and_reasons_are_4xx_naming_the_field()
    {
        var (order, _) = await Paid(("PSB", 6_000), ("HRSS", 4_000));
        var (approver, _) = await StaffAsync(app, ("PSB", StaffRole.Approver));
        await (await Refund(approver, order.Id, 0, 10_000)).AssertProblem(HttpStatusCode.UnprocessableEntity, "amount", "refund.amount-invalid");
        await (await Refund(approver, order.Id, -5, 10_000)).AssertProblem(HttpStatusCode.UnprocessableEntity, "amount", "refund.amount-invalid");
        await (await Refund(approver, order.Id, 10_001, 10_000)).AssertProblem(HttpStatusCode.UnprocessableEntity, "amount", "refund.amount-exceeds-available");

        // The department may refund only what its own bill received: 6,000 of the 10,000.
        await (await Refund(approver, order.Id, 6_001, 10_000)).AssertProblem(HttpStatusCode.UnprocessableEntity, "amount", "refund.amount-exceeds-department");
        await (await Refund(approver, order.Id, 100, 10_000, "")).AssertProblem(HttpStatusCode.BadRequest, "reason", "refund.reason-invalid");
        await (await Refund(approver, order.Id, 100, 10_000, new string('退', 201))).AssertProblem(HttpStatusCode.BadRequest, "reason", "refund.reason-invalid");
        await (await approver.PostAsJsonAsync($"/api/payments/{order.Id}/refunds", new { amount = 100, reason = "x" }))
            .AssertProblem(HttpStatusCode.BadRequest, "refundAmountAvailable", "refund.amount-available-missing");
        await (await Refund(approver, order.Id, 6_000, 10_000)).Json(HttpStatusCode.Accepted);
        await (await Refund(approver, order.Id, 1, 4_000)).AssertProblem(HttpStatusCode.UnprocessableEntity, "amount", "refund.amount-exceeds-department");

        // The other department's approver can still refund its own 4,000.
        var (other, _) = await StaffAsync(app, ("HRSS", StaffRole.Approver));
        Assert.Equal(0, (await (await Refund(other, order.Id, 4_000, 4_000)).Json(HttpStatusCode.Accepted)).GetProperty("refundAmountAvailable").GetInt64());
        await AssertBalancedAsync(app, order.Id);
    }

    [Fact]
    public async Task Only_an_approver_or_admin_of_a_department_of_the_payment_may_refund_and_only_with_a_fresh_code()
    {
        var (order, citizen) = await Paid(("PSB", 2_000));
        var (clerk, _) = await StaffAsync(app, ("PSB", StaffRole.Clerk));
        var (elsewhere, _) = await StaffAsync(app, ("HRSS", StaffRole.Approver));
        var (admin, _) = await StaffAsync(app, ("PSB", StaffRole.DeptAdmin));
        await (await Refund(clerk, order.Id, 100, 2_000)).AssertProblem(HttpStatusCode.NotFound, code: "refund.payment-not-found");
        await (await Refund(elsewhere, order.Id, 100, 2_000)).AssertProblem(HttpStatusCode.NotFound, code: "refund.payment-not-found");
        await (await Refund(admin, Guid.CreateVersion7(), 100, 2_000)).AssertProblem(HttpStatusCode.NotFound, code: "refund.payment-not-found");
        await (await elsewhere.GetAsync($"/api/payments/{order.Id}/refunds")).AssertProblem(HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.OK, (await clerk.GetAsync($"/api/payments/{order.Id}/refunds")).StatusCode); // the department sees its payment

        var (approver, _) = await StaffAsync(app, ("PSB", StaffRole.Approver));
        app.Time.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1));
        var stale = await (await Refund(approver, order.Id, 100, 2_000)).AssertProblem(HttpStatusCode.Forbidden, code: "refund.reauthentication-required");
        Assert.Equal("/api/auth/otp", stale.GetProperty("reauthenticate").GetString());
        await (await Refund(admin, order.Id, 100, 2_000)).AssertProblem(HttpStatusCode.Forbidden, code: "refund.reauthentication-required");
        var (fresh, _) = await StaffAsync(app, ("PSB", StaffRole.DeptAdmin));
        await (await Refund(fresh, order.Id, 100, 2_000)).Json(HttpStatusCode.Accepted);

        // The payer sees the refunds of their payment; another citizen does not.
        var payer = app.Client();
        var phone = NewPhone("158");
        await CitizenAsync(app, phone);
        payer.DefaultRequestHeaders.Authorization = new("Bearer", await app.CodeToken(payer, phone));
        await (await payer.GetAsync($"/api/payments/{order.Id}/refunds")).AssertProblem(HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.Forbidden, (await Refund(payer, order.Id, 100, 1_900)).StatusCode); // citizens are not staff
        await using var db = app.Db();
        Assert.Equal(citizen, (await db.PaymentOrders.SingleAsync(p => p.Id == order.Id)).AccountId);
    }

    [Fact]
    public async Task A_hundred_concurrent_refunds_seeing_the_same_amount_available_reserve_it_once()
    {
        var (order, _) = await Paid(("PSB", 10_000));
        var (approver, _) = await StaffAsync(app, ("PSB", StaffRole.Approver));
        using var start = new SemaphoreSlim(0);
        var requests = Enumerable.Range(0, 100).Select(async i =>
        {
            await start.WaitAsync();
            return await Refund(approver, order.Id, 150 + i, 10_000, "并发退款");
        }).ToList();
        start.Release(100);
        var answers = await Task.WhenAll(requests);

        var statuses = answers.Select(a => a.StatusCode).ToList();
        var other = answers.FirstOrDefault(a => a.StatusCode is not (HttpStatusCode.Accepted or HttpStatusCode.PreconditionFailed));
        Assert.True(other is null, other is null ? null : $"{(int)other.StatusCode}: {await other.Content.ReadAsStringAsync()}");
        Assert.Equal(1, statuses.Count(s => s == HttpStatusCode.Accepted));
        Assert.Equal(99, statuses.Count(s => s == HttpStatusCode.PreconditionFailed));
        var accepted = await answers.Single(a => a.StatusCode == HttpStatusCode.Accepted).Json();
        var fen = accepted.GetProperty("refund").GetProperty("amountFen").GetInt64();

        // Then 100 at once that each re-read before asking: together never more than was paid.
        var second = Enumerable.Range(0, 100).Select(async _ =>
        {
            var seen = (await (await approver.GetAsync($"/api/payments/{order.Id}/refunds")).Json()).GetProperty("refundAmountAvailable").GetInt64();
            return await Refund(approver, order.Id, 1_000, seen, "并发退款");
        }).ToList();
        var more = await Task.WhenAll(second);
        Assert.All(more, m => Assert.Contains(m.StatusCode, new[] { HttpStatusCode.Accepted, HttpStatusCode.PreconditionFailed, HttpStatusCode.UnprocessableEntity }));

        await using var db = app.Db();
        var refunds = await db.Refunds.Where(r => r.PaymentId == order.Id).ToListAsync();
        var paid = await db.PaymentOrders.SingleAsync(p => p.Id == order.Id);
        Assert.Equal(refunds.Sum(r => r.AmountFen), paid.RefundedFen);
        Assert.True(paid.RefundedFen <= 10_000, $"refunded {paid.RefundedFen} of 10000");
        Assert.Equal(1 + more.Count(m => m.StatusCode == HttpStatusCode.Accepted), refunds.Count);
        Assert.Contains(refunds, r => r.AmountFen == fen);
        await AssertBalancedAsync(app, order.Id);
    }

    private static RefundProcessor Processor(IServiceScope scope, TestWallet wallet) =>
        ActivatorUtilities.CreateInstance<RefundProcessor>(scope.ServiceProvider, new IPaymentChannel[] { wallet }.AsEnumerable());

    private async Task<(PaymentOrder Order, Guid Citizen, Guid RefundId)> Requested(long paid, long refund)
    {
        var (order, citizen) = await Paid(("PSB", paid));
        var (approver, _) = await StaffAsync(app, ("PSB", StaffRole.Approver));
        var accepted = await (await Refund(approver, order.Id, refund, paid)).Json(HttpStatusCode.Accepted);
        return (order, citizen, accepted.GetProperty("refund").GetProperty("refundId").GetGuid());
    }

    [Fact]
    public async Task The_job_hands_the_refund_to_the_channel_posts_it_paid_and_notifies_the_citizen_once()
    {
        var (order, citizen, refundId) = await Requested(8_000, 2_500);
        var wallet = new TestWallet();
        using (var scope = app.App.Services.CreateScope())
        {
            Assert.Equal(RefundState.Succeeded, await Processor(scope, wallet).ProcessAsync(refundId, default));
        }

        using (var scope = app.App.Services.CreateScope())
        {
            Assert.Equal(RefundState.Succeeded, await Processor(scope, wallet).ProcessAsync(refundId, default)); // a second run changes nothing
        }

        var asked = Assert.Single(wallet.Refunds);
        Assert.Equal(refundId.ToString("N"), asked.OutRefundNo);
        Assert.Equal(order.OutTradeNo, asked.OutTradeNo);
        Assert.Equal((2_500L, 8_000L), (asked.RefundFen, asked.TotalFen));

        await using var db = app.Db();
        var refund = await db.Refunds.SingleAsync(r => r.Id == refundId);
        Assert.Equal(RefundState.Succeeded, refund.State);
        Assert.Equal("R" + refundId.ToString("N")[..8], refund.ChannelRefundNo);
        var paidOut = await db.LedgerEntries.Where(e => e.RefundId == refundId && e.Kind == LedgerKinds.RefundPaid).ToListAsync();
        Assert.Equal(2_500, paidOut.Where(e => e.Account == LedgerAccounts.RefundsPayable(TestWallet.Slug)).Sum(e => e.DebitFen));
        Assert.Equal(2_500, paidOut.Where(e => e.Account == LedgerAccounts.Clearing(TestWallet.Slug)).Sum(e => e.CreditFen));
        Assert.Single(paidOut.Select(e => e.PostingId).Distinct());
        var inbox = Assert.Single(await db.InboxNotifications.Where(n => n.AccountId == citizen).ToListAsync());
        Assert.Equal(NotificationEvents.PaymentRefunded, inbox.EventCode);
        var sms = await db.OutboxMessages.Where(m => m.Channel == "sms").ToListAsync();
        Assert.Single(sms, m => m.Payload.Contains(citizen.ToString(), StringComparison.Ordinal) && m.Payload.Contains(NotificationEvents.PaymentRefunded, StringComparison.Ordinal));
        Assert.Equal(1, await db.AuditEntries.CountAsync(a => a.Action == AuditActions.RefundCompleted && a.ObjectId == refundId.ToString() && a.Outcome == AuditOutcomes.Succeeded));
        await AssertBalancedAsync(app, order.Id);
    }

    [Fact]
    public async Task A_processing_answer_asks_again_later_and_then_succeeds()
    {
        var (order, _, refundId) = await Requested(3_000, 3_000);
        var wallet = new TestWallet();
        wallet.Answers.Enqueue(new ChannelRefundResult(ChannelRefundState.Processing, "R-1", null));
        wallet.Answers.Enqueue(new ChannelRefundResult(ChannelRefundState.Succeeded, null, null));
        using (var scope = app.App.Services.CreateScope())
        {
            Assert.Equal(RefundState.Processing, await Processor(scope, wallet).ProcessAsync(refundId, default));
        }

        await using (var db = app.Db())
        {
            var again = await db.OneOffJobs.Where(j => j.Name == Core.Payments.Refund.JobName && j.State == OneOffJobState.Pending).ToListAsync();
            Assert.Contains(again, j => RefundService.ParsePayload(j.Payload) == refundId && j.RunAt >= app.Time.GetUtcNow() + TimeSpan.FromMinutes(1));
            Assert.Empty(await db.LedgerEntries.Where(e => e.RefundId == refundId && e.Kind == LedgerKinds.RefundPaid).ToListAsync());
        }

        using (var scope = app.App.Services.CreateScope())
        {
            Assert.Equal(RefundState.Succeeded, await Processor(scope, wallet).ProcessAsync(refundId, default));
        }

        Assert.Equal(2, wallet.Refunds.Count);
        Assert.All(wallet.Refunds, r => Assert.Equal(refundId.ToString("N"), r.OutRefundNo)); // the same refund, asked twice
        await using var check = app.Db();
        Assert.Equal("R-1", (await check.Refunds.SingleAsync(r => r.Id == refundId)).ChannelRefundNo);
        await AssertBalancedAsync(app, order.Id);
    }

    [Fact]
    public async Task A_failed_refund_is_reversed_by_a_new_posting_and_the_amount_is_available_again()
    {
        var (order, citizen, refundId) = await Requested(4_000, 1_500);
        var wallet = new TestWallet();
        wallet.Answers.Enqueue(new ChannelRefundResult(ChannelRefundState.Failed, null, "TRADE_HAS_CLOSE"));
        using (var scope = app.App.Services.CreateScope())
        {
            Assert.Equal(RefundState.Failed, await Processor(scope, wallet).ProcessAsync(refundId, default));
        }

        await using var db = app.Db();
        var refund = await db.Refunds.SingleAsync(r => r.Id == refundId);
        Assert.Equal("TRADE_HAS_CLOSE", refund.LastError);
        Assert.Equal(0, (await db.PaymentOrders.SingleAsync(p => p.Id == order.Id)).RefundedFen);
        var entries = await db.LedgerEntries.Where(e => e.RefundId == refundId).ToListAsync();
        var reversed = entries.Where(e => e.Kind == LedgerKinds.RefundReversed).ToList();
        Assert.Equal(1_500, reversed.Where(e => e.Account.StartsWith("revenue:", StringComparison.Ordinal)).Sum(e => e.CreditFen));
        Assert.Equal(1_500, reversed.Where(e => e.Account == LedgerAccounts.RefundsPayable(TestWallet.Slug)).Sum(e => e.DebitFen));
        Assert.Equal(entries.Sum(e => e.DebitFen), entries.Sum(e => e.CreditFen));
        Assert.Empty(await db.InboxNotifications.Where(n => n.AccountId == citizen).ToListAsync());
        Assert.Equal(1, await db.AuditEntries.CountAsync(a => a.Action == AuditActions.RefundCompleted && a.ObjectId == refundId.ToString() && a.Outcome == AuditOutcomes.Failed));
        await AssertBalancedAsync(app, order.Id);

        var (approver, _) = await StaffAsync(app, ("PSB", StaffRole.Approver));
        Assert.Equal(0, (await (await Refund(approver, order.Id, 4_000, 4_000)).Json(HttpStatusCode.Accepted)).GetProperty("refundAmountAvailable").GetInt64());
    }
}

public sealed class RefundTests_Sqlite(SqliteApp app) : RefundTests(app), IClassFixture<SqliteApp>;

public sealed class RefundTests_Postgres(PostgresApp app) : RefundTests(app), IClassFixture<PostgresApp>;
