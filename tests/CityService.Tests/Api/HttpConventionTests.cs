using System.Net;
using System.Net.Http.Headers;
using System.Text;
using CityService.Tests.Infrastructure;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace CityService.Tests.Api;

/// <summary>Issue 7 §4: the HTTP conventions a user of the API (and of the pages) expects (ADR 013).</summary>
public abstract class HttpConventionTests(AppFixture app)
{
    private readonly HttpClient _client = app.Client();

    // --- framework-made problems: localized, our shape, Vary ---------------------------------------------------------

    public static TheoryData<string, string, string?, string?, int, string> FrameworkProblems => new()
    {
        { "GET", "/api/nothing-here", null, null, 404, "http.not-found" },
        { "POST", "/api/regions/330100", "{}", "application/json", 405, "http.method-not-allowed" },
        { "POST", "/api/auth/otp", "{\"phone\": ", "application/json", 400, "request.json-invalid" },
        { "POST", "/api/auth/otp", "phone=13800000000", "text/plain", 415, "http.unsupported-media-type" },
        { "GET", "/api/me", null, null, 401, "auth.required" },
    };

    [Theory]
    [MemberData(nameof(FrameworkProblems))]
    public async Task Framework_made_problems_are_localized_and_carry_the_extended_shape(string method, string url, string? body, string? type, int status, string code)
    {
        foreach (var (language, expected) in new[] { ((string?)null, "zh"), ("en", "en"), ("en-US,en;q=0.9", "en"), ("zh-CN", "zh") })
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), url);
            if (body is not null)
            {
                request.Content = new StringContent(body, Encoding.UTF8, type!);
                request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(type!);
            }

            if (language is not null)
            {
                request.Headers.TryAddWithoutValidation("Accept-Language", language);
            }

            var response = await _client.SendAsync(request);
            var json = await response.AssertProblem((HttpStatusCode)status, code: code);
            var messages = json.GetProperty("messages");
            Assert.Equal(messages.GetProperty(expected).GetString(), json.GetProperty("detail").GetString());
            Assert.False(string.IsNullOrWhiteSpace(json.GetProperty("traceId").GetString()));
            Assert.StartsWith("urn:cityservice:problem:", json.GetProperty("type").GetString(), StringComparison.Ordinal);
            Assert.Contains("Accept-Language", response.Headers.Vary);
        }
    }

    [Fact]
    public async Task Every_api_answer_varies_by_accept_language_and_pages_by_the_language_cookie()
    {
        Assert.Contains("Accept-Language", (await _client.GetAsync("/api/cities")).Headers.Vary);
        Assert.Contains("Accept-Language", (await _client.GetAsync("/api/regions/999999")).Headers.Vary);
        var page = await _client.GetAsync("/");
        Assert.Contains("Cookie", page.Headers.Vary);
        Assert.DoesNotContain("Accept-Language", page.Headers.Vary);
    }

    [Fact]
    public async Task A_401_names_the_bearer_scheme_and_signed_client_endpoints_name_the_signature_scheme()
    {
        var me = await _client.GetAsync("/api/me");
        await me.AssertProblem(HttpStatusCode.Unauthorized, code: "auth.required");
        Assert.Equal("Bearer", Assert.Single(me.Headers.WwwAuthenticate).Scheme);

        foreach (var url in new[] { "/api/clients/me" })
        {
            var client = await _client.GetAsync(url);
            await client.AssertProblem(HttpStatusCode.Unauthorized, code: "auth.required");
            Assert.Equal("Signature", Assert.Single(client.Headers.WwwAuthenticate).Scheme);
        }

        using var link = new StringContent("{}", Encoding.UTF8, "application/json");
        var channel = await _client.PostAsync("/api/channels/link", link);
        await channel.AssertProblem(HttpStatusCode.Unauthorized);
        Assert.Equal("Signature", Assert.Single(channel.Headers.WwwAuthenticate).Scheme);

        // A signed request that fails says why, with the same challenge.
        using var signed = new HttpRequestMessage(HttpMethod.Get, "/api/clients/me");
        signed.Headers.Add("X-CS-Client", "no-such-client");
        var unknown = await _client.SendAsync(signed);
        await unknown.AssertProblem(HttpStatusCode.Unauthorized, code: "auth.client-unknown");
        Assert.Equal("Signature", Assert.Single(unknown.Headers.WwwAuthenticate).Scheme);
    }

    // --- the error page ----------------------------------------------------------------------------------------------

    [Fact]
    public async Task A_page_form_without_its_antiforgery_token_says_the_form_expired_in_either_language()
    {
        // Sign-in and verification answer an expired form in the form itself (AccountPageTests); the other forms (here
        // signing out) get the error page that says so, with the way back to the form.
        foreach (var (lang, text) in new[] { ("zh-CN", "表单已过期，请重试"), ("en", "The form expired, please try again") })
        {
            using var form = new FormUrlEncodedContent(new Dictionary<string, string> { ["x"] = "1" });
            var response = await _client.PostAsync($"/signout?lang={lang}", form);
            var doc = await HtmlForms.Html(response, HttpStatusCode.BadRequest);
            Assert.Contains(text, HtmlForms.Text(doc, "#error-message"), StringComparison.Ordinal);
            Assert.False(string.IsNullOrWhiteSpace(HtmlForms.Text(doc, "#reference")));
            Assert.StartsWith("/signout", doc.QuerySelector("#form-again")?.GetAttribute("href"), StringComparison.Ordinal);
        }

        // A stale token (another browser's) is the same message, not "the service had a problem".
        var browser = app.Browser();
        await app.SignIn(browser, "13700007003");
        var page = await HtmlForms.Page(browser, "/signout");
        var other = app.Browser();
        var stale = await HtmlForms.Html(await HtmlForms.Submit(other, page, "#signout-form"), HttpStatusCode.BadRequest);
        Assert.Contains("表单已过期", HtmlForms.Text(stale, "#error-message"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_error_page_shows_a_reference_id()
    {
        var missing = await HtmlForms.Html(await _client.GetAsync("/city/330100/services/NO-SUCH-SERVICE"), HttpStatusCode.NotFound);
        var reference = HtmlForms.Text(missing, "#reference");
        Assert.False(string.IsNullOrWhiteSpace(reference));
        Assert.Contains("12345", HtmlForms.Text(missing, ".reference"), StringComparison.Ordinal);
        var another = await HtmlForms.Html(await _client.GetAsync("/city/330100/services/NO-SUCH-SERVICE"), HttpStatusCode.NotFound);
        Assert.NotEqual(reference, HtmlForms.Text(another, "#reference")); // one per request
    }

    // --- HEAD ----------------------------------------------------------------------------------------------------------

    [Theory]
    [InlineData("/api/cities")]
    [InlineData("/api/regions/330100/services?q=%E9%A9%BE%E9%A9%B6")]
    [InlineData("/api/regions/330100")]
    [InlineData("/healthz")]
    [InlineData("/")]
    [InlineData("/city/330100/services")]
    [InlineData("/robots.txt")]
    [InlineData("/openapi/v1.json")]
    public async Task Head_answers_like_get_without_a_body(string url)
    {
        var get = await _client.GetAsync(url);
        using var request = new HttpRequestMessage(HttpMethod.Head, url);
        var head = await _client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.Equal(get.StatusCode, head.StatusCode);
        Assert.Equal(get.Content.Headers.ContentType?.MediaType, head.Content.Headers.ContentType?.MediaType);
        if (get.Headers.ETag is { } etag)
        {
            Assert.Equal(etag, head.Headers.ETag);
        }
    }

    [Fact]
    public async Task Head_is_never_405_where_get_is_routed()
    {
        var endpoints = app.App.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<HttpMethodMetadata>() is not { } methods || methods.HttpMethods.Contains("GET"))
            .ToList();
        Assert.True(endpoints.Count > 20, $"only {endpoints.Count} GET endpoints found");
        var failures = new List<string>();
        foreach (var endpoint in endpoints)
        {
            var url = Sample(endpoint.RoutePattern);
            using var request = new HttpRequestMessage(HttpMethod.Head, url);
            var response = await _client.SendAsync(request);
            if (response.StatusCode == HttpStatusCode.MethodNotAllowed || (int)response.StatusCode >= 500)
            {
                failures.Add($"HEAD {url} ({endpoint.DisplayName}) → {(int)response.StatusCode}");
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    private static string Sample(Microsoft.AspNetCore.Routing.Patterns.RoutePattern pattern)
    {
        var segments = pattern.PathSegments.Select(s => string.Concat(s.Parts.Select(p => p switch
        {
            Microsoft.AspNetCore.Routing.Patterns.RoutePatternLiteralPart literal => literal.Content,
            Microsoft.AspNetCore.Routing.Patterns.RoutePatternSeparatorPart separator => separator.Content,
            Microsoft.AspNetCore.Routing.Patterns.RoutePatternParameterPart parameter => parameter.Name switch
            {
                "code" => "330100",
                "status" => "404",
                "department" => "PSB",
                _ when parameter.ParameterPolicies.Any(x => x.Content is "guid") => Guid.Empty.ToString(),
                _ when parameter.ParameterPolicies.Any(x => x.Content is "int") => "1",
                _ => "x",
            },
            _ => string.Empty,
        })));
        return "/" + string.Join("/", segments);
    }

    // --- compression, static assets ------------------------------------------------------------------------------------

    [Theory]
    [InlineData("br")]
    [InlineData("gzip")]
    public async Task Json_and_public_pages_are_compressed(string encoding)
    {
        foreach (var url in new[] { "/api/regions/330100/services", "/", "/api/regions/999999" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.AcceptEncoding.ParseAdd(encoding);
            var response = await _client.SendAsync(request);
            Assert.Equal([encoding], response.Content.Headers.ContentEncoding);
            Assert.Contains("Accept-Encoding", response.Headers.Vary);
        }
    }

    [Fact]
    public async Task Pages_with_a_form_token_or_for_a_signed_in_person_are_not_compressed()
    {
        // BREACH: a secret (antiforgery token, personal data) next to reflected input must not be compressed.
        using var signIn = new HttpRequestMessage(HttpMethod.Get, "/signin?returnUrl=%2Fme");
        signIn.Headers.AcceptEncoding.ParseAdd("br, gzip");
        var response = await _client.SendAsync(signIn);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(response.Content.Headers.ContentEncoding);

        var browser = app.Browser();
        await app.SignIn(browser, "13700007001");
        using var me = new HttpRequestMessage(HttpMethod.Get, "/me");
        me.Headers.AcceptEncoding.ParseAdd("br, gzip");
        var profile = await browser.SendAsync(me);
        Assert.Equal(HttpStatusCode.OK, profile.StatusCode);
        Assert.Empty(profile.Content.Headers.ContentEncoding);
        using var home = new HttpRequestMessage(HttpMethod.Get, "/city/330100/services");
        home.Headers.AcceptEncoding.ParseAdd("br, gzip");
        Assert.Empty((await browser.SendAsync(home)).Content.Headers.ContentEncoding); // signed in: no page is compressed
    }

    [Fact]
    public async Task Static_assets_are_fingerprinted_cached_immutably_and_served_precompressed()
    {
        var home = HtmlForms.Parse(await _client.GetStringAsync("/"));
        var css = home.QuerySelector("link[rel=stylesheet]")!.GetAttribute("href")!;
        var script = home.QuerySelector("script[src]")!.GetAttribute("src")!;
        var icons = home.QuerySelectorAll("link[rel=icon]").Select(l => l.GetAttribute("href")!).ToList();
        Assert.Matches(@"^/css/site\.[a-z0-9]{8,}\.css$", css);
        Assert.Matches(@"^/js/locate\.[a-z0-9]{8,}\.js$", script);
        Assert.Equal(2, icons.Count);
        foreach (var url in icons.Append(css).Append(script))
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.AcceptEncoding.ParseAdd("gzip");
            var response = await _client.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var cache = response.Headers.CacheControl!;
            Assert.True(cache.MaxAge >= TimeSpan.FromDays(365) && cache.Extensions.Any(e => e.Name == "immutable"), $"{url}: Cache-Control {cache}");
            if (!url.EndsWith(".ico", StringComparison.Ordinal))
            {
                Assert.Equal(["gzip"], response.Content.Headers.ContentEncoding);
            }
        }
    }

    [Fact]
    public async Task Favicon_and_robots_txt_are_served()
    {
        var ico = await _client.GetAsync("/favicon.ico");
        Assert.Equal(HttpStatusCode.OK, ico.StatusCode);
        var bytes = await ico.Content.ReadAsByteArrayAsync();
        Assert.Equal(new byte[] { 0, 0, 1, 0 }, bytes[..4]); // an ICO header
        var svg = await _client.GetAsync("/favicon.svg");
        Assert.Equal("image/svg+xml", svg.Content.Headers.ContentType?.MediaType);

        var robots = await _client.GetStringAsync("/robots.txt");
        var disallowed = robots.Split('\n').Where(l => l.StartsWith("Disallow:", StringComparison.Ordinal)).Select(l => l["Disallow:".Length..].Trim()).ToList();
        Assert.Contains("/api/", disallowed);
        Assert.Contains("/me", disallowed);
        Assert.DoesNotContain("/", disallowed); // the public pages stay findable
    }

    // --- security headers ----------------------------------------------------------------------------------------------

    [Theory]
    [InlineData("/")]
    [InlineData("/signin")]
    [InlineData("/api/cities")]
    [InlineData("/api/nothing-here")]
    [InlineData("/no-such-page")]
    [InlineData("/robots.txt")]
    [InlineData("/api-docs/index.html")]
    public async Task Every_response_carries_the_security_headers(string url)
    {
        var response = await _client.GetAsync(url);
        var csp = string.Join(",", response.Headers.GetValues("Content-Security-Policy"));
        var directives = csp.Split(';', StringSplitOptions.TrimEntries).ToDictionary(d => d.Split(' ')[0], d => d);
        Assert.Equal("script-src 'self'", directives["script-src"]);
        Assert.DoesNotContain("unsafe-inline", url.StartsWith("/api-docs", StringComparison.Ordinal) ? directives["script-src"] : csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-eval", csp, StringComparison.Ordinal);
        Assert.Equal("frame-ancestors 'none'", directives["frame-ancestors"]);
        Assert.Equal("object-src 'none'", directives["object-src"]);
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("same-origin", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
        Assert.Equal("DENY", Assert.Single(response.Headers.GetValues("X-Frame-Options")));
    }

    [Fact]
    public async Task No_page_has_an_inline_script_or_style()
    {
        foreach (var url in new[] { "/", "/city/330100/services", "/signin", "/locate", "/no-such-page" })
        {
            var doc = HtmlForms.Parse(await (await _client.GetAsync(url)).Content.ReadAsStringAsync());
            Assert.All(doc.QuerySelectorAll("script"), s => Assert.False(string.IsNullOrEmpty(s.GetAttribute("src")), $"{url}: inline <script>"));
            Assert.Empty(doc.QuerySelectorAll("style"));
            Assert.Empty(doc.QuerySelectorAll("[style]"));
            Assert.DoesNotContain(doc.All, e => e.Attributes.Any(a => a.Name.StartsWith("on", StringComparison.Ordinal)));
        }
    }
}

public sealed class HttpConventionTests_Sqlite(SqliteApp app) : HttpConventionTests(app), IClassFixture<SqliteApp>;

public sealed class HttpConventionTests_Postgres(PostgresApp app) : HttpConventionTests(app), IClassFixture<PostgresApp>;
