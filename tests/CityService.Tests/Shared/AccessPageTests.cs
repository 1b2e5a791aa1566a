using System.Globalization;
using System.Net;
using AngleSharp.Html.Dom;
using CityService.Core.Identity.SignIn;
using CityService.Tests.Infrastructure;

namespace CityService.Tests.Shared;

/// <summary>
/// Issue 8 §6–7 as plain HTML: the elder-friendly mode switch, pages that Back never shows stale, the focus on the error
/// summary, breadcrumbs on every page below home, and a not-found page that says what was not found.
/// </summary>
public abstract class AccessPageTests(AppFixture app)
{
    private const string DeptAdmin = "13900000003"; // dept-admin, Hangzhou PSB (demo account)

    private static int _phone;

    private readonly HttpClient _client = app.Client(); // keeps cookies: a test that switches uses its own

    private static string NextPhone() => "151" + Interlocked.Increment(ref _phone).ToString("00000000", CultureInfo.InvariantCulture);

    private static async Task<IHtmlDocument> WithCookie(HttpClient client, string url, string cookie, HttpStatusCode status = HttpStatusCode.OK)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Add("Cookie", cookie);
        return await HtmlForms.Html(await client.SendAsync(request), status);
    }

    // --- the elder-friendly mode ---------------------------------------------------------------------------------------

    [Fact]
    public async Task The_elder_mode_switch_is_a_plain_link_remembered_for_a_year_and_comes_back_to_the_page()
    {
        var client = app.Client();
        var page = await HtmlForms.Page(client, "/city/330100/services?field=transportation");
        Assert.Null(page.DocumentElement.GetAttribute("class"));
        var link = page.QuerySelector("header a#display-switch")!;
        Assert.Equal("长辈版", link.TextContent.Trim());
        Assert.Equal("/display/elder?returnUrl=" + Uri.EscapeDataString("/city/330100/services?field=transportation"), link.GetAttribute("href"));

        var switched = await client.GetAsync(link.GetAttribute("href"));
        Assert.Equal(HttpStatusCode.Redirect, switched.StatusCode);
        Assert.Equal("/city/330100/services?field=transportation", switched.Headers.Location!.OriginalString);
        var setCookie = switched.Headers.GetValues("Set-Cookie").Single();
        Assert.StartsWith("cs-display=elder;", setCookie, StringComparison.Ordinal);
        Assert.Contains("max-age=31536000", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("httponly", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=lax", setCookie, StringComparison.OrdinalIgnoreCase);

        var elder = await WithCookie(_client, "/city/330100/services?field=transportation", setCookie.Split(';')[0]);
        Assert.Equal("elder", elder.DocumentElement.GetAttribute("class"));
        var back = elder.QuerySelector("header a#display-switch")!;
        Assert.Equal("标准版", back.TextContent.Trim());
        Assert.StartsWith("/display/standard?returnUrl=", back.GetAttribute("href"), StringComparison.Ordinal);

        var english = await WithCookie(_client, "/?lang=en", setCookie.Split(';')[0]);
        Assert.Equal("Standard", HtmlForms.Text(english, "#display-switch"));
        Assert.Equal("Large text", HtmlForms.Text(await HtmlForms.Page(_client, "/?lang=en"), "#display-switch"));

        var standard = await client.GetAsync("/display/standard?returnUrl=%2F");
        Assert.StartsWith("cs-display=standard;", standard.Headers.GetValues("Set-Cookie").Single(), StringComparison.Ordinal);
        Assert.Null((await WithCookie(_client, "/", "cs-display=standard")).DocumentElement.GetAttribute("class"));
    }

    [Theory]
    [InlineData("https://evil.example/")]
    [InlineData("//evil.example/")]
    [InlineData("/\\evil.example/")]
    public async Task The_elder_mode_switch_only_returns_to_local_addresses(string returnUrl)
    {
        var switched = await app.Client().GetAsync("/display/elder?returnUrl=" + Uri.EscapeDataString(returnUrl));
        Assert.Equal(HttpStatusCode.Redirect, switched.StatusCode);
        Assert.Equal("/", switched.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task An_unknown_display_mode_is_not_found_and_sets_no_cookie()
    {
        var response = await _client.GetAsync("/display/tiny?returnUrl=%2F");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.False(response.Headers.TryGetValues("Set-Cookie", out var cookies) && cookies.Any(c => c.StartsWith("cs-display", StringComparison.Ordinal)));
    }

    // --- no stale page after a switch ----------------------------------------------------------------------------------

    [Theory]
    [InlineData("/", HttpStatusCode.OK)]
    [InlineData("/city/330100/services/TR-0001", HttpStatusCode.OK)]
    [InlineData("/signin", HttpStatusCode.OK)]
    [InlineData("/no-such-page", HttpStatusCode.NotFound)]
    public async Task Html_pages_are_never_stored_so_back_after_a_switch_asks_the_server_again(string url, HttpStatusCode status)
    {
        var response = await _client.GetAsync(url);
        Assert.Equal(status, response.StatusCode);
        Assert.True(response.Headers.CacheControl?.NoStore, $"{url}: Cache-Control {response.Headers.CacheControl}");
        Assert.Contains("Cookie", response.Headers.Vary);
    }

    [Fact]
    public async Task Api_answers_and_static_files_keep_their_own_caching()
    {
        var json = await _client.GetAsync("/api/regions/330100/services");
        Assert.False(json.Headers.CacheControl?.NoStore ?? false);
        var css = await _client.GetAsync("/robots.txt");
        Assert.False(css.Headers.CacheControl?.NoStore ?? false);
    }

    // --- focus after a failed submit -----------------------------------------------------------------------------------

    [Fact]
    public async Task After_a_failed_submit_the_error_summary_takes_the_focus()
    {
        var browser = app.Browser();
        var start = await HtmlForms.Page(browser, "/signin");
        Assert.Null(start.QuerySelector("#error-summary"));
        var failed = await HtmlForms.Html(await HtmlForms.Submit(browser, start, "#phone-form", new() { ["phone"] = "12345", ["agree"] = "true" }), HttpStatusCode.OK);
        var summary = failed.QuerySelector("#error-summary")!;
        Assert.Equal("-1", summary.GetAttribute("tabindex"));
        Assert.True(summary.HasAttribute("autofocus"));
        Assert.Single(failed.QuerySelectorAll("[autofocus]"));
        Assert.Equal("#phone", summary.QuerySelector("a")!.GetAttribute("href"));
    }

    // --- breadcrumbs ---------------------------------------------------------------------------------------------------

    private static void AssertTrail(IHtmlDocument page, params string[] trail)
    {
        var crumbs = page.QuerySelectorAll("main nav.crumbs li").Select(li => li.TextContent.Trim()).ToArray();
        Assert.Equal(["首页", .. trail], crumbs);
        Assert.Equal(trail[^1], page.QuerySelector("main nav.crumbs [aria-current=page]")!.TextContent.Trim());
    }

    [Fact]
    public async Task Pages_below_home_show_their_breadcrumb_trail()
    {
        AssertTrail(await HtmlForms.Page(_client, "/staff/accept"), "接受工作人员邀请");
        AssertTrail(await HtmlForms.Page(_client, "/no-such-page", HttpStatusCode.NotFound), "没有找到");
        AssertTrail(await HtmlForms.Page(_client, "/city/330100/services/NO-SUCH", HttpStatusCode.NotFound), "杭州市", "没有找到");

        var citizen = app.Browser();
        Assert.Equal("/me", await app.SignIn(citizen, NextPhone()));
        AssertTrail(await HtmlForms.Page(citizen, "/me/sessions"), "我的账户", "登录设备");
        AssertTrail(await HtmlForms.Page(citizen, "/signout"), "退出登录");

        var admin = app.Browser();
        app.Time.Advance(OtpService.PhoneInterval); // the demo phone may have had a code from another test a moment ago
        await app.SignIn(admin, DeptAdmin);
        AssertTrail(await HtmlForms.Page(admin, "/admin/staff"), "人员管理");
    }

    // --- not found -----------------------------------------------------------------------------------------------------

    [Fact]
    public async Task An_unknown_service_code_says_so_and_offers_the_citys_search_and_the_way_back()
    {
        var page = await HtmlForms.Page(_client, "/city/330100/services/XX-9999", HttpStatusCode.NotFound);
        Assert.Equal("没有找到", HtmlForms.Text(page, "h1"));
        Assert.Equal("service", page.QuerySelector("#error-message")!.GetAttribute("data-missing"));
        Assert.Equal("杭州市没有编码为“XX-9999”的服务事项。", HtmlForms.Text(page, "#error-message"));
        var search = (IHtmlFormElement)page.QuerySelector("form#error-search")!;
        Assert.Equal("get", search.Method, ignoreCase: true);
        Assert.Equal("/city/330100/services", search.GetAttribute("action"));
        Assert.Equal("在杭州市搜索服务事项", HtmlForms.Text(page, "label[for=error-q]"));
        Assert.Equal("/?city=330100", page.QuerySelector("a#back-to-city")!.GetAttribute("href"));
        Assert.Equal("返回杭州市", HtmlForms.Text(page, "a#back-to-city"));
        Assert.Matches("^[0-9a-f]{32}$", HtmlForms.Text(page, "#reference"));
        HtmlForms.AssertAccessibleForms(page);

        var english = await HtmlForms.Page(_client, "/city/330100/services/XX-9999?lang=en", HttpStatusCode.NotFound);
        Assert.Equal("Not found", HtmlForms.Text(english, "h1"));
        Assert.Equal("Hangzhou has no service with the code “XX-9999”.", HtmlForms.Text(english, "#error-message"));
        Assert.Equal("Back to Hangzhou", HtmlForms.Text(english, "a#back-to-city"));
    }

    [Theory]
    [InlineData("/?city=999999", "999999")]
    [InlineData("/city/999999/services", "999999")]
    [InlineData("/city/999999/services/TR-0001", "999999")]
    [InlineData("/?city=330106", "330106")] // a district: the home page takes cities only
    public async Task An_unknown_city_code_says_so_and_offers_the_search_over_all_cities(string url, string code)
    {
        var page = await HtmlForms.Page(_client, url, HttpStatusCode.NotFound);
        Assert.Equal("city", page.QuerySelector("#error-message")!.GetAttribute("data-missing"));
        Assert.Equal($"没有编码为“{code}”的城市或区县。", HtmlForms.Text(page, "#error-message"));
        Assert.Equal("/", page.QuerySelector("form#error-search")!.GetAttribute("action"));
        Assert.Null(page.QuerySelector("a#back-to-city"));
        Assert.Equal("/", page.QuerySelector("a#choose-city")!.GetAttribute("href"));
        Assert.False(string.IsNullOrWhiteSpace(HtmlForms.Text(page, "#reference")));

        var english = await HtmlForms.Page(_client, url + (url.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "lang=en", HttpStatusCode.NotFound);
        Assert.Equal($"There is no city or county with the code “{code}”.", HtmlForms.Text(english, "#error-message"));
    }

    [Fact]
    public async Task An_unknown_page_names_the_address_and_uses_the_remembered_city()
    {
        var page = await HtmlForms.Page(_client, "/no-such-page", HttpStatusCode.NotFound);
        Assert.Equal("page", page.QuerySelector("#error-message")!.GetAttribute("data-missing"));
        Assert.Contains("“/no-such-page”", HtmlForms.Text(page, "#error-message"), StringComparison.Ordinal);
        Assert.Null(page.QuerySelector("a#back-to-city"));

        var remembered = await WithCookie(_client, "/no-such-page", "cs-city=330200", HttpStatusCode.NotFound);
        Assert.Equal("/?city=330200", remembered.QuerySelector("a#back-to-city")!.GetAttribute("href"));
        Assert.Equal("/city/330200/services", remembered.QuerySelector("form#error-search")!.GetAttribute("action"));

        // The address is the person's input: shown encoded and cut.
        var odd = await HtmlForms.Page(_client, "/" + new string('x', 300) + "%3Cb%3E", HttpStatusCode.NotFound);
        Assert.Null(odd.QuerySelector("main b"));
        Assert.True(HtmlForms.Text(odd, "#error-message").Length < 150);
    }

    [Fact]
    public async Task The_switches_on_a_not_found_page_come_back_to_the_address_that_failed()
    {
        var page = await HtmlForms.Page(_client, "/city/330100/services/XX-9999", HttpStatusCode.NotFound);
        var expected = Uri.EscapeDataString("/city/330100/services/XX-9999");
        Assert.Equal("/lang/en?returnUrl=" + expected, page.QuerySelector("#lang-switch")!.GetAttribute("href"));
        Assert.Equal("/display/elder?returnUrl=" + expected, page.QuerySelector("#display-switch")!.GetAttribute("href"));
    }
}

public sealed class AccessPageTests_Sqlite(SqliteApp app) : AccessPageTests(app), IClassFixture<SqliteApp>;

public sealed class AccessPageTests_Postgres(PostgresApp app) : AccessPageTests(app), IClassFixture<PostgresApp>;
