using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using CityService.Tests.Infrastructure;
using static CityService.Tests.Infrastructure.HtmlForms;

namespace CityService.Tests.Identity.SignIn;

/// <summary>The profile's "where you are signed in" section: plain forms, no JavaScript; ending sessions ends their cookies and tokens.</summary>
public abstract class SessionPageTests(AppFixture app)
{
    private static int _phone;

    private static string NextPhone() => "1386" + Interlocked.Increment(ref _phone).ToString("0000000", CultureInfo.InvariantCulture);

    private async Task<HttpClient> Browser(string phone)
    {
        app.Time.Advance(TimeSpan.FromSeconds(61)); // one code a minute per phone
        var browser = app.Browser();
        browser.DefaultRequestHeaders.UserAgent.ParseAdd("Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1");
        Assert.Equal("/me", await app.SignIn(browser, phone));
        return browser;
    }

    private async Task<HttpClient> Token(string phone)
    {
        app.Time.Advance(TimeSpan.FromSeconds(61));
        var client = app.Client();
        (await client.PostAsJsonAsync("/api/auth/otp", new { phone })).EnsureSuccessStatusCode();
        var verified = await (await client.PostAsJsonAsync("/api/auth/otp/verify", new { agreed = TestConsents.Agreed, phone, code = app.Sms.LastCodeFor(phone) })).Json();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", verified.GetProperty("accessToken").GetString());
        return client;
    }

    private static bool SignedOut(HttpResponseMessage response) =>
        response.StatusCode == HttpStatusCode.Redirect && response.Headers.Location!.OriginalString.StartsWith("/signin", StringComparison.Ordinal);

    [Fact]
    public async Task The_profile_lists_the_sessions_and_marks_this_device()
    {
        var phone = NextPhone();
        var here = await Browser(phone);
        await Token(phone);
        var me = await Page(here, "/me");
        var items = me.QuerySelectorAll("#sessions li");
        Assert.Equal(2, items.Length);
        var current = Assert.Single(items, li => li.ClassList.Contains("current"));
        Assert.Contains("本设备", current.TextContent, StringComparison.Ordinal);
        Assert.Equal("Safari · iOS", current.QuerySelector(".device")!.TextContent.Trim());
        Assert.Contains("网页 · 短信验证码", current.TextContent, StringComparison.Ordinal);
        Assert.Null(current.QuerySelector("form")); // this device signs out with the sign-out button
        var other = Assert.Single(items, li => !li.ClassList.Contains("current"));
        Assert.Equal("api", other.GetAttribute("data-kind"));
        Assert.NotNull(other.QuerySelector("form.end-session-form input[name=__RequestVerificationToken]"));
        Assert.DoesNotContain(phone, me.DocumentElement.OuterHtml, StringComparison.Ordinal);
        AssertAccessibleForms(me);
    }

    [Fact]
    public async Task Signing_out_everywhere_else_ends_the_other_cookie_and_tokens_and_keeps_this_one()
    {
        var phone = NextPhone();
        var here = await Browser(phone);
        var otherBrowser = await Browser(phone);
        var token = await Token(phone);

        var done = await Submit(here, await Page(here, "/me"), "#end-others-form");
        Assert.Equal("/me#sessions", Location(done));

        Assert.True(SignedOut(await otherBrowser.GetAsync("/me")));
        await (await token.GetAsync("/api/me")).AssertProblem(HttpStatusCode.Unauthorized, code: "auth.session-ended");
        var me = await Page(here, "/me");
        Assert.Single(me.QuerySelectorAll("#sessions li"));
        Assert.NotNull(me.QuerySelector("#no-other-sessions"));
        Assert.Null(me.QuerySelector("#end-others-form"));
    }

    [Fact]
    public async Task One_other_session_can_be_ended_from_the_profile()
    {
        var phone = NextPhone();
        var here = await Browser(phone);
        var other = await Browser(phone);
        var me = await Page(here, "/me");
        Assert.Equal("/me#sessions", Location(await Submit(here, me, "#sessions li:not(.current) form.end-session-form")));
        Assert.True(SignedOut(await other.GetAsync("/me")));
        Assert.Equal(HttpStatusCode.OK, (await here.GetAsync("/me")).StatusCode);

        // The same form again (the session is gone) is a 404 page, not an error.
        Assert.Equal(HttpStatusCode.NotFound, (await Submit(here, me, "#sessions li:not(.current) form.end-session-form")).StatusCode);
    }

    [Fact]
    public async Task A_session_of_another_account_cannot_be_ended_from_the_profile()
    {
        var victimPhone = NextPhone();
        var victim = await Browser(victimPhone);
        var victimToken = await Token(victimPhone);
        var victimSessionId = (await (await victimToken.GetAsync("/api/me/sessions")).Json()).EnumerateArray().First().GetProperty("id").GetString()!;

        var attacker = await Browser(NextPhone());
        var page = await Page(attacker, "/signout"); // any form of the page gives a valid antiforgery token
        var antiforgery = page.QuerySelector($"#signout-form input[name={AntiforgeryField}]")!.GetAttribute("value")!;
        var posted = await attacker.PostAsync("/me/sessions?handler=End", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            [AntiforgeryField] = antiforgery, ["id"] = victimSessionId,
        }));
        Assert.Equal(HttpStatusCode.NotFound, posted.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await victimToken.GetAsync("/api/me")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await victim.GetAsync("/me")).StatusCode);
    }

    [Fact]
    public async Task Ending_sessions_needs_the_antiforgery_token()
    {
        var phone = NextPhone();
        var here = await Browser(phone);
        var other = await Browser(phone);
        Assert.Equal(HttpStatusCode.BadRequest, (await Submit(here, await Page(here, "/me"), "#end-others-form", withToken: false)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await other.GetAsync("/me")).StatusCode);
    }
}

public sealed class SessionPageTests_Sqlite(SqliteApp app) : SessionPageTests(app), IClassFixture<SqliteApp>;

public sealed class SessionPageTests_Postgres(PostgresApp app) : SessionPageTests(app), IClassFixture<PostgresApp>;
