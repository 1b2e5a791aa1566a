using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using CityService.Core.Common;
using CityService.Core.Identity;
using CityService.Core.Identity.Clients;
using CityService.Core.Payments;
using CityService.Core.Payments.Billing;
using CityService.Core.Storage;
using CityService.RegistrySimulator;
using CityService.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CityService.Tests.Payments.Billing;

/// <summary>Bills: the departments' signed push API, the citizens' list, the anonymous lookup, collections. One class
/// (one host per provider) to keep the suite's time down.</summary>
public abstract class BillingTests(AppFixture app) : IAsyncLifetime
{
    public const string PsbHangzhou = "bills-psb-330100";
    public const string HrssHangzhou = "bills-hrss-330100";
    public const string PsbNingbo = "bills-psb-330200";
    public const string NoScope = "bills-noscope-330100";
    private const string Secret = "bills-test-secret-0123456789abcdef";
    private static int _sequence;
    private readonly HttpClient _client = app.Client();
    private readonly string _suffix = Interlocked.Increment(ref _sequence).ToString(System.Globalization.CultureInfo.InvariantCulture);

    public async Task InitializeAsync()
    {
        await using var scope = app.App.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CityDbContext>();
        var protector = scope.ServiceProvider.GetRequiredService<PersonalDataProtector>();
        if (await db.ApiClients.FindAsync(PsbHangzhou) is not null)
        {
            return;
        }

        var now = app.Time.GetUtcNow();
        foreach (var (id, region, department, scopes) in new[]
        {
            (PsbHangzhou, "330100", "PSB", new[] { Scopes.BillsWrite }), (HrssHangzhou, "330100", "HRSS", [Scopes.BillsWrite]),
            (PsbNingbo, "330200", "PSB", [Scopes.BillsWrite]), (NoScope, "330100", "PSB", ["applications:read"]),
        })
        {
            db.ApiClients.Add(ApiClient.ForDepartment(id, "测试系统 " + id, "Test system " + id, protector.Encrypt(Secret, "client-secret"), scopes, region, department, now));
        }

        await db.SaveChangesAsync();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private string Ref(string name) => $"T{_suffix}-{name}";

    private DateOnly Today => BillDates.Today(app.Time.GetUtcNow());

    private string Day(int offset) => BillDates.Format(Today.AddDays(offset));

    private HttpRequestMessage Signed(HttpMethod method, string path, string clientId, object? body = null)
    {
        var request = new HttpRequestMessage(method, new Uri(_client.BaseAddress!, path));
        var bytes = body is null ? [] : Encoding.UTF8.GetBytes(body as string ?? JsonSerializer.Serialize(body));
        if (body is not null)
        {
            request.Content = new ByteArrayContent(bytes) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } };
        }

        RequestSigning.SignHttpRequest(request, SignatureHeaderNames.Platform, clientId, RequestSigning.KeyFromSecret(Secret), bytes, app.Time);
        return request;
    }

    private Task<HttpResponseMessage> Send(HttpMethod method, string path, object? body = null, string client = PsbHangzhou) =>
        _client.SendAsync(Signed(method, path, client, body));

    private Task<HttpResponseMessage> Push(object body, string client = PsbHangzhou) => Send(HttpMethod.Post, "/api/billing/bills", body, client);

    private static string Path(string reference) => "/api/billing/bills/" + Uri.EscapeDataString(reference);

    private object Fine(string reference, long amount = 20000, object? payer = null, string? dueDate = null, object? lateFee = null) => new
    {
        reference,
        titleZh = "交通违法罚款",
        titleEn = "Traffic fine",
        lines = new[] { new { revenueHead = "fine", amountFen = amount, descriptionZh = "闯红灯", descriptionEn = "Red light" } },
        dueDate = dueDate ?? Day(15),
        lateFee,
        payer = payer ?? new { kind = "plate", plate = "浙A·D" + _suffix.PadLeft(4, '0') + "7", violationNumber = "V" + _suffix },
    };

    [Fact]
    public async Task Pushing_the_same_reference_and_body_again_is_the_same_bill_and_a_different_body_is_a_conflict()
    {
        var body = Fine(Ref("same"));
        var created = await (await Push(body)).Json(HttpStatusCode.Created);
        Assert.Equal("open", created.GetProperty("state").GetString());
        Assert.Equal(20000, created.GetProperty("amountFen").GetInt64());
        Assert.Equal(20000, created.GetProperty("dueFen").GetInt64());
        Assert.Equal(1, created.GetProperty("version").GetInt32());

        var again = await (await Push(body)).Json(HttpStatusCode.OK);
        Assert.Equal(created.GetProperty("id").GetGuid(), again.GetProperty("id").GetGuid());

        await (await Push(Fine(Ref("same"), amount: 30000))).AssertProblem(HttpStatusCode.Conflict, "reference", "bill.reference-conflict");
        var read = await (await Send(HttpMethod.Get, Path(Ref("same")))).Json(HttpStatusCode.OK);
        Assert.Equal(20000, read.GetProperty("amountFen").GetInt64());

        await using var scope = app.App.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CityDbContext>();
        var id = created.GetProperty("id").GetGuid().ToString();
        Assert.Equal(1, await db.AuditEntries.CountAsync(e => e.Action == "billing.bill-issued" && e.ObjectId == id));
    }

    [Fact]
    public async Task Concurrent_pushes_of_one_bill_make_one_bill()
    {
        var body = JsonSerializer.Serialize(Fine(Ref("race")));
        var answers = await Task.WhenAll(Enumerable.Range(0, 24).Select(_ => Push(body)));
        Assert.Equal(1, answers.Count(a => a.StatusCode == HttpStatusCode.Created));
        Assert.Equal(23, answers.Count(a => a.StatusCode == HttpStatusCode.OK));
        var ids = await Task.WhenAll(answers.Select(async a => (await a.Json()).GetProperty("id").GetGuid()));
        Assert.Single(ids.Distinct());

        await using var scope = app.App.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CityDbContext>();
        Assert.Equal(1, await db.Bills.CountAsync(b => b.Reference == Ref("race")));
    }

    [Fact]
    public async Task Only_an_open_bill_is_adjusted_or_cancelled()
    {
        var reference = Ref("adjust");
        (await Push(Fine(reference))).EnsureSuccessStatusCode();
        var adjustment = new
        {
            lines = new[]
            {
                new { revenueHead = "fine", amountFen = 15000L, descriptionZh = "闯红灯（减）", descriptionEn = "Red light (reduced)" },
                new { revenueHead = "service-fee", amountFen = 500L, descriptionZh = "工本费", descriptionEn = "Fee" },
            },
            dueDate = Day(30),
            lateFee = new { perMillePerDay = 30, capFen = 15500L },
        };
        var adjusted = await (await Send(HttpMethod.Put, Path(reference), adjustment)).Json(HttpStatusCode.OK);
        Assert.Equal(15500, adjusted.GetProperty("amountFen").GetInt64());
        Assert.Equal(2, adjusted.GetProperty("lines").GetArrayLength());
        Assert.Equal(2, adjusted.GetProperty("version").GetInt32());
        Assert.Equal(Day(30), adjusted.GetProperty("dueDate").GetString());
        var same = await (await Send(HttpMethod.Put, Path(reference), adjustment)).Json(HttpStatusCode.OK);
        Assert.Equal(2, same.GetProperty("version").GetInt32()); // the same terms change nothing

        var cancelled = await (await Send(HttpMethod.Post, Path(reference) + "/cancel")).Json(HttpStatusCode.OK);
        Assert.Equal("cancelled", cancelled.GetProperty("state").GetString());
        Assert.Equal(0, cancelled.GetProperty("dueFen").GetInt64());
        await (await Send(HttpMethod.Put, Path(reference), adjustment)).AssertProblem(HttpStatusCode.Conflict, code: "bill.not-open");
        Assert.Equal("cancelled", (await (await Send(HttpMethod.Post, Path(reference) + "/cancel")).Json(HttpStatusCode.OK)).GetProperty("state").GetString());

        var paid = Ref("paid");
        var bill = await (await Push(Fine(paid))).Json(HttpStatusCode.Created);
        await MarkPaidAsync(bill.GetProperty("id").GetGuid());
        await (await Send(HttpMethod.Post, Path(paid) + "/cancel")).AssertProblem(HttpStatusCode.Conflict, code: "bill.not-open");
        await (await Send(HttpMethod.Put, Path(paid), adjustment)).AssertProblem(HttpStatusCode.Conflict, code: "bill.not-open");
        Assert.Equal("paid", (await (await Send(HttpMethod.Get, Path(paid))).Json()).GetProperty("state").GetString());
    }

    private async Task MarkPaidAsync(Guid id)
    {
        await using var scope = app.App.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CityDbContext>();
        var bill = await db.Bills.SingleAsync(b => b.Id == id);
        bill.MarkPaid(Guid.CreateVersion7(), app.Time.GetUtcNow());
        await db.SaveChangesAsync();
    }

    [Fact]
    public async Task Another_department_or_region_does_not_see_the_bill_and_a_client_without_the_scope_is_refused()
    {
        var reference = Ref("scoped");
        (await Push(Fine(reference))).EnsureSuccessStatusCode();
        foreach (var other in new[] { HrssHangzhou, PsbNingbo })
        {
            await (await Send(HttpMethod.Get, Path(reference), client: other)).AssertProblem(HttpStatusCode.NotFound, code: "bill.not-found");
            await (await Send(HttpMethod.Post, Path(reference) + "/cancel", client: other)).AssertProblem(HttpStatusCode.NotFound, code: "bill.not-found");
        }

        // The same reference is another department's own bill, not a conflict.
        Assert.Equal(HttpStatusCode.Created, (await Push(Fine(reference, amount: 999), PsbNingbo)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await Send(HttpMethod.Get, Path(reference), client: NoScope)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await Push(Fine(Ref("noscope")), NoScope)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _client.GetAsync(Path(reference))).StatusCode);
    }

    [Fact]
    public async Task Bad_bills_are_problems_that_name_what_is_wrong()
    {
        var line = new { revenueHead = "fine", amountFen = 100L, descriptionZh = "罚款", descriptionEn = "Fine" };
        object Body(string? reference = "ok", object? lines = null, string? dueDate = null, object? payer = null, string? titleZh = "罚款", object? lateFee = null) => new
        {
            reference = reference is null ? null : Ref(reference),
            titleZh,
            titleEn = "Fine",
            lines = lines ?? new[] { line },
            dueDate = dueDate ?? Day(10),
            lateFee,
            payer = payer ?? new { kind = "plate", plate = "浙A12345", violationNumber = "V1" },
        };
        var cases = new (object Body, string Parameter, string Code)[]
        {
            (Body(reference: null), "reference", "bill.invalid-reference"),
            (Body(reference: "has space"), "reference", "bill.invalid-reference"),
            (Body(reference: new string('x', 65)), "reference", "bill.invalid-reference"),
            (Body(titleZh: ""), "titleZh", "bill.invalid-title"),
            (Body(lines: Array.Empty<object>()), "lines", "bill.invalid-lines"),
            (Body(lines: Enumerable.Repeat(line, 21).ToArray()), "lines", "bill.invalid-lines"),
            (Body(lines: new[] { line with { revenueHead = "bribe" } }), "lines[0].revenueHead", "bill.invalid-revenue-head"),
            (Body(lines: new[] { line with { revenueHead = "late-fee" } }), "lines[0].revenueHead", "bill.invalid-revenue-head"),
            (Body(lines: new[] { line, line with { amountFen = 0 } }), "lines[1].amountFen", "bill.invalid-amount"),
            (Body(lines: new[] { line with { amountFen = 10_000_000_001 } }), "lines[0].amountFen", "bill.invalid-amount"),
            (Body(lines: new[] { line with { amountFen = 6_000_000_000 }, line with { amountFen = 6_000_000_000 } }), "lines", "bill.invalid-amount"),
            (Body(dueDate: "2026-13-01"), "dueDate", "bill.invalid-due-date"),
            (Body(dueDate: "tomorrow"), "dueDate", "bill.invalid-due-date"),
            (Body(lateFee: new { perMillePerDay = 1001 }), "lateFee", "bill.invalid-late-fee"),
            (Body(payer: new { kind = "martian" }), "payer.kind", "bill.invalid-payer"),
            (Body(payer: new { kind = "citizen", idNumber = "33010219900101123" }), "payer.idNumber", "id-number.length"),
            (Body(payer: new { kind = "plate", plate = "AB12345", violationNumber = "V1" }), "payer.plate", "bill.invalid-plate"),
            (Body(payer: new { kind = "plate", plate = "浙A12345", violationNumber = "" }), "payer.violationNumber", "bill.invalid-payer"),
            (Body(payer: new { kind = "utility-account", accountNumber = "W1", secondFactorKind = "mother-maiden-name", secondFactor = "王" }), "payer.secondFactorKind", "bill.invalid-payer"),
            (Body(payer: new { kind = "utility-account", accountNumber = "W1", secondFactorKind = "phone-last4", secondFactor = "12a4" }), "payer.secondFactor", "bill.invalid-payer"),
        };
        foreach (var (body, parameter, code) in cases)
        {
            var problem = await (await Push(body)).AssertProblem(HttpStatusCode.BadRequest, parameter);
            Assert.True(code == problem.GetProperty("code").GetString(), $"{parameter}: {problem}");
        }

        await (await Push("{ not json")).AssertProblem(HttpStatusCode.BadRequest);
        await using var scope = app.App.Services.CreateAsyncScope();
        Assert.Equal(0, await scope.ServiceProvider.GetRequiredService<CityDbContext>().Bills.CountAsync(b => b.Reference.StartsWith($"T{_suffix}-")));
    }

    [Fact]
    public async Task A_verified_citizen_sees_what_is_due_and_overdue_and_an_unverified_one_is_sent_to_verify()
    {
        var person = SimulatedPersons.All[1]; // the L2 demo citizen 13800000002
        LogCapture.Sensitive(person.IdNumber);
        var overdue = Fine(Ref("mine-late"), amount: 10000, dueDate: Day(-10), lateFee: new { perMillePerDay = 30, capFen = 10000L },
            payer: new { kind = "citizen", idNumber = person.IdNumber });
        var current = Fine(Ref("mine-due"), amount: 5000, payer: new { kind = "citizen", idNumber = person.IdNumber });
        var closed = Fine(Ref("mine-off"), amount: 7000, payer: new { kind = "citizen", idNumber = person.IdNumber });
        (await Push(overdue)).EnsureSuccessStatusCode();
        (await Push(current)).EnsureSuccessStatusCode();
        (await Push(closed)).EnsureSuccessStatusCode();
        (await Send(HttpMethod.Post, Path(Ref("mine-off")) + "/cancel")).EnsureSuccessStatusCode();

        var citizen = app.BearerClient(await AppFixture.PasswordToken(app.Client(), "13800000002", "demo-citizen-2"));
        var mine = await (await citizen.GetAsync("/api/me/bills")).Json(HttpStatusCode.OK);
        var open = mine.GetProperty("open").EnumerateArray().ToList();
        var late = open.Single(b => b.GetProperty("titleZh").GetString() == "交通违法罚款" && b.GetProperty("amountFen").GetInt64() == 10000);
        Assert.True(late.GetProperty("overdue").GetBoolean());
        Assert.Equal(3000, late.GetProperty("lateFeeFen").GetInt64()); // 10 days × 3 % of ¥100
        Assert.Equal(13000, late.GetProperty("dueFen").GetInt64());
        Assert.Equal("late-fee", late.GetProperty("lines")[1].GetProperty("revenueHead").GetString());
        Assert.Equal("杭州市公安局", late.GetProperty("departmentZh").GetString());
        Assert.False(open.Single(b => b.GetProperty("amountFen").GetInt64() == 5000).GetProperty("overdue").GetBoolean());
        Assert.Contains(mine.GetProperty("closed").EnumerateArray(), b => b.GetProperty("state").GetString() == "cancelled" && b.GetProperty("amountFen").GetInt64() == 7000);
        Assert.Equal(open.Sum(b => b.GetProperty("dueFen").GetInt64()), mine.GetProperty("totalDueFen").GetInt64());
        Assert.DoesNotContain(person.IdNumber, mine.GetRawText(), StringComparison.Ordinal);
        var demo = open.Single(b => b.GetProperty("titleZh").GetString() == "交通违法罚款（违停）"); // Seed:Demo's overdue fine (DemoBills)
        Assert.True(demo.GetProperty("overdue").GetBoolean());
        Assert.True(demo.GetProperty("lateFeeFen").GetInt64() > 0);

        var cancelledOnly = await (await citizen.GetAsync("/api/me/bills?state=cancelled")).Json();
        Assert.Empty(cancelledOnly.GetProperty("open").EnumerateArray());
        await (await citizen.GetAsync("/api/me/bills?state=owed")).AssertProblem(HttpStatusCode.BadRequest, "state", "bill.invalid-state");

        var unverified = app.BearerClient(await AppFixture.PasswordToken(app.Client(), "13800000001", "demo-citizen-1"));
        var problem = await (await unverified.GetAsync("/api/me/bills")).AssertProblem(HttpStatusCode.Forbidden, code: "bill.verification-required");
        Assert.Equal("/me/verify", problem.GetProperty("verify").GetString());
    }

    [Fact]
    public async Task A_bill_is_found_by_plate_and_violation_number_or_account_and_second_factor_without_personal_data()
    {
        app.Time.Advance(TimeSpan.FromMinutes(2)); // a fresh lookup window
        var plate = "浙AD" + _suffix.PadLeft(4, '0') + "8";
        LogCapture.Sensitive(plate);
        var account = "W-" + _suffix + "-0571";
        LogCapture.Sensitive(account);
        (await Push(Fine(Ref("plate"), payer: new { kind = "plate", plate, violationNumber = "3301" + _suffix }))).EnsureSuccessStatusCode();
        (await Push(new
        {
            reference = Ref("water"), titleZh = "水费", titleEn = "Water bill",
            lines = new[] { new { revenueHead = "utility", amountFen = 4321L, descriptionZh = "10 月用水", descriptionEn = "October water" } },
            dueDate = Day(20), payer = new { kind = "utility-account", accountNumber = account, secondFactorKind = "holder-name-last", secondFactor = "明" },
        }, HrssHangzhou)).EnsureSuccessStatusCode();

        var anonymous = app.Client();
        var typed = "浙ad·" + plate[3..]; // as people type it
        var found = await (await anonymous.GetAsync($"/api/bills/lookup?plate={Uri.EscapeDataString(typed)}&violationNumber=3301{_suffix}")).Json(HttpStatusCode.OK);
        var bill = found.GetProperty("items").EnumerateArray().Single();
        Assert.Equal(20000, bill.GetProperty("dueFen").GetInt64());
        Assert.Equal("浙A***" + plate[^2..], bill.GetProperty("plateMasked").GetString());
        Assert.DoesNotContain(plate, found.GetRawText(), StringComparison.Ordinal);

        var water = await (await anonymous.GetAsync($"/api/bills/lookup?accountNumber={account}&secondFactor=%E6%98%8E")).Json(HttpStatusCode.OK);
        Assert.Equal(4321, water.GetProperty("items")[0].GetProperty("amountFen").GetInt64());
        Assert.Equal("holder-name-last", water.GetProperty("items")[0].GetProperty("secondFactorKind").GetString());
        Assert.DoesNotContain(account, water.GetRawText(), StringComparison.Ordinal);

        // A wrong factor and an unknown bill are the same answer.
        var wrong = await (await anonymous.GetAsync($"/api/bills/lookup?accountNumber={account}&secondFactor=%E7%BA%A2")).AssertProblem(HttpStatusCode.NotFound, code: "bill.not-found");
        var unknown = await (await anonymous.GetAsync($"/api/bills/lookup?accountNumber=NOPE{_suffix}&secondFactor=%E6%98%8E")).AssertProblem(HttpStatusCode.NotFound, code: "bill.not-found");
        Assert.Equal(wrong.GetProperty("detail").GetString(), unknown.GetProperty("detail").GetString());
        await (await anonymous.GetAsync("/api/bills/lookup?plate=%E6%B5%99A12345")).AssertProblem(HttpStatusCode.BadRequest, "violationNumber", "bill.lookup-incomplete");

        // 10 lookups a minute per address: 4 were counted (the incomplete one is not), 6 more pass at once, the 11th waits.
        var more = await Task.WhenAll(Enumerable.Range(0, 7).Select(_ => anonymous.GetAsync($"/api/bills/lookup?accountNumber=X{_suffix}&secondFactor=1")));
        Assert.Equal(6, more.Count(r => r.StatusCode == HttpStatusCode.NotFound));
        var limited = more.Single(r => r.StatusCode == HttpStatusCode.TooManyRequests);
        await limited.AssertProblem(HttpStatusCode.TooManyRequests, code: "bill.lookup-rate-limited");
        Assert.NotNull(limited.Headers.RetryAfter);
        app.Time.Advance(TimeSpan.FromMinutes(1.1));
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync($"/api/bills/lookup?accountNumber={account}&secondFactor=%E6%98%8E")).StatusCode);
    }

    [Fact]
    public async Task Collections_sum_the_ledger_per_day_revenue_head_and_channel()
    {
        await using var scope = app.App.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CityDbContext>();
        var citizen = await db.Accounts.FirstAsync();
        var day = app.Time.GetUtcNow();
        var from = BillDates.Today(day);
        // Three payments: two today (alipay fine+late fee, wechatpay fine), one the next day; a HRSS credit that PSB must not see.
        void Pay(string channel, DateTimeOffset at, string department, params (string Head, long Fen)[] lines)
        {
            var order = PaymentOrder.Create("330100", citizen.Id, channel, lines.Sum(l => l.Fen), at, TimeSpan.FromMinutes(30));
            db.PaymentOrders.Add(order);
            db.Post(new LedgerPosting(LedgerKinds.Payment, "330100", order.Id, null,
                [LedgerLine.Debit(LedgerAccounts.Clearing(channel), lines.Sum(l => l.Fen)), .. lines.Select(l => LedgerLine.Credit(LedgerAccounts.Revenue("330100", department, l.Head), l.Fen))]), at);
        }

        Pay("alipay", day, "PSB", ("fine", 20000), ("late-fee", 600));
        Pay("wechatpay", day, "PSB", ("fine", 5000));
        Pay("alipay", day.AddHours(1), "PSB", ("fine", 100));
        Pay("alipay", day.AddDays(1), "PSB", ("fine", 7000));
        Pay("alipay", day, "HRSS", ("contribution", 99999));
        await db.SaveChangesAsync();

        var rows = await scope.ServiceProvider.GetRequiredService<Collections>().ForAsync("330100", "PSB", from, from.AddDays(1), default);
        Assert.Contains(new CollectionRow(from, "fine", "alipay", 2, 20100), rows);
        Assert.Contains(new CollectionRow(from, "late-fee", "alipay", 1, 600), rows);
        Assert.Contains(new CollectionRow(from, "fine", "wechatpay", 1, 5000), rows);
        Assert.Contains(new CollectionRow(from.AddDays(1), "fine", "alipay", 1, 7000), rows);
        Assert.DoesNotContain(rows, r => r.RevenueHead == "contribution");

        var clerk = app.BearerClient(await AppFixture.PasswordToken(app.Client(), "13900000001", "demo-clerk-1"));
        var csv = await clerk.GetAsync($"/dept/collections.csv?from={BillDates.Format(from)}&to={BillDates.Format(from)}");
        Assert.Equal(HttpStatusCode.OK, csv.StatusCode);
        Assert.Equal("text/csv", csv.Content.Headers.ContentType?.MediaType);
        var bytes = await csv.Content.ReadAsByteArrayAsync();
        Assert.Equal(new byte[] { 0xEF, 0xBB, 0xBF }, bytes[..3]);
        var text = Encoding.UTF8.GetString(bytes[3..]);
        Assert.Contains($"{BillDates.Format(from)},fine,alipay,2,20100,201.00\r\n", text, StringComparison.Ordinal);
        Assert.EndsWith("合计 total,,,4,25700,257.00\r\n", text, StringComparison.Ordinal);
        await (await clerk.GetAsync("/dept/collections.csv?from=2026-02-30&to=2026-03-01")).AssertProblem(HttpStatusCode.BadRequest, "from", "bill.invalid-range");
        await (await clerk.GetAsync("/dept/collections.csv?region=330100&department=HRSS")).AssertProblem(HttpStatusCode.NotFound, code: "bill.department-not-found");
        var admin = app.BearerClient(await AppFixture.PasswordToken(app.Client(), "13700000001", "demo-operator-1"));
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/dept/collections.csv?region=330100&department=PSB")).StatusCode);
    }

    [Fact]
    public async Task The_bills_pages_show_what_is_due_look_bills_up_and_list_a_departments_bills()
    {
        app.Time.Advance(TimeSpan.FromMinutes(2)); // a fresh lookup window and sign-in code interval
        var person = SimulatedPersons.All[1];
        var a = await (await Push(Fine(Ref("page-a"), amount: 12345, payer: new { kind = "citizen", idNumber = person.IdNumber }))).Json(HttpStatusCode.Created);
        var b = await (await Push(Fine(Ref("page-b"), amount: 100, dueDate: Day(-3), payer: new { kind = "citizen", idNumber = person.IdNumber }))).Json(HttpStatusCode.Created);

        var citizen = app.Browser();
        await app.SignIn(citizen, "13800000002");
        var mine = await HtmlForms.Page(citizen, "/me/bills");
        var card = mine.QuerySelector($"#bill-{a.GetProperty("id").GetGuid():N}")!;
        Assert.Contains("¥123.45", card.TextContent, StringComparison.Ordinal);
        Assert.Equal($"/pay?bills={a.GetProperty("id").GetGuid()}", card.QuerySelector("a.pay")!.GetAttribute("href"));
        Assert.Contains("overdue", mine.QuerySelector($"#bill-{b.GetProperty("id").GetGuid():N}")!.ClassName, StringComparison.Ordinal);
        Assert.Null(mine.QuerySelector("#verify-first"));

        var both = await HtmlForms.Submit(citizen, mine, "#pay-selected-form", new() { ["bill"] = a.GetProperty("id").GetGuid().ToString() });
        Assert.Equal($"/pay?bills={a.GetProperty("id").GetGuid()}", HtmlForms.Location(both));
        var none = await HtmlForms.Html(await HtmlForms.Submit(citizen, mine, "#pay-selected-form"), HttpStatusCode.OK);
        Assert.NotNull(none.QuerySelector("#error-summary"));

        var unverified = app.Browser();
        await app.SignIn(unverified, "1360000" + _suffix.PadLeft(4, '0'));
        var verify = await HtmlForms.Page(unverified, "/me/bills");
        Assert.StartsWith("/me/verify", verify.QuerySelector("#verify-link")!.GetAttribute("href"), StringComparison.Ordinal);

        var plate = "浙A" + _suffix.PadLeft(4, '0') + "9";
        LogCapture.Sensitive(plate);
        var fine = await (await Push(Fine(Ref("page-plate"), payer: new { kind = "plate", plate, violationNumber = "P" + _suffix }))).Json(HttpStatusCode.Created);
        var anonymous = app.Browser();
        var found = await HtmlForms.Page(anonymous, $"/bills/lookup?plate={Uri.EscapeDataString(plate)}&violationNumber=P{_suffix}");
        Assert.Contains("浙A***", found.QuerySelector("#lookup-result")!.TextContent, StringComparison.Ordinal);
        Assert.DoesNotContain(plate, found.QuerySelector("#lookup-result")!.OuterHtml, StringComparison.Ordinal); // the form keeps what was typed
        Assert.Equal($"/pay?bills={fine.GetProperty("id").GetGuid()}", found.QuerySelector("#lookup-result a.pay")!.GetAttribute("href"));
        var missing = await HtmlForms.Page(anonymous, $"/bills/lookup?plate={Uri.EscapeDataString(plate)}&violationNumber=WRONG", HttpStatusCode.NotFound);
        Assert.NotNull(missing.QuerySelector("#error-summary"));
        Assert.Null(missing.QuerySelector("#lookup-result"));

        var clerk = app.BearerClient(await AppFixture.PasswordToken(app.Client(), "13900000001", "demo-clerk-1"));
        var open = await HtmlForms.Page(clerk, "/dept/bills?state=open");
        Assert.NotNull(open.QuerySelector($"tr[data-reference='{Ref("page-a")}']"));
        Assert.DoesNotContain(person.IdNumber, open.DocumentElement.OuterHtml, StringComparison.Ordinal);
        var cancelled = await HtmlForms.Page(clerk, "/dept/bills?state=cancelled");
        Assert.Null(cancelled.QuerySelector($"tr[data-reference='{Ref("page-a")}']"));
        await HtmlForms.Page(clerk, "/dept/bills?region=330100&department=HRSS", HttpStatusCode.NotFound);
        var collections = await HtmlForms.Page(clerk, "/dept/collections");
        Assert.StartsWith("/dept/collections.csv?from=", collections.QuerySelector("#csv-link")!.GetAttribute("href"), StringComparison.Ordinal);
        await HtmlForms.Page(clerk, "/dept/collections?from=2026-99-01", HttpStatusCode.BadRequest);
    }
}

public sealed class BillingTests_Sqlite(SqliteApp app) : BillingTests(app), IClassFixture<SqliteApp>;

public sealed class BillingTests_Postgres(PostgresApp app) : BillingTests(app), IClassFixture<PostgresApp>;
