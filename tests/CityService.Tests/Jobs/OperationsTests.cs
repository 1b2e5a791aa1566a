using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using CityService.Core.Outbox;
using CityService.Core.Storage;
using CityService.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CityService.Tests.Jobs;

/// <summary>The operators' view of background work through the real host: the JSON API and the two pages.</summary>
public abstract class OperationsTests(AppFixture app)
{
    private async Task<HttpClient> Operator()
    {
        var token = (await (await app.Client().PostAsJsonAsync("/api/auth/password", new { agreed = TestConsents.Agreed, phone = "13700000001", password = "demo-operator-1" })).Json())
            .GetProperty("accessToken").GetString();
        var client = app.Client();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>A dead message on a channel no instance sends (so the host's dispatcher leaves it be until retried).</summary>
    private async Task<Guid> DeadMessageAsync()
    {
        await using var db = app.Service<IDbContextFactory<CityDbContext>>().CreateDbContext();
        var message = db.Enqueue("ops-test", "330100", "{}", app.Time.GetUtcNow());
        await db.SaveChangesAsync();
        await db.OutboxMessages.Where(m => m.Id == message.Id).ExecuteUpdateAsync(s => s
            .SetProperty(m => m.State, OutboxState.Dead).SetProperty(m => m.Attempts, 8).SetProperty(m => m.LastError, "HTTP 503"));
        return message.Id;
    }

    [Fact]
    public async Task Operators_see_the_jobs_and_the_runs_of_one_and_an_unknown_job_is_a_problem()
    {
        var admin = await Operator();
        var jobs = await (await admin.GetAsync("/api/admin/jobs")).Json(HttpStatusCode.OK);
        var cleanup = Assert.Single(jobs.EnumerateArray(), j => j.GetProperty("name").GetString() == "cleanup");
        Assert.Equal("recurring", cleanup.GetProperty("kind").GetString());
        Assert.Equal(3600, cleanup.GetProperty("intervalSeconds").GetInt64());
        await Eventually.True(async () => (await (await admin.GetAsync("/api/admin/jobs")).Json()).EnumerateArray()
            .Any(j => j.GetProperty("name").GetString() == "cleanup" && j.GetProperty("nextDueAt").ValueKind == System.Text.Json.JsonValueKind.String), "the host's scheduler wrote the schedule");

        Assert.Equal(System.Text.Json.JsonValueKind.Array, (await (await admin.GetAsync("/api/admin/jobs/cleanup/runs")).Json(HttpStatusCode.OK)).ValueKind);
        var problem = await (await admin.GetAsync("/api/admin/jobs/no-such-job/runs")).AssertProblem(HttpStatusCode.NotFound, "name", "jobs.job-not-found");
        Assert.Contains("没有这个任务", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Operators_see_a_dead_message_retry_it_once_and_an_unknown_one_is_not_found()
    {
        var admin = await Operator();
        var id = await DeadMessageAsync();
        var outbox = await (await admin.GetAsync("/api/admin/outbox")).Json(HttpStatusCode.OK);
        var channel = Assert.Single(outbox.GetProperty("channels").EnumerateArray(), c => c.GetProperty("channel").GetString() == "ops-test");
        Assert.True(channel.GetProperty("dead").GetInt64() >= 1);
        var dead = Assert.Single(outbox.GetProperty("dead").EnumerateArray(), m => m.GetProperty("id").GetGuid() == id);
        Assert.Equal("HTTP 503", dead.GetProperty("lastError").GetString());
        Assert.False(dead.TryGetProperty("payload", out _));

        var retried = await (await admin.PostAsync($"/api/admin/outbox/{id}/retry", null)).Json(HttpStatusCode.OK);
        Assert.Equal(("pending", 0), (retried.GetProperty("state").GetString(), retried.GetProperty("attempts").GetInt32()));
        await (await admin.PostAsync($"/api/admin/outbox/{id}/retry", null)).AssertProblem(HttpStatusCode.Conflict, "id", OutboxErrors.NotDead);
        await (await admin.PostAsync($"/api/admin/outbox/{Guid.CreateVersion7()}/retry", null)).AssertProblem(HttpStatusCode.NotFound, "id", OutboxErrors.MessageNotFound);

        // The operator's retry is in the audit log, once (the refused second try changed nothing and is not an act).
        await using var db = app.Service<IDbContextFactory<CityDbContext>>().CreateDbContext();
        var entry = Assert.Single(await db.AuditEntries.AsNoTracking().Where(e => e.Action == Core.Audit.AuditActions.OutboxRetried && e.ObjectId == id.ToString()).ToListAsync());
        Assert.Equal(Core.Audit.AuditActorKinds.Account, entry.ActorKind);
    }

    [Fact]
    public async Task The_pages_show_jobs_runs_and_dead_messages_and_retry_one_by_a_plain_form()
    {
        var anonymous = app.Browser();
        Assert.Equal(HttpStatusCode.Redirect, (await anonymous.GetAsync("/admin/jobs")).StatusCode);

        var browser = await app.English();
        await app.SignIn(browser, "13700000001");
        var jobs = await HtmlForms.Page(browser, "/admin/jobs");
        Assert.Contains("Background jobs", HtmlForms.Text(jobs, "h1"), StringComparison.Ordinal);
        Assert.Contains("Recurring, every 3600 s", HtmlForms.Text(jobs, "#job-cleanup"), StringComparison.Ordinal);
        await HtmlForms.Page(browser, "/admin/jobs?job=cleanup");
        await HtmlForms.Page(browser, "/admin/jobs?job=no-such-job", HttpStatusCode.NotFound);

        var id = await DeadMessageAsync();
        var outbox = await HtmlForms.Page(browser, "/admin/outbox");
        Assert.Contains("HTTP 503", HtmlForms.Text(outbox, $"#dead-{id}"), StringComparison.Ordinal);
        HtmlForms.AssertAccessibleForms(outbox);
        var done = await HtmlForms.Submit(browser, outbox, $"#retry-{id}", []);
        Assert.Equal($"/admin/outbox?retried={id}", HtmlForms.Location(done));
        var after = await HtmlForms.Page(browser, HtmlForms.Location(done));
        Assert.Contains("waiting to be delivered again", HtmlForms.Text(after, "#retried"), StringComparison.Ordinal);
        Assert.Null(after.QuerySelector($"#dead-{id}"));

        var again = await HtmlForms.Html(await HtmlForms.Submit(browser, outbox, $"#retry-{id}", []), HttpStatusCode.Conflict);
        Assert.Contains("Only a dead message", HtmlForms.Text(again, "#retry-error"), StringComparison.Ordinal);

        (await browser.GetAsync("/lang/zh?returnUrl=%2F")).Dispose(); // back to Chinese, the default
        Assert.Contains("后台任务", HtmlForms.Text(await HtmlForms.Page(browser, "/admin/jobs"), "h1"), StringComparison.Ordinal);
        Assert.Contains("已放弃投递的消息", HtmlForms.Text(await HtmlForms.Page(browser, "/admin/outbox"), "#dead-heading"), StringComparison.Ordinal);
    }
}

public sealed class OperationsTests_Sqlite(SqliteApp app) : OperationsTests(app), IClassFixture<SqliteApp>;

public sealed class OperationsTests_Postgres(PostgresApp app) : OperationsTests(app), IClassFixture<PostgresApp>;
