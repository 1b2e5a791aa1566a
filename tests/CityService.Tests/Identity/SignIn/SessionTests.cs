using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using CityService.Core.Storage;
using CityService.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static CityService.Tests.Infrastructure.HtmlForms;

namespace CityService.Tests.Identity.SignIn;

/// <summary>Server-side sessions (ADR 008): cookies and tokens end when their session ends, and the API never reads the page cookie.</summary>
public abstract class SessionTests(AppFixture app)
{
    private const string AndroidChrome = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36";
    private static int _next;

    private static string NewPhone() => "1385" + Interlocked.Increment(ref _next).ToString("0000000", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A bearer token by code; a second sign-in of the same phone waits out the one-code-a-minute limit first.</summary>
    private async Task<HttpClient> SignIn(string phone, string? userAgent = null)
    {
        var client = app.Client();
        if (userAgent is not null)
        {
            client.DefaultRequestHeaders.UserAgent.ParseAdd(userAgent);
        }

        app.Time.Advance(TimeSpan.FromSeconds(61));
        (await client.PostAsJsonAsync("/api/auth/otp", new { phone })).EnsureSuccessStatusCode();
        var verified = await (await client.PostAsJsonAsync("/api/auth/otp/verify", new { agreed = TestConsents.Agreed, phone, code = app.Sms.LastCodeFor(phone) })).Json();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", verified.GetProperty("accessToken").GetString());
        return client;
    }

    private static async Task<List<JsonElement>> Sessions(HttpClient client) =>
        [.. (await (await client.GetAsync("/api/me/sessions")).Json()).EnumerateArray()];

    private static async Task AssertEnded(HttpClient client) =>
        await (await client.GetAsync("/api/me")).AssertProblem(HttpStatusCode.Unauthorized, code: "auth.session-ended");

    /// <summary>Signs in through the page forms and returns the session cookie ("cs-session=…") as a browser would hold it.</summary>
    private async Task<(HttpClient Browser, string Cookie)> PageSession(string phone)
    {
        var browser = app.Browser();
        app.Time.Advance(TimeSpan.FromSeconds(61));
        var sent = await Html(await Submit(browser, await Page(browser, "/signin"), "#phone-form", new() { ["phone"] = phone, ["agree"] = "true" }), HttpStatusCode.OK);
        var signedIn = await Submit(browser, sent, "#code-form", new() { ["code"] = app.Sms.LastCodeFor(phone) });
        Assert.Equal("/me", Location(signedIn));
        var cookie = signedIn.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("cs-session=", StringComparison.Ordinal)).Split(';')[0];
        return (browser, cookie);
    }

    private HttpClient WithCookie(string cookie)
    {
        var client = app.Client();
        client.DefaultRequestHeaders.Add("Cookie", cookie);
        return client;
    }

    [Fact]
    public async Task A_cookie_copied_before_sign_out_no_longer_opens_pages_after_it()
    {
        var (browser, cookie) = await PageSession(NewPhone());
        var copy = WithCookie(cookie);
        Assert.Equal(HttpStatusCode.OK, (await copy.GetAsync("/me")).StatusCode);

        var signedOut = await Submit(browser, await Page(browser, "/me"), "#signout-form");
        Assert.Equal("/", Location(signedOut));

        var after = await copy.GetAsync("/me");
        Assert.Equal("/signin", new Uri(new Uri("http://localhost"), Location(after)).AbsolutePath);
        Assert.Equal(HttpStatusCode.Redirect, (await copy.GetAsync("/me/verify")).StatusCode);
    }

    [Fact]
    public async Task The_api_never_accepts_the_page_cookie()
    {
        var (_, cookie) = await PageSession(NewPhone());
        var copy = WithCookie(cookie);
        Assert.Equal(HttpStatusCode.OK, (await copy.GetAsync("/me")).StatusCode); // a live session ...
        await (await copy.GetAsync("/api/me")).AssertProblem(HttpStatusCode.Unauthorized); // ... that the API does not read
        await (await copy.GetAsync("/api/me/sessions")).AssertProblem(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_cookie_only_cross_site_post_to_the_face_challenge_is_401()
    {
        var (_, cookie) = await PageSession(NewPhone());
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/me/verification/face/challenge");
        request.Headers.Add("Cookie", cookie);
        request.Headers.Add("Origin", "https://evil.example");
        request.Headers.Add("Sec-Fetch-Site", "cross-site");
        request.Content = JsonContent.Create(new { });
        await (await app.Client().SendAsync(request)).AssertProblem(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_bearer_token_fails_after_its_own_sign_out_and_other_tokens_keep_working()
    {
        var phone = NewPhone();
        var first = await SignIn(phone);
        var second = await SignIn(phone);
        Assert.Equal(HttpStatusCode.NoContent, (await first.PostAsync("/api/auth/signout", null)).StatusCode);

        await AssertEnded(first);
        await (await first.PostAsync("/api/me/verification/face/challenge", null)).AssertProblem(HttpStatusCode.Unauthorized, code: "auth.session-ended");
        await (await first.PostAsync("/api/auth/signout", null)).AssertProblem(HttpStatusCode.Unauthorized, code: "auth.session-ended");
        Assert.Equal(HttpStatusCode.OK, (await second.GetAsync("/api/me")).StatusCode);
    }

    [Fact]
    public async Task Ending_the_other_sessions_ends_other_tokens_and_cookies_and_keeps_this_one()
    {
        var phone = NewPhone();
        var here = await SignIn(phone, AndroidChrome);
        var otherToken = await SignIn(phone);
        var (_, cookie) = await PageSession(phone);
        var otherCookie = WithCookie(cookie);
        Assert.Equal(3, (await Sessions(here)).Count);

        var ended = await (await here.PostAsync("/api/me/sessions/end-others", null)).Json();
        Assert.Equal(2, ended.GetProperty("ended").GetInt32());

        await AssertEnded(otherToken);
        Assert.Equal(HttpStatusCode.Redirect, (await otherCookie.GetAsync("/me")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await here.GetAsync("/api/me")).StatusCode);
        var left = Assert.Single(await Sessions(here));
        Assert.True(left.GetProperty("current").GetBoolean());
        Assert.Equal("Chrome · Android", left.GetProperty("device").GetString());
    }

    [Fact]
    public async Task The_list_shows_how_and_where_each_session_signed_in_and_never_the_phone()
    {
        var phone = NewPhone();
        var api = await SignIn(phone, AndroidChrome);
        await PageSession(phone);
        var list = await Sessions(api);
        Assert.Equal(2, list.Count);
        Assert.DoesNotContain(phone, JsonSerializer.Serialize(list), StringComparison.Ordinal);
        var mine = Assert.Single(list, s => s.GetProperty("current").GetBoolean());
        Assert.Equal("api", mine.GetProperty("kind").GetString());
        Assert.Equal("code", mine.GetProperty("method").GetString());
        Assert.Equal("Chrome · Android", mine.GetProperty("device").GetString());
        var page = Assert.Single(list, s => !s.GetProperty("current").GetBoolean());
        Assert.Equal("page", page.GetProperty("kind").GetString());
        Assert.True(page.GetProperty("id").GetString()!.Length >= 22); // 128 random bits
    }

    [Fact]
    public async Task One_session_can_be_ended_and_then_is_gone()
    {
        var phone = NewPhone();
        var here = await SignIn(phone);
        var other = await SignIn(phone);
        var id = (await Sessions(here)).Single(s => !s.GetProperty("current").GetBoolean()).GetProperty("id").GetString();

        Assert.Equal(HttpStatusCode.NoContent, (await here.DeleteAsync($"/api/me/sessions/{id}")).StatusCode);
        await AssertEnded(other);
        await (await here.DeleteAsync($"/api/me/sessions/{id}")).AssertProblem(HttpStatusCode.NotFound, code: "session.not-found");
        Assert.Single(await Sessions(here));
    }

    [Fact]
    public async Task Sessions_of_another_account_cannot_be_seen_or_ended()
    {
        var owner = await SignIn(NewPhone());
        var stranger = await SignIn(NewPhone());
        var id = (await Sessions(owner)).Single().GetProperty("id").GetString()!;

        Assert.DoesNotContain(await Sessions(stranger), s => s.GetProperty("id").GetString() == id);
        await (await stranger.DeleteAsync($"/api/me/sessions/{id}")).AssertProblem(HttpStatusCode.NotFound, code: "session.not-found");
        await (await stranger.DeleteAsync($"/api/me/sessions/{Uri.EscapeDataString("no-such-session")}")).AssertProblem(HttpStatusCode.NotFound);
        await stranger.PostAsync("/api/me/sessions/end-others", null);
        Assert.Equal(HttpStatusCode.OK, (await owner.GetAsync("/api/me")).StatusCode);
    }

    [Fact]
    public async Task Expired_sessions_are_not_listed_and_not_accepted()
    {
        var phone = NewPhone();
        var old = await SignIn(phone);
        app.Time.Advance(TimeSpan.FromMinutes(61)); // past the token's hour
        var fresh = await SignIn(phone);
        Assert.Single(await Sessions(fresh));
        Assert.Equal(HttpStatusCode.Unauthorized, (await old.GetAsync("/api/me")).StatusCode);

        // The server's expiry holds on its own, whatever the token says.
        await using (var scope = app.App.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<CityDbContext>();
            var past = app.Time.GetUtcNow().AddSeconds(-1);
            var id = (await Sessions(fresh)).Single().GetProperty("id").GetString();
            Assert.Equal(1, await db.Sessions.Where(s => s.Id == id).ExecuteUpdateAsync(u => u.SetProperty(s => s.ExpiresAt, past)));
        }

        await AssertEnded(fresh);
    }

    [Fact]
    public async Task Last_seen_is_written_at_most_once_per_five_minutes()
    {
        var client = await SignIn(NewPhone());
        var created = (await Sessions(client)).Single().GetProperty("createdAt").GetDateTimeOffset();
        app.Time.Advance(TimeSpan.FromMinutes(4));
        await client.GetAsync("/api/me");
        Assert.Equal(created, (await Sessions(client)).Single().GetProperty("lastSeenAt").GetDateTimeOffset());

        app.Time.Advance(TimeSpan.FromMinutes(2));
        var now = app.Time.GetUtcNow();
        await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => client.GetAsync("/api/me")));
        Assert.Equal(now, (await Sessions(client)).Single().GetProperty("lastSeenAt").GetDateTimeOffset());
    }

    [Fact]
    public async Task A_page_session_idle_for_its_timeout_is_not_accepted_even_with_the_cookie()
    {
        var (_, cookie) = await PageSession(NewPhone());
        app.Time.Advance(TimeSpan.FromMinutes(36));
        Assert.Equal(HttpStatusCode.Redirect, (await WithCookie(cookie).GetAsync("/me")).StatusCode);
    }

    [Fact]
    public async Task Staff_sessions_end_on_sign_out_too()
    {
        var staff = app.Client();
        var token = (await (await staff.PostAsJsonAsync("/api/auth/password", new { agreed = TestConsents.Agreed, phone = "13900000001", password = "demo-clerk-1" })).Json())
            .GetProperty("accessToken").GetString();
        staff.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        Assert.Equal(HttpStatusCode.OK, (await staff.GetAsync("/api/staff/me")).StatusCode);
        Assert.Contains(await Sessions(staff), s => s.GetProperty("method").GetString() == "password" && s.GetProperty("current").GetBoolean());

        Assert.Equal(HttpStatusCode.NoContent, (await staff.PostAsync("/api/auth/signout", null)).StatusCode);
        await (await staff.GetAsync("/api/staff/me")).AssertProblem(HttpStatusCode.Unauthorized, code: "auth.session-ended");
    }

    [Fact]
    public async Task Changing_the_phone_ends_every_session_of_the_account()
    {
        var phone = NewPhone();
        var here = await SignIn(phone);
        var other = await SignIn(phone);
        var newPhone = NewPhone();
        (await app.Client().PostAsJsonAsync("/api/auth/otp", new { phone = newPhone })).EnsureSuccessStatusCode();
        (await here.PostAsJsonAsync("/api/me/phone", new { phone = newPhone, code = app.Sms.LastCodeFor(newPhone) })).EnsureSuccessStatusCode();
        await AssertEnded(here);
        await AssertEnded(other);
        Assert.Single(await Sessions(await SignIn(newPhone)));
    }
}

public sealed class SessionTests_Sqlite(SqliteApp app) : SessionTests(app), IClassFixture<SqliteApp>;

public sealed class SessionTests_Postgres(PostgresApp app) : SessionTests(app), IClassFixture<PostgresApp>;
