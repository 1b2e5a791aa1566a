using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using CityService.Core.Identity.SignIn;
using CityService.Core.Jobs;
using CityService.Core.Payments;
using CityService.Core.Payments.Channels.Sandbox;
using CityService.Core.Payments.Orders;
using CityService.Core.Storage;
using CityService.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace CityService.Tests.Payments.Orders;

/// <summary>
/// Payment orders over HTTP on both providers: Idempotency-Key (repeat, reuse, malformed, concurrent), bills' rules,
/// the sandbox's signed notices applied exactly once (1,000 orders × 5 concurrent notices), two orders racing for one
/// bill, an amount mismatch, the expiry and recovery jobs, and the ledger's verification and append-only rule.
/// </summary>
public abstract class PaymentOrderTests(AppFixture app, ITestOutputHelper output) : IAsyncLifetime
{
    private static int _phone;
    private static int _bill;

    public Task InitializeAsync()
    {
        app.Time.Advance(TimeSpan.FromHours(1)); // sign-in codes: a new hour per test keeps under the per-address limit
        return Task.CompletedTask;
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private string NewPhone() => (app.Provider == StorageProvider.Sqlite ? "1345" : "1346") + Interlocked.Increment(ref _phone).ToString("0000000", CultureInfo.InvariantCulture);

    private async Task<(HttpClient Client, Guid Id)> Citizen()
    {
        var client = app.Client();
        app.Time.Advance(OtpService.PhoneInterval);
        var token = await app.CodeToken(client, NewPhone());
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var id = (await (await client.GetAsync("/api/me")).Json()).GetProperty("id").GetGuid();
        return (client, id);
    }

    private async Task<List<Bill>> Bills(int count, string region = "330100", string department = "PSB", long fen = 20_000)
    {
        await using var scope = app.App.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CityDbContext>();
        var now = app.Time.GetUtcNow();
        var bills = Enumerable.Range(0, count).Select(_ =>
        {
            var n = Interlocked.Increment(ref _bill).ToString(CultureInfo.InvariantCulture);
            return Bill.Issue(region, department, "T-" + n, "交通违法罚款", "Traffic fine", BillPayerKind.Plate, "plate-" + n, "V-" + n, null, null,
                [new BillLine(RevenueHeads.Fine, fen, "罚款", "Fine")], PaymentService.Today(now).AddDays(30), 0, 0, "hash-" + n, now);
        }).ToList();
        db.Bills.AddRange(bills);
        await db.SaveChangesAsync();
        return bills;
    }

    private static HttpRequestMessage Post(string key, object body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/payments") { Content = JsonContent.Create(body) };
        request.Headers.Add("Idempotency-Key", key);
        return request;
    }

    private async Task<HttpResponseMessage> Notify(HttpClient client, SandboxNotice notice, bool tamper = false)
    {
        var (body, signature) = app.Service<SandboxKey>().Sign(notice);
        if (tamper)
        {
            body = System.Text.Encoding.UTF8.GetBytes(System.Text.Encoding.UTF8.GetString(body).Replace(notice.AmountFen.ToString(CultureInfo.InvariantCulture), "1", StringComparison.Ordinal));
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/channels/sandbox/notify")
        {
            Content = new ByteArrayContent(body) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } },
        };
        request.Headers.Add(SandboxKey.SignatureHeader, signature);
        return await client.SendAsync(request);
    }

    private async Task<T> Db<T>(Func<CityDbContext, Task<T>> read)
    {
        await using var scope = app.App.Services.CreateAsyncScope();
        return await read(scope.ServiceProvider.GetRequiredService<CityDbContext>());
    }

    [Fact]
    public async Task An_order_is_made_once_per_key_paid_once_and_posted_to_the_ledger()
    {
        var (client, accountId) = await Citizen();
        var bills = await Bills(2);
        var key = "key-" + Guid.NewGuid().ToString("N");
        var body = new { billIds = bills.Select(b => b.Id).ToArray(), channel = "sandbox" };
        var created = await (await client.SendAsync(Post(key, body))).Json(HttpStatusCode.Created);
        Assert.Equal("pending", created.GetProperty("state").GetString());
        Assert.Equal(40_000, created.GetProperty("amountFen").GetInt64());
        Assert.Equal(2, created.GetProperty("bills").GetArrayLength());
        var id = created.GetProperty("id").GetGuid();
        Assert.Equal(SandboxChannel.PayPath(id.ToString("N")), created.GetProperty("start").GetProperty("payUrl").GetString());

        // The same key and body (bills in another order: the body is compared canonically) → the original answer.
        var again = await (await client.SendAsync(Post(key, new { billIds = bills.Select(b => b.Id).Reverse().ToArray(), channel = "sandbox" }))).Json(HttpStatusCode.Created);
        Assert.Equal(id, again.GetProperty("id").GetGuid());
        var reused = await client.SendAsync(Post(key, new { billIds = new[] { bills[0].Id }, channel = "sandbox" }));
        Assert.Equal(PaymentErrors.Order.IdempotencyKeyReused, (await reused.Json(HttpStatusCode.Conflict)).GetProperty("code").GetString());
        foreach (var bad in new[] { "", "has space", new string('k', 65), "密钥" })
        {
            var malformed = await client.SendAsync(Post(bad, body));
            Assert.Equal(PaymentErrors.Order.IdempotencyKeyMalformed, (await malformed.Json(HttpStatusCode.UnprocessableEntity)).GetProperty("code").GetString());
        }

        using (var missing = new HttpRequestMessage(HttpMethod.Post, "/api/payments") { Content = JsonContent.Create(body) })
        {
            Assert.Equal(HttpStatusCode.UnprocessableEntity, (await client.SendAsync(missing)).StatusCode);
        }

        // Paid at the sandbox; its signed notice arrives three times: applied once.
        var notice = await app.Service<SandboxChannel>().PayAsync(id.ToString("N"), default);
        Assert.NotNull(notice);
        Assert.Equal("applied", (await (await Notify(client, notice!)).Json(HttpStatusCode.OK)).GetProperty("outcome").GetString());
        Assert.Equal("already-applied", (await (await Notify(client, notice! with { NoticeId = "again" })).Json(HttpStatusCode.OK)).GetProperty("outcome").GetString());
        var tampered = await Notify(client, notice!, tamper: true);
        Assert.Equal(PaymentErrors.Order.NoticeRejected, (await tampered.Json(HttpStatusCode.BadRequest)).GetProperty("code").GetString());

        var shown = await (await client.GetAsync($"/api/payments/{id}")).Json(HttpStatusCode.OK);
        Assert.Equal("succeeded", shown.GetProperty("state").GetString());
        Assert.Equal(notice!.TradeNo, shown.GetProperty("tradeNo").GetString());
        var (other, _) = await Citizen();
        Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync($"/api/payments/{id}")).StatusCode);
        var history = await (await client.GetAsync("/api/me/payments")).Json(HttpStatusCode.OK);
        Assert.Equal(1, history.GetProperty("total").GetInt32());

        await Db(async db =>
        {
            Assert.All(await db.Bills.AsNoTracking().Where(b => bills.Select(x => x.Id).Contains(b.Id)).ToListAsync(), b => Assert.Equal((BillState.Paid, id), (b.State, b.PaidByPaymentId)));
            var lines = await db.LedgerEntries.AsNoTracking().Where(e => e.PaymentId == id).ToListAsync();
            Assert.Equal(4, lines.Count);
            Assert.Equal(40_000, lines.Where(l => l.Account == "clearing:sandbox").Sum(l => l.DebitFen));
            Assert.Equal(40_000, lines.Where(l => l.Account == "revenue:330100:PSB:fine").Sum(l => l.CreditFen));
            Assert.Equal(1, await db.InboxNotifications.CountAsync(n => n.AccountId == accountId && n.EventCode == "payment.succeeded"));
            Assert.Equal(1, await db.AuditEntries.CountAsync(a => a.Action == "payment.succeeded" && a.ObjectId == id.ToString()));
            Assert.True(await db.AuditEntries.AnyAsync(a => a.Action == "payment.notice-rejected"));
            return 0;
        });
    }

    [Fact]
    public async Task Concurrent_requests_with_one_key_make_one_order_and_bad_bills_are_422()
    {
        var (client, accountId) = await Citizen();
        var bills = await Bills(1);
        var key = Guid.NewGuid().ToString("N");
        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(async _ =>
            await (await client.SendAsync(Post(key, new { billIds = new[] { bills[0].Id }, channel = "sandbox" }))).Json(HttpStatusCode.Created)));
        Assert.Single(answers.Select(a => a.GetProperty("id").GetGuid()).Distinct());
        Assert.Equal(1, await Db(db => db.PaymentOrders.CountAsync(o => o.AccountId == accountId)));

        var other = await Bills(1, region: "330200");
        async Task<string?> Code(object body)
        {
            var response = await client.SendAsync(Post(Guid.NewGuid().ToString("N"), body));
            return (await response.Json(HttpStatusCode.UnprocessableEntity)).GetProperty("code").GetString();
        }

        Assert.Equal(PaymentErrors.Order.BillsOfSeveralRegions, await Code(new { billIds = new[] { bills[0].Id, other[0].Id }, channel = "sandbox" }));
        Assert.Equal(PaymentErrors.Order.BillNotFound, await Code(new { billIds = new[] { Guid.CreateVersion7() }, channel = "sandbox" }));
        Assert.Equal(PaymentErrors.Order.BillsRepeated, await Code(new { billIds = new[] { bills[0].Id, bills[0].Id }, channel = "sandbox" }));
        Assert.Equal(PaymentErrors.Order.BillsMissing, await Code(new { billIds = Array.Empty<Guid>(), channel = "sandbox" }));
        Assert.Equal(PaymentErrors.Order.TooManyBills, await Code(new { billIds = Enumerable.Range(0, 21).Select(_ => Guid.CreateVersion7()).ToArray(), channel = "sandbox" }));
        Assert.Equal(PaymentErrors.Order.ChannelUnknown, await Code(new { billIds = new[] { bills[0].Id }, channel = "paypal" }));
    }

    /// <summary>1,000 orders made in the database, each notified 5 times at once through the signed HTTP notify path.</summary>
    [Fact]
    public async Task A_thousand_payments_notified_five_times_each_are_paid_exactly_once()
    {
        var (client, accountId) = await Citizen();
        var bills = await Bills(1000, fen: 1_234);
        var now = app.Time.GetUtcNow();
        var orders = new List<PaymentOrder>();
        await Db(async db =>
        {
            foreach (var bill in bills)
            {
                var order = PaymentOrder.Create(bill.RegionCode, accountId, PaymentChannels.Sandbox, 1_234, now, TimeSpan.FromDays(1));
                order.MarkPending("{}");
                orders.Add(order);
                db.PaymentOrders.Add(order);
                db.PaymentOrderBills.Add(PaymentOrderBill.For(order, bill, bill.Lines));
            }

            return await db.SaveChangesAsync();
        });

        var notices = orders.SelectMany(o => Enumerable.Range(0, 5).Select(i => new SandboxNotice(o.OutTradeNo, "SBX" + o.OutTradeNo[..20], 1_234, now, $"n{i}-{o.OutTradeNo}")))
            .OrderBy(_ => Random.Shared.Next()).ToList();
        var outcomes = new System.Collections.Concurrent.ConcurrentBag<string>();
        var watch = Stopwatch.StartNew();
        await Parallel.ForEachAsync(notices, new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (notice, ct) =>
            outcomes.Add((await (await Notify(client, notice)).Json(HttpStatusCode.OK)).GetProperty("outcome").GetString()!));
        output.WriteLine(FormattableString.Invariant($"{app.Provider}: 5,000 notices of 1,000 orders in {watch.Elapsed.TotalSeconds:0.0} s"));

        Assert.Equal(1000, outcomes.Count(o => o == "applied"));
        Assert.Equal(4000, outcomes.Count(o => o == "already-applied"));
        var ids = orders.Select(o => o.Id).ToList();
        var billIds = bills.Select(b => b.Id).ToList();
        await Db(async db =>
        {
            Assert.Equal(1000, await db.PaymentOrders.CountAsync(o => ids.Contains(o.Id) && o.State == PaymentState.Succeeded && o.FlagReason == null));
            Assert.Equal(1000, await db.Bills.CountAsync(b => billIds.Contains(b.Id) && b.State == BillState.Paid && b.PaidByPaymentId != null));
            Assert.Equal(1000, await db.PaymentNotices.CountAsync(n => ids.Contains(n.PaymentId)));
            Assert.Equal(2000, await db.LedgerEntries.CountAsync(e => e.PaymentId != null && ids.Contains(e.PaymentId.Value)));
            Assert.Equal(1000, await db.InboxNotifications.CountAsync(n => n.AccountId == accountId && n.EventCode == "payment.succeeded"));
            return 0;
        });
        var verified = await app.Service<LedgerVerifier>().VerifyAsync(default);
        Assert.True(verified.Balanced, string.Join('\n', verified.Problems));
    }

    [Fact]
    public async Task Two_orders_racing_for_one_bill_pay_it_once_and_the_other_is_refunded_automatically()
    {
        var (client, _) = await Citizen();
        var bill = (await Bills(1))[0];
        var first = await (await client.SendAsync(Post(Guid.NewGuid().ToString("N"), new { billIds = new[] { bill.Id }, channel = "sandbox" }))).Json(HttpStatusCode.Created);
        var second = await (await client.SendAsync(Post(Guid.NewGuid().ToString("N"), new { billIds = new[] { bill.Id }, channel = "sandbox" }))).Json(HttpStatusCode.Created);
        var sandbox = app.Service<SandboxChannel>();
        var ids = new[] { first.GetProperty("id").GetGuid(), second.GetProperty("id").GetGuid() };
        var notices = await Task.WhenAll(ids.Select(id => sandbox.PayAsync(id.ToString("N"), default)));
        var outcomes = await Task.WhenAll(notices.SelectMany(n => new[] { n!, n! with { NoticeId = "dup" } })
            .Select(async n => (await (await Notify(client, n)).Json(HttpStatusCode.OK)).GetProperty("outcome").GetString()));
        Assert.Equal(1, outcomes.Count(o => o == "applied"));
        Assert.Equal(1, outcomes.Count(o => o == "refunded-automatically"));
        await Db(async db =>
        {
            var paid = await db.Bills.AsNoTracking().SingleAsync(b => b.Id == bill.Id);
            var loser = ids.Single(i => i != paid.PaidByPaymentId);
            var refunded = await db.PaymentOrders.AsNoTracking().SingleAsync(o => o.Id == loser);
            Assert.Equal((PaymentFlags.BillAlreadyPaid, 20_000L), (refunded.FlagReason, refunded.RefundedFen));
            var refund = await db.Refunds.AsNoTracking().SingleAsync(r => r.PaymentId == loser);
            Assert.True(refund.Automatic);
            Assert.Equal(20_000, refund.AmountFen);
            Assert.True(await db.OneOffJobs.AnyAsync(j => j.Name == Refund.JobName && j.Payload == JsonSerializer.Serialize(refund.Id, (JsonSerializerOptions?)null)));
            Assert.Equal(20_000, await db.LedgerEntries.Where(e => e.PaymentId == loser && e.Account == "refunds-payable:sandbox").SumAsync(e => e.CreditFen));
            Assert.True(await db.AuditEntries.AnyAsync(a => a.Action == "payment.flagged" && a.ObjectId == loser.ToString()));
            return 0;
        });
    }

    [Fact]
    public async Task A_different_amount_is_flagged_and_posted_to_suspense_and_a_lost_notice_is_recovered_by_query()
    {
        var (client, _) = await Citizen();
        var bills = await Bills(2);
        var mismatched = await (await client.SendAsync(Post(Guid.NewGuid().ToString("N"), new { billIds = new[] { bills[0].Id }, channel = "sandbox" }))).Json(HttpStatusCode.Created);
        var lost = await (await client.SendAsync(Post(Guid.NewGuid().ToString("N"), new { billIds = new[] { bills[1].Id }, channel = "sandbox" }))).Json(HttpStatusCode.Created);
        var sandbox = app.Service<SandboxChannel>();
        var m = mismatched.GetProperty("id").GetGuid();
        var notice = await sandbox.PayAsync(m.ToString("N"), default);
        Assert.Equal(PaymentFlags.AmountMismatch, (await (await Notify(client, notice! with { AmountFen = 19_999 })).Json(HttpStatusCode.OK)).GetProperty("outcome").GetString());
        Assert.Equal("already-applied", (await (await Notify(client, notice!)).Json(HttpStatusCode.OK)).GetProperty("outcome").GetString());

        var l = lost.GetProperty("id").GetGuid();
        await sandbox.PayAsync(l.ToString("N"), default); // paid at the sandbox; its notice never arrives
        await RunAsync<PaymentRecoveryJob>(PaymentRecoveryJob.Name);
        Assert.Equal(PaymentState.Pending, await Db(db => db.PaymentOrders.Where(o => o.Id == l).Select(o => o.State).SingleAsync())); // not yet 2 minutes
        app.Time.Advance(TimeSpan.FromMinutes(3));
        await RunAsync<PaymentRecoveryJob>(PaymentRecoveryJob.Name);

        await Db(async db =>
        {
            var flagged = await db.PaymentOrders.AsNoTracking().SingleAsync(o => o.Id == m);
            Assert.Equal((PaymentState.Failed, PaymentFlags.AmountMismatch, 19_999L), (flagged.State, flagged.FlagReason, flagged.PaidFen!.Value));
            Assert.Equal(BillState.Open, (await db.Bills.AsNoTracking().SingleAsync(b => b.Id == bills[0].Id)).State);
            Assert.Equal(19_999, await db.LedgerEntries.Where(e => e.PaymentId == m && e.Account == "suspense:sandbox").SumAsync(e => e.CreditFen));
            Assert.Equal(PaymentState.Succeeded, (await db.PaymentOrders.AsNoTracking().SingleAsync(o => o.Id == l)).State);
            Assert.StartsWith("query:", (await db.PaymentNotices.AsNoTracking().SingleAsync(n => n.PaymentId == l)).NoticeId, StringComparison.Ordinal);
            return 0;
        });
    }

    [Fact]
    public async Task An_unpaid_order_expires_after_its_lifetime_and_a_paid_one_is_applied_instead()
    {
        var (client, _) = await Citizen();
        var bills = await Bills(2);
        var unpaid = (await (await client.SendAsync(Post(Guid.NewGuid().ToString("N"), new { billIds = new[] { bills[0].Id }, channel = "sandbox" }))).Json(HttpStatusCode.Created)).GetProperty("id").GetGuid();
        var paid = (await (await client.SendAsync(Post(Guid.NewGuid().ToString("N"), new { billIds = new[] { bills[1].Id }, channel = "sandbox" }))).Json(HttpStatusCode.Created)).GetProperty("id").GetGuid();
        await RunAsync<PaymentExpiryJob>(PaymentExpiryJob.Name);
        Assert.Equal(PaymentState.Pending, await Db(db => db.PaymentOrders.Where(o => o.Id == unpaid).Select(o => o.State).SingleAsync()));
        await app.Service<SandboxChannel>().PayAsync(paid.ToString("N"), default);
        app.Time.Advance(TimeSpan.FromMinutes(31));
        await RunAsync<PaymentExpiryJob>(PaymentExpiryJob.Name);
        Assert.Equal(PaymentState.Expired, await Db(db => db.PaymentOrders.Where(o => o.Id == unpaid).Select(o => o.State).SingleAsync()));
        Assert.Equal(PaymentState.Succeeded, await Db(db => db.PaymentOrders.Where(o => o.Id == paid).Select(o => o.State).SingleAsync()));
    }

    [Fact]
    public async Task Ledger_verify_reports_an_unbalanced_row_and_the_ledger_refuses_updates()
    {
        var posting = Guid.CreateVersion7();
        var now = app.Time.GetUtcNow();
        await Db(async db =>
        {
            var insert = "INSERT INTO ledger_entries (id, posting_id, region_code, account, debit_fen, credit_fen, kind, created_at) VALUES ({0}, {1}, '330100', 'clearing:sandbox', 100, 0, 'correction', {2})";
            await db.Database.ExecuteSqlRawAsync(insert, Guid.CreateVersion7(), posting, db.Database.ToStored(now));
            return 0;
        });
        var found = await app.Service<LedgerVerifier>().VerifyAsync(default);
        Assert.False(found.Balanced);
        Assert.Contains(found.Problems, p => p.Scope == "posting" && p.Id == posting.ToString() && p.DebitFen == 100 && p.CreditFen == 0);
        Assert.Contains(found.Problems, p => p.Scope == "overall");

        await Db(async db =>
        {
            await Assert.ThrowsAnyAsync<Exception>(() => db.Database.ExecuteSqlRawAsync("UPDATE ledger_entries SET debit_fen = 0 WHERE posting_id = {0}", posting));
            await Assert.ThrowsAnyAsync<Exception>(() => db.Database.ExecuteSqlRawAsync("DELETE FROM ledger_entries WHERE posting_id = {0}", posting));

            // Corrections are new entries: the balancing line makes the ledger whole again for the other tests.
            var correct = "INSERT INTO ledger_entries (id, posting_id, region_code, account, debit_fen, credit_fen, kind, created_at) VALUES ({0}, {1}, '330100', 'suspense:sandbox', 0, 100, 'correction', {2})";
            await db.Database.ExecuteSqlRawAsync(correct, Guid.CreateVersion7(), posting, db.Database.ToStored(now));
            return 0;
        });
        Assert.DoesNotContain((await app.Service<LedgerVerifier>().VerifyAsync(default)).Problems, p => p.Id == posting.ToString() || p.Scope == "overall");
    }

    private async Task RunAsync<TJob>(string name)
        where TJob : IJob
    {
        await using var scope = app.App.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<TJob>().RunAsync(new JobRunContext(name, app.Time.GetUtcNow(), 1, null), default);
    }
}

public sealed class PaymentOrderTests_Sqlite(SqliteApp app, ITestOutputHelper output) : PaymentOrderTests(app, output), IClassFixture<SqliteApp>;

public sealed class PaymentOrderTests_Postgres(PostgresApp app, ITestOutputHelper output) : PaymentOrderTests(app, output), IClassFixture<PostgresApp>;
