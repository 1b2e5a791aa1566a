using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using CityService.Core.Storage;
using CityService.Testing;
using CityService.Tests.Infrastructure;
using CityService.Web.Features.Metrics;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace CityService.Tests.Metrics;

/// <summary>
/// The host of the metrics tests: the shared app fixture's host once more (same database, same captured texts) with a
/// scrape token, a reverse proxy on loopback, and the test's stand-in for peer addresses. Its meters start listening when
/// it starts, so all traffic the tests count goes through it.
/// </summary>
public abstract class MetricsHost(AppFixture app) : IAsyncLifetime
{
    public const string Token = "scrape-token-for-tests-0123456789abcdef";

    public AppFixture App => app;

    public WebApplicationFactory<Program> Host { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await app.InitializeAsync();
        Host = app.App.WithWebHostBuilder(b =>
        {
            b.UseSetting("Metrics:ScrapeToken", Token);
            b.UseSetting("ReverseProxy:KnownProxies:0", "127.0.0.1");
            b.ConfigureTestServices(PeerAddress.Add);
        });
        _ = Host.Server;
    }

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        await app.DisposeAsync();
    }

    public HttpClient Browser() => Host.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

    /// <summary>GET /metrics as it arrives from <paramref name="peer"/> (null: no network peer), with the given headers.</summary>
    public async Task<HttpResponseMessage> Scrape(string? peer, string? bearer = null, string? forwardedFor = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, MetricsSetup.Path);
        if (peer is not null)
        {
            request.Headers.Add(PeerAddress.Header, peer);
        }

        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        if (forwardedFor is not null)
        {
            request.Headers.Add("X-Forwarded-For", forwardedFor);
        }

        return await Host.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false }).SendAsync(request);
    }
}

public sealed class SqliteMetricsHost() : MetricsHost(new SqliteApp());

public sealed class PostgresMetricsHost() : MetricsHost(new PostgresApp());

/// <summary>Issue 9 §5: /metrics in the Prometheus text format, what it shows, who may read it, and promtool's verdict.</summary>
public abstract class MetricsTests(MetricsHost host)
{
    private const string Phone = "13600009001";

    [Fact]
    public async Task Metrics_show_requests_by_route_database_time_sign_ins_codes_and_cache_lookups_and_promtool_finds_no_problem()
    {
        var browser = host.Browser();
        for (var i = 0; i < 2; i++) // the second read of each is served from the caches
        {
            Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/city/330100/services")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/api/regions/330100/services")).StatusCode);
        }

        Assert.Equal(HttpStatusCode.NotFound, (await browser.GetAsync("/api/regions/330100/services/XX-9999")).StatusCode);
        await host.App.SignIn(browser, Phone);

        var response = await host.Scrape("127.0.0.1");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var type = response.Content.Headers.ContentType!;
        Assert.Equal("text/plain", type.MediaType);
        Assert.Contains(type.Parameters, p => p.Name == "version" && p.Value == "0.0.4");
        var text = await response.Content.ReadAsStringAsync();
        var kept = Directory.CreateDirectory(Path.Combine(Repository.Artifacts(), "metrics")).FullName; // to read what a scrape shows
        await File.WriteAllTextAsync(Path.Combine(kept, $"{host.App.Provider.ToString().ToLowerInvariant()}.txt"), text);
        var samples = text.Split('\n').Where(l => l.Length > 0 && l[0] != '#').ToList();

        // Requests by route template (never the path with its codes), method and status.
        AssertSample(samples, "http_server_request_duration_seconds_bucket{", "http_route=\"/api/regions/{code}/services\"", "http_response_status_code=\"200\"");
        AssertSample(samples, "http_server_request_duration_seconds_bucket{", "http_route=\"/api/regions/{code}/services/{serviceCode}\"", "http_response_status_code=\"404\"");
        AssertSample(samples, "http_server_request_duration_seconds_count{", "http_route=\"city/{code}/services\"");
        Assert.DoesNotContain(samples, s => s.Contains("http_route=", StringComparison.Ordinal) && s.Contains("330100", StringComparison.Ordinal));

        var provider = host.App.Provider == StorageProvider.Sqlite ? "sqlite" : "postgresql";
        AssertSample(samples, "cityservice_db_command_duration_seconds_bucket{", $"provider=\"{provider}\"", "operation=\"select\"", "outcome=\"succeeded\"");
        AssertSample(samples, "cityservice_db_command_duration_seconds_count{", $"provider=\"{provider}\"", "operation=\"insert\"");
        if (host.App.Provider == StorageProvider.Postgres)
        {
            AssertSample(samples, "db_client_operation_duration_seconds_count{"); // Npgsql's own
        }

        AssertSample(samples, "cityservice_signins_total{", "method=\"code\"", "outcome=\"succeeded\"");
        AssertSample(samples, "cityservice_codes_sent_total{", "purpose=\"sign-in\"");
        AssertSample(samples, "cityservice_cache_lookups_total{", "cache=\"catalog-snapshot\"", "result=\"hit\"");
        AssertSample(samples, "cityservice_cache_lookups_total{", "cache=\"catalog-answer\"", "result=\"hit\"");
        AssertSample(samples, "dotnet_gc_collections_total{");
        AssertSample(samples, "dotnet_thread_pool_threads{"); // dotnet.thread_pool.thread.count, without Prometheus's reserved _count
        Assert.DoesNotContain(Phone, text, StringComparison.Ordinal);

        var problems = await Promtool.CheckMetricsAsync(text);
        Assert.True(problems.Length == 0, "promtool check metrics:\n" + problems);
    }

    [Theory]
    [InlineData("127.0.0.1", null, null, HttpStatusCode.OK)]
    [InlineData("::1", null, null, HttpStatusCode.OK)]
    [InlineData("::ffff:127.0.0.1", null, null, HttpStatusCode.OK)]
    [InlineData("10.1.2.3", null, null, HttpStatusCode.NotFound)]
    [InlineData(null, null, null, HttpStatusCode.NotFound)]
    [InlineData("10.1.2.3", MetricsHost.Token, null, HttpStatusCode.OK)]
    [InlineData("10.1.2.3", "scrape-token-for-tests-0123456789abcdeX", null, HttpStatusCode.NotFound)]
    [InlineData("10.1.2.3", "scrape-token", null, HttpStatusCode.NotFound)]
    [InlineData("127.0.0.1", null, "203.0.113.9", HttpStatusCode.NotFound)] // a proxy on loopback forwarding for the internet
    [InlineData("10.1.2.3", null, "127.0.0.1", HttpStatusCode.NotFound)] // a forwarded header from someone who is not the proxy
    public async Task Only_allowed_addresses_or_the_scrape_token_read_the_metrics_and_everyone_else_gets_the_ordinary_404(
        string? peer, string? token, string? forwardedFor, HttpStatusCode expected)
    {
        var response = await host.Scrape(peer, token, forwardedFor);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(expected, response.StatusCode);
        if (expected == HttpStatusCode.NotFound)
        {
            var missing = await host.Browser().GetAsync("/no-such-page");
            Assert.Equal(missing.Content.Headers.ContentType?.MediaType, response.Content.Headers.ContentType?.MediaType);
            Assert.DoesNotContain("cityservice_", body, StringComparison.Ordinal);
        }
        else
        {
            Assert.Contains("# TYPE ", body, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_metrics_are_not_in_the_api_description()
    {
        var document = await host.Browser().GetStringAsync("/openapi/v1.json");
        Assert.Contains("/api/regions/{code}/services", document, StringComparison.Ordinal);
        Assert.DoesNotContain("\"/metrics\"", document, StringComparison.Ordinal);
    }

    [Fact]
    public void Console_log_lines_carry_the_trace_id_on_one_line()
    {
        var services = host.Host.Services;
        Assert.Equal(TraceConsoleFormatter.FormatterName, services.GetRequiredService<IOptionsMonitor<ConsoleLoggerOptions>>().CurrentValue.FormatterName);
        var formatter = services.GetServices<ConsoleFormatter>().Single(f => f.Name == TraceConsoleFormatter.FormatterName);

        using var activity = new Activity("request").Start();
        var writer = new StringWriter();
        formatter.Write(
            new LogEntry<string>(LogLevel.Warning, "CityService.Test", new EventId(7), "first line\nsecond line", null, (s, _) => s),
            null,
            writer);
        var line = writer.ToString();
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z warn CityService\.Test\[7\] trace=" + activity.TraceId.ToHexString() + " first line ⏎ second line\n$", line.ReplaceLineEndings("\n"));
    }

    private static void AssertSample(IReadOnlyList<string> samples, string prefix, params string[] labels)
    {
        var found = samples.Any(s => s.StartsWith(prefix, StringComparison.Ordinal) && labels.All(l => s.Contains(l, StringComparison.Ordinal)));
        Assert.True(found, $"no sample {prefix}{string.Join(",", labels)}… among:\n"
            + string.Join('\n', samples.Where(s => s.StartsWith(prefix[..prefix.IndexOf('_', StringComparison.Ordinal)], StringComparison.Ordinal)).Take(40)));
    }
}

public sealed class MetricsTests_Sqlite(SqliteMetricsHost host) : MetricsTests(host), IClassFixture<SqliteMetricsHost>;

public sealed class MetricsTests_Postgres(PostgresMetricsHost host) : MetricsTests(host), IClassFixture<PostgresMetricsHost>;

/// <summary>The settings and the operation label, without a host.</summary>
public sealed class MetricsSettingsTests
{
    [Theory]
    [InlineData("SELECT 1", "select")]
    [InlineData("  -- tag\n-- another\nselect a.id FROM accounts", "select")]
    [InlineData("INSERT INTO outbox_messages", "insert")]
    [InlineData("UPDATE t SET x = 1", "update")]
    [InlineData("delete from t", "delete")]
    [InlineData("PRAGMA foreign_keys", "other")]
    [InlineData("SELECTED", "other")]
    [InlineData("", "other")]
    public void A_command_is_labelled_with_its_first_keyword(string sql, string operation) =>
        Assert.Equal(operation, DbCommandMetrics.Operation(sql));

    [Fact]
    public void Without_settings_only_loopback_may_read()
    {
        var access = MetricsAccess.From(new ConfigurationBuilder().Build());
        Assert.Equal(MetricsAccess.Loopback, access.Networks);
    }

    [Theory]
    [InlineData("Metrics:AllowedNetworks", "10.0.0.0/33", "Metrics:AllowedNetworks: '10.0.0.0/33'")]
    [InlineData("Metrics:AllowedNetworks", "prometheus.internal", "Metrics:AllowedNetworks: 'prometheus.internal'")]
    [InlineData("Metrics:ScrapeToken", "short", "Metrics:ScrapeToken is shorter than 32 characters")]
    public void A_wrong_setting_stops_the_start_naming_it(string key, string value, string message)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection([new(key, value)]).Build();
        var error = Assert.Throws<InvalidOperationException>(() => MetricsAccess.From(configuration));
        Assert.StartsWith(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Several_networks_are_read_from_one_value()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection([new("Metrics:AllowedNetworks", "10.0.0.0/8, 192.168.1.0/24")]).Build();
        Assert.Equal(["10.0.0.0/8", "192.168.1.0/24"], MetricsAccess.From(configuration).Networks.Select(n => n.ToString()));
    }
}

/// <summary>Debian's promtool (package prometheus): <c>promtool check metrics</c> lints exposition text read from stdin.</summary>
public static class Promtool
{
    /// <summary>Everything promtool said (empty when it found nothing and exited 0); fails the test when it is not installed.</summary>
    public static async Task<string> CheckMetricsAsync(string exposition)
    {
        var path = Environment.GetEnvironmentVariable("PATH")?.Split(':').Select(d => Path.Combine(d, "promtool")).FirstOrDefault(File.Exists);
        Assert.True(path is not null, "promtool is not installed: scripts/test.sh installs it (Debian package prometheus: apt-get install prometheus).");
        var start = new ProcessStartInfo(path!, ["check", "metrics"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.StandardInput.WriteAsync(exposition);
        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        var said = ((await stdout) + (await stderr)).Trim();
        return process.ExitCode == 0 ? said : $"exit code {process.ExitCode}\n{said}";
    }
}
