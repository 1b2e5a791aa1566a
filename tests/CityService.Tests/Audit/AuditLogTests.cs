using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using CityService.Core.Audit;
using CityService.Core.Storage;
using CityService.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CityService.Tests.Audit;

/// <summary>
/// Issue 9 §4: the hash-chained, checkpointed audit log. Each test writes its own chain (a region code of its own), so
/// tests that tamper with one chain leave the others intact; the verifier's findings are read per chain.
/// </summary>
public abstract class AuditLogTests(AppFixture app)
{
    private static int _region;
    private static int _phone;

    private static string NewRegion() => "99" + Interlocked.Increment(ref _region).ToString("0000", CultureInfo.InvariantCulture);

    private static string NewPhone() => "1375" + Interlocked.Increment(ref _phone).ToString("0000000", CultureInfo.InvariantCulture);

    private CityDbContext Db()
    {
        var options = new DbContextOptionsBuilder<CityDbContext>();
        app.Storage.Configure(options);
        return new CityDbContext(options.Options);
    }

    private AuditLog Log => app.Service<AuditLog>();

    private async Task AppendAsync(string region, int count)
    {
        await using var db = Db();
        for (var i = 0; i < count; i++)
        {
            await Log.RecordAsync(db, new AuditRecord(AuditActions.ConsentGiven, AuditActor.Account(Guid.CreateVersion7()), AuditRecord.AccountObject,
                Guid.CreateVersion7().ToString(), RegionCode: region, Details: AuditRecord.DetailsOf(new { n = i })), CancellationToken.None);
        }
    }

    private Task<int> CheckpointAsync() =>
        ActivatorUtilities.CreateInstance<AuditCheckpointJob>(app.App.Services).CheckpointAsync(CancellationToken.None);

    private async Task<IReadOnlyList<AuditProblem>> ProblemsOf(string region) =>
        [.. (await app.Service<AuditVerifier>().VerifyAsync(CancellationToken.None)).Problems.Where(p => p.Chain == region)];

    private Task Tamper(string sql) => AuditTamper.RunAsync(app.Storage, sql);

    private static void Reported(IReadOnlyList<AuditProblem> problems, long sequence, string kind) =>
        Assert.True(problems.Any(p => p.Sequence == sequence && p.Kind == kind), $"expected {kind} at {sequence}; found: {string.Join(" | ", problems)}");

    [Fact]
    public async Task An_intact_chain_with_its_checkpoint_verifies()
    {
        var region = NewRegion();
        await AppendAsync(region, 5);
        Assert.True(await CheckpointAsync() >= 1);
        var result = await app.Service<AuditVerifier>().VerifyAsync(CancellationToken.None);
        Assert.DoesNotContain(result.Problems, p => p.Chain == region);
        var chain = Assert.Single(result.Chains, c => c.Chain == region);
        Assert.Equal((5L, 5L, 5L), (chain.Entries, chain.LastSequence, chain.CheckpointSequence!.Value));
        Assert.Equal(0, await CheckpointAsync()); // no chain moved since: nothing to sign
    }

    [Fact]
    public async Task The_database_refuses_to_update_or_delete_entries()
    {
        var region = NewRegion();
        await AppendAsync(region, 1);
        await using var db = Db();
        await Assert.ThrowsAnyAsync<Exception>(() => db.Database.ExecuteSqlAsync($"UPDATE audit_entries SET outcome = 'failed' WHERE region_code = {region}"));
        await Assert.ThrowsAnyAsync<Exception>(() => db.Database.ExecuteSqlAsync($"DELETE FROM audit_entries WHERE region_code = {region}"));
        Assert.Equal(1, await db.AuditEntries.CountAsync(e => e.RegionCode == region));
    }

    [Fact]
    public async Task An_edited_entry_is_reported_at_its_sequence()
    {
        var region = NewRegion();
        await AppendAsync(region, 5);
        await Tamper($"UPDATE audit_entries SET outcome = 'failed' WHERE region_code = '{region}' AND sequence = 3");
        var problems = await ProblemsOf(region);
        Reported(problems, 3, "hash-mismatch");
        Assert.Single(problems);
    }

    [Fact]
    public async Task A_deleted_entry_is_reported_as_a_gap()
    {
        var region = NewRegion();
        await AppendAsync(region, 5);
        await Tamper($"DELETE FROM audit_entries WHERE region_code = '{region}' AND sequence = 2");
        Reported(await ProblemsOf(region), 2, "gap");
    }

    [Fact]
    public async Task Two_swapped_entries_are_reported_as_reordered()
    {
        var region = NewRegion();
        await AppendAsync(region, 5);
        await Tamper($"UPDATE audit_entries SET sequence = -1 WHERE region_code = '{region}' AND sequence = 2; "
            + $"UPDATE audit_entries SET sequence = 2 WHERE region_code = '{region}' AND sequence = 3; "
            + $"UPDATE audit_entries SET sequence = 3 WHERE region_code = '{region}' AND sequence = -1");
        var problems = await ProblemsOf(region);
        Reported(problems, 2, "reordered");
        Reported(problems, 3, "reordered");
    }

    [Fact]
    public async Task A_forged_entry_with_a_consistent_hash_but_no_valid_link_is_reported()
    {
        var region = NewRegion();
        await AppendAsync(region, 3);
        var forged = AuditEntry.Create(new AuditRecord(AuditActions.RoleGranted, AuditActor.System, AuditRecord.AccountObject, Guid.NewGuid().ToString(), RegionCode: region),
            4, app.Time.GetUtcNow(), null, new string('a', 64));
        await Tamper(AuditTamper.Insert(app.Storage, forged) + $"; UPDATE audit_chain_heads SET sequence = 4, hash = '{forged.Hash}' WHERE region_code = '{region}'");
        var problems = await ProblemsOf(region);
        Reported(problems, 4, "broken-link");
        Assert.Single(problems);
    }

    [Fact]
    public async Task A_rewritten_and_rehashed_chain_is_caught_by_its_signed_checkpoint()
    {
        var region = NewRegion();
        await AppendAsync(region, 5);
        await CheckpointAsync();

        // Without the key the attacker can rebuild every hash from entry 3 on, but not the checkpoint that signed entry 5's.
        await using var db = Db();
        var entries = await db.AuditEntries.AsNoTracking().Where(e => e.RegionCode == region).OrderBy(e => e.Sequence).ToListAsync();
        var prev = entries[1].Hash;
        var script = new List<string>();
        foreach (var e in entries.Skip(2))
        {
            var rewritten = AuditEntry.Create(new AuditRecord(e.Action, new AuditActor(e.ActorKind, e.ActorId), e.ObjectType, e.ObjectId,
                e.Sequence == 3 ? AuditOutcomes.Failed : e.Outcome, e.RegionCode, e.Details), e.Sequence, e.At, e.RequestId, prev);
            script.Add($"DELETE FROM audit_entries WHERE region_code = '{region}' AND sequence = {e.Sequence}");
            script.Add(AuditTamper.Insert(app.Storage, rewritten));
            prev = rewritten.Hash;
        }

        script.Add($"UPDATE audit_chain_heads SET hash = '{prev}' WHERE region_code = '{region}'");
        await Tamper(string.Join("; ", script));
        var problems = await ProblemsOf(region);
        Reported(problems, 5, "checkpoint-mismatch");
        Assert.Single(problems);
    }

    [Fact]
    public async Task A_tail_truncated_after_a_checkpoint_is_reported()
    {
        var region = NewRegion();
        await AppendAsync(region, 3);
        await CheckpointAsync();
        await AppendAsync(region, 2);
        await CheckpointAsync();
        await using var db = Db();
        var third = await db.AuditEntries.AsNoTracking().SingleAsync(e => e.RegionCode == region && e.Sequence == 3);
        await Tamper($"DELETE FROM audit_entries WHERE region_code = '{region}' AND sequence > 3; "
            + $"UPDATE audit_chain_heads SET sequence = 3, hash = '{third.Hash}' WHERE region_code = '{region}'");
        var problems = await ProblemsOf(region);
        Reported(problems, 5, "truncated");
        Assert.Contains("truncated after sequence 3", Assert.Single(problems).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_checkpoint_with_a_changed_hash_fails_its_signature()
    {
        var region = NewRegion();
        await AppendAsync(region, 2);
        await CheckpointAsync();
        await Tamper($"UPDATE audit_checkpoints SET hash = '{new string('b', 64)}' WHERE region_code = '{region}'");
        Reported(await ProblemsOf(region), 2, "bad-signature");
    }

    [Fact]
    public async Task An_act_that_rolls_back_leaves_no_entry()
    {
        var region = NewRegion();
        await using var db = Db();
        await using (var tx = await db.BeginSerialisedAsync(CancellationToken.None))
        {
            await Log.RecordAsync(db, new AuditRecord(AuditActions.RoleRevoked, AuditActor.System, RegionCode: region), CancellationToken.None);
            Assert.Equal(1, await db.AuditEntries.CountAsync(e => e.RegionCode == region)); // written inside the act's transaction
            await tx.RollbackAsync();
        }

        Assert.Equal(0, await db.AuditEntries.CountAsync(e => e.RegionCode == region));
        Assert.Equal(0, await db.AuditChainHeads.CountAsync(h => h.RegionCode == region));
        await AppendAsync(region, 1); // the chain starts afresh at 1
        Assert.Equal(1L, await db.AuditEntries.Where(e => e.RegionCode == region).MaxAsync(e => e.Sequence));
    }

    [Fact]
    public async Task Thirty_two_parallel_appends_keep_the_chain_a_chain()
    {
        var region = NewRegion();
        await Task.WhenAll(Enumerable.Range(0, 32).Select(i => Task.Run(async () =>
        {
            await using var db = Db();
            await Log.RecordAsync(db, new AuditRecord(AuditActions.CodeSent, AuditActor.Anonymous, AuditRecord.PhoneObject, "index-" + i, RegionCode: region), CancellationToken.None);
        })));
        await using var check = Db();
        var sequences = await check.AuditEntries.Where(e => e.RegionCode == region).Select(e => e.Sequence).OrderBy(s => s).ToListAsync();
        Assert.Equal(Enumerable.Range(1, 32).Select(i => (long)i), sequences);
        Assert.Empty(await ProblemsOf(region));
    }

    [Fact]
    public async Task Sign_ins_and_failures_are_recorded_and_the_citizen_sees_only_their_own()
    {
        app.Time.Advance(TimeSpan.FromHours(1)); // fresh per-address code limits
        var phone = NewPhone();
        var client = app.Client();
        client.DefaultRequestHeaders.UserAgent.ParseAdd("Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1");
        var token = await Otp(client, phone);
        app.Time.Advance(TimeSpan.FromSeconds(61));
        (await client.PostAsJsonAsync("/api/auth/otp", new { phone })).EnsureSuccessStatusCode();
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsJsonAsync("/api/auth/otp/verify", new { agreed = TestConsents.Agreed, phone, code = WrongCode(app.Sms.LastCodeFor(phone)) })).StatusCode);

        var own = app.BearerClient(token);
        var events = (await (await own.GetAsync("/api/me/security-events")).Json()).EnumerateArray().ToList();
        Assert.Equal(["sign-in", "sign-in"], events.Select(e => e.GetProperty("kind").GetString()));
        Assert.Equal(["failed", "succeeded"], events.Select(e => e.GetProperty("outcome").GetString()));
        Assert.Equal("code", events[1].GetProperty("method").GetString());
        Assert.Equal("Safari · iOS", events[1].GetProperty("device").GetString());

        app.Time.Advance(TimeSpan.FromSeconds(61));
        var other = app.BearerClient(await Otp(app.Client(), NewPhone()));
        var theirs = (await (await other.GetAsync("/api/me/security-events")).Json()).EnumerateArray().ToList();
        Assert.Single(theirs); // only their own sign-in

        // No phone in clear anywhere in the log.
        await using var db = Db();
        Assert.False(await db.AuditEntries.AnyAsync(e => (e.Details ?? "").Contains(phone) || (e.ObjectId ?? "").Contains(phone)));
        Assert.True(await db.AuditEntries.AnyAsync(e => e.Action == AuditActions.CodeSent));
    }

    [Fact]
    public async Task Staff_reveals_show_the_citizen_the_department_and_time_only()
    {
        app.Time.Advance(TimeSpan.FromHours(1));
        var client = app.Client();
        var token = await Otp(client, NewPhone());
        var me = await (await app.BearerClient(token).GetAsync("/api/me")).Json();
        var accountId = Guid.Parse(me.GetProperty("id").GetString()!);
        var staff = Guid.CreateVersion7();
        await using (var db = Db())
        {
            await Log.RecordDataRevealedAsync(db, staff, "330100", "PSB", accountId, "id-number", CancellationToken.None);
        }

        var events = (await (await app.BearerClient(token).GetAsync("/api/me/security-events")).Json()).EnumerateArray().ToList();
        var reveal = Assert.Single(events, e => e.GetProperty("kind").GetString() == "data-revealed");
        Assert.Equal("PSB", reveal.GetProperty("department").GetString());
        Assert.DoesNotContain(staff.ToString(), reveal.GetRawText(), StringComparison.Ordinal);

        var browser = app.Browser();
        app.Time.Advance(TimeSpan.FromSeconds(61));
        var phone = NewPhone();
        Assert.Equal("/me", await app.SignIn(browser, phone));
        var page = (await HtmlForms.Html(await browser.GetAsync("/me/security"), HttpStatusCode.OK)).DocumentElement.OuterHtml;
        Assert.Contains("id=\"sign-ins\"", page, StringComparison.Ordinal);
        Assert.Contains("data-outcome=\"succeeded\"", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Operators_verify_over_the_api_and_the_page_and_bad_filters_are_problems()
    {
        var region = NewRegion();
        await AppendAsync(region, 2);
        await Tamper($"UPDATE audit_entries SET action = 'identity.verified' WHERE region_code = '{region}' AND sequence = 2");
        var admin = app.BearerClient(await Password(app.Client(), "13700000001", "demo-operator-1"));
        var verification = await (await admin.GetAsync("/api/admin/audit/verify")).Json();
        Assert.False(verification.GetProperty("intact").GetBoolean());
        Assert.Contains(verification.GetProperty("problems").EnumerateArray(), p =>
            p.GetProperty("chain").GetString() == region && p.GetProperty("sequence").GetInt64() == 2 && p.GetProperty("kind").GetString() == "hash-mismatch");

        var entries = await (await admin.GetAsync($"/api/admin/audit/entries?region={region}")).Json();
        Assert.Equal(2, entries.GetArrayLength());
        var bad = await admin.GetAsync("/api/admin/audit/entries?region=abc");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("audit.region-invalid", (await bad.Json(HttpStatusCode.BadRequest)).GetProperty("code").GetString());

        var page = (await HtmlForms.Html(await admin.GetAsync("/admin/audit?action=consent.given"), HttpStatusCode.OK)).DocumentElement.OuterHtml;
        Assert.Contains($"data-chain=\"{region}\" data-sequence=\"2\" data-kind=\"hash-mismatch\"", page, StringComparison.Ordinal);
        Assert.Contains("data-action=\"consent.given\"", page, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.GetAsync("/admin/audit?region=12")).StatusCode);
        app.Time.Advance(TimeSpan.FromHours(1));
        var citizen = app.BearerClient(await Otp(app.Client(), NewPhone()));
        Assert.Equal(HttpStatusCode.Forbidden, (await citizen.GetAsync("/admin/audit")).StatusCode);
    }

    private static string WrongCode(string code) => code == "000000" ? "111111" : "000000";

    private Task<string> Otp(HttpClient client, string phone) => app.CodeToken(client, phone);

    private static Task<string> Password(HttpClient client, string phone, string password) => AppFixture.PasswordToken(client, phone, password);
}

public sealed class AuditLogTests_Sqlite(SqliteApp app) : AuditLogTests(app), IClassFixture<SqliteApp>;

public sealed class AuditLogTests_Postgres(PostgresApp app) : AuditLogTests(app), IClassFixture<PostgresApp>;
