using System.Net;
using System.Net.Http.Json;
using CityService.Core.Identity;
using CityService.Core.Identity.SignIn;
using CityService.Core.Storage;
using CityService.Tests.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CityService.Tests.Api;

/// <summary>Conventions that need a host configured for them: a bug provoked on purpose, and a reverse proxy in front.</summary>
public abstract class HttpHostConventionTests(HostDatabase database)
{
    private const string Proxy = "10.0.0.5";

    // --- an unhandled exception: HTML error page for pages, a problem for the API, with the same reference --------------

    [Fact]
    public async Task A_bug_in_the_api_is_a_500_problem_with_a_reference_the_log_records()
    {
        await using var host = ThrowingHost();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/me");
        request.Headers.Add(ThrowingHandler.Header, "1");
        request.Headers.Add("Accept-Language", "en");
        var response = await host.CreateClient().SendAsync(request);
        var json = await response.AssertProblem(HttpStatusCode.InternalServerError, code: "server.error");
        Assert.StartsWith("Something went wrong", json.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(ThrowingHandler.Secret, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var reference = json.GetProperty("traceId").GetString()!;
        Assert.Contains(host.Logs.GetSnapshot(), e => e.Level == LogLevel.Error && e.Message.Contains(reference, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_bug_in_a_page_answers_the_html_error_page_with_the_reference_the_log_records()
    {
        await using var host = ThrowingHost();
        foreach (var method in new[] { HttpMethod.Get, HttpMethod.Post })
        {
            using var request = new HttpRequestMessage(method, "/me/sessions");
            request.Headers.Add(ThrowingHandler.Header, "1");
            var response = await host.CreateClient(new() { AllowAutoRedirect = false }).SendAsync(request);
            var doc = await HtmlForms.Html(response, HttpStatusCode.InternalServerError);
            Assert.Contains("服务暂时出现问题", HtmlForms.Text(doc, "#error-message"), StringComparison.Ordinal);
            var reference = HtmlForms.Text(doc, "#reference");
            Assert.False(string.IsNullOrWhiteSpace(reference));
            Assert.Contains(host.Logs.GetSnapshot(), e => e.Level == LogLevel.Error && e.Message.Contains(reference, StringComparison.Ordinal));
            Assert.DoesNotContain(ThrowingHandler.Secret, doc.DocumentElement.OuterHtml, StringComparison.Ordinal);
        }
    }

    private ConfiguredHost ThrowingHost() =>
        new(database.Storage, "Testing", [], services => services.AddSingleton<IAuthorizationHandler, ThrowingHandler>());

    /// <summary>A bug on request: any authorization check of a request with the header throws (test hosts only).</summary>
    private sealed class ThrowingHandler : IAuthorizationHandler
    {
        public const string Header = "X-Test-Throw";
        public const string Secret = "internal detail that must not leak";

        public Task HandleAsync(AuthorizationHandlerContext context) =>
            context.Resource is HttpContext http && http.Request.Headers.ContainsKey(Header)
                ? throw new InvalidOperationException(Secret)
                : Task.CompletedTask;
    }

    // --- behind a reverse proxy -------------------------------------------------------------------------------------------

    [Fact]
    public async Task From_a_configured_proxy_the_forwarded_address_and_scheme_are_used()
    {
        await using var host = ProxiedHost();
        var client = "203.0.113." + Random.Shared.Next(1, 250).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var signIn = await Send(host, Proxy, "GET", "/signin", ("X-Forwarded-For", client), ("X-Forwarded-Proto", "https"));
        Assert.Equal(200, (int)signIn.StatusCode);
        Assert.Contains("secure", string.Join(";", signIn.Headers.TryGetValues("Set-Cookie", out var c) ? c : []), StringComparison.OrdinalIgnoreCase); // the antiforgery cookie

        var password = await Send(host, Proxy, "POST", "/api/auth/password", ("X-Forwarded-For", client), ("Content-Type", "application/json"));
        var answer = await Body(password);
        Assert.True((int)password.StatusCode == 400 && answer.Contains("auth.password-invalid", StringComparison.Ordinal), answer); // counted against the client
        Assert.Equal(1, await LimitHits(host, client));
        Assert.Equal(0, await LimitHits(host, Proxy));
    }

    [Fact]
    public async Task From_any_other_peer_the_forwarded_headers_are_ignored()
    {
        await using var host = ProxiedHost();
        const string peer = "198.51.100.20";
        var client = "203.0.113." + Random.Shared.Next(1, 250).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var signIn = await Send(host, peer, "GET", "/signin", ("X-Forwarded-For", client), ("X-Forwarded-Proto", "https"));
        Assert.Equal(200, (int)signIn.StatusCode);
        Assert.DoesNotContain("secure", string.Join(";", signIn.Headers.TryGetValues("Set-Cookie", out var c) ? c : []), StringComparison.OrdinalIgnoreCase);

        var before = await LimitHits(host, peer);
        var password = await Send(host, peer, "POST", "/api/auth/password", ("X-Forwarded-For", client), ("Content-Type", "application/json"));
        var answer = await Body(password);
        Assert.True((int)password.StatusCode == 400 && answer.Contains("auth.password-invalid", StringComparison.Ordinal), answer);
        Assert.Equal(0, await LimitHits(host, client));
        Assert.Equal(before + 1, await LimitHits(host, peer));
    }

    [Fact]
    public async Task Without_configured_proxies_forwarded_headers_are_ignored_even_from_loopback()
    {
        await using var host = new ConfiguredHost(database.Storage, "Testing", [], WithPeers);
        var signIn = await Send(host, "127.0.0.1", "GET", "/signin", ("X-Forwarded-For", "203.0.113.9"), ("X-Forwarded-Proto", "https"));
        Assert.Equal(200, (int)signIn.StatusCode);
        Assert.DoesNotContain("secure", string.Join(";", signIn.Headers.TryGetValues("Set-Cookie", out var c) ? c : []), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task In_production_https_forwarded_by_a_configured_network_is_served_and_from_elsewhere_redirected()
    {
        await using var host = new ConfiguredHost(database.Storage, "Production", ConfiguredHost.Production(("ReverseProxy:KnownNetworks:0", "10.0.0.0/24")), WithPeers);
        Assert.Null(host.StartFailure());
        var proxied = await Send(host, "10.0.0.77", "GET", "/", ("X-Forwarded-Proto", "https"), ("Host", "city.example"));
        Assert.Equal(200, (int)proxied.StatusCode);
        Assert.True(proxied.Headers.Contains("Strict-Transport-Security"));

        var direct = await Send(host, "10.0.1.77", "GET", "/", ("X-Forwarded-Proto", "https"), ("Host", "city.example"));
        Assert.Equal(308, (int)direct.StatusCode);
        Assert.Equal("https://city.example/", direct.Headers.Location?.ToString());
    }

    [Theory]
    [InlineData("ReverseProxy:KnownProxies:0", "not-an-address", "ReverseProxy:KnownProxies")]
    [InlineData("ReverseProxy:KnownNetworks:0", "10.0.0.0/99", "ReverseProxy:KnownNetworks")]
    public async Task A_malformed_proxy_setting_stops_the_start_naming_it(string key, string value, string named)
    {
        await using var host = new ConfiguredHost(database.Storage, "Testing", new() { [key] = value });
        var failure = host.StartFailure();
        Assert.True(failure?.Contains(named, StringComparison.Ordinal) == true, failure ?? "(started)");
    }

    private ConfiguredHost ProxiedHost() => new(database.Storage, "Testing", new() { ["ReverseProxy:KnownProxies:0"] = Proxy }, WithPeers);

    private static void WithPeers(IServiceCollection services) => PeerAddress.Add(services);

    /// <summary>A request as it arrives from <paramref name="peer"/>: the host's first middleware (test only) sets the connection's address.</summary>
    private static async Task<HttpResponseMessage> Send(ConfiguredHost host, string peer, string method, string path, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        request.Headers.Add(PeerAddress.Header, peer);
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        if (method == "POST")
        {
            request.Content = JsonContent.Create(new { agreed = TestConsents.Agreed, phone = "13700007" + Random.Shared.Next(100, 999).ToString(System.Globalization.CultureInfo.InvariantCulture), password = "wrong-passw0rd" });
        }

        return await host.CreateClient(new() { AllowAutoRedirect = false }).SendAsync(request);
    }

    private static Task<string> Body(HttpResponseMessage response) => response.Content.ReadAsStringAsync();

    private static async Task<int> LimitHits(ConfiguredHost host, string address)
    {
        var index = host.Services.GetRequiredService<PersonalDataProtector>().BlindIndex(address, "client-address");
        await using var db = await host.Services.GetRequiredService<IDbContextFactory<CityDbContext>>().CreateDbContextAsync();
        return await db.Set<ClientLimitHit>().CountAsync(h => h.ClientIndex == index && h.Purpose == "password");
    }
}

public sealed class HttpHostConventionTests_Sqlite(SqliteHostDatabase database) : HttpHostConventionTests(database), IClassFixture<SqliteHostDatabase>;

public sealed class HttpHostConventionTests_Postgres(PostgresHostDatabase database) : HttpHostConventionTests(database), IClassFixture<PostgresHostDatabase>;
