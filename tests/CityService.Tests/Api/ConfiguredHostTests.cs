using System.Net;
using CityService.Core.Storage;
using CityService.Testing;
using CityService.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;

namespace CityService.Tests.Api;

/// <summary>The real host in an environment and with settings a test chooses (e.g. Production), on a fixture's database.</summary>
public sealed class ConfiguredHost(
    StorageSettings storage, string environment, Dictionary<string, string?> settings, Action<IServiceCollection>? services = null) : WebApplicationFactory<Program>
{
    /// <summary>Settings a Production host needs to start: public address, host names, registry, SMS gateway, mail server, and who runs the site.</summary>
    public static Dictionary<string, string?> Production(params (string Key, string? Value)[] changes)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Site:PublicBaseUrl"] = "https://city.example",
            ["AllowedHosts"] = "city.example",
            ["Sms:Endpoint"] = "https://sms.example/",
            ["Sms:AccessKeyId"] = "cityservice",
            ["Sms:AccessKeySecret"] = "c2VjcmV0c2VjcmV0c2VjcmV0",
            ["Sms:SignName"] = "城市服务",
            ["Sms:TemplateCode"] = "SMS_000000001",
            ["Email:Host"] = "smtp.city.example",
            ["Email:FromAddress"] = "noreply@city.example",
            ["Audit:SigningKey"] = Audit.AuditTamper.SigningKeyPem,
            ["Registry:BaseUrl"] = "https://registry.example/",
            ["Registry:ClientId"] = "cityservice",
            ["Registry:Secret"] = "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI=",
            ["Site:OperatorZh"] = "测试市人民政府办公室",
            ["Site:OperatorEn"] = "General Office of the Test City Government",
            ["Site:Icp"] = "测ICP备00000001号",
            ["Site:SiteCode"] = "9901000001",
            ["Payments:Channels:Alipay:AppId"] = "2021000000000001",
            ["Payments:Channels:Alipay:PrivateKey"] = AlipayTestKey.Value.ExportPkcs8PrivateKeyPem(),
            ["Payments:Channels:Alipay:AlipayPublicKey"] = AlipayTestKey.Value.ExportSubjectPublicKeyInfoPem(),
            ["Payments:Channels:WeChatPay:MchId"] = "1900000109",
            ["Payments:Channels:WeChatPay:AppId"] = "wxd678efh567hg6787",
            ["Payments:Channels:WeChatPay:MerchantSerial"] = "3775B6A45ACD588826D15E583A95F5DD12345678",
            ["Payments:Channels:WeChatPay:PrivateKey"] = Payments.WeChatPay.WeChatPayProtocolTests.TestMerchantKey,
            ["Payments:Channels:WeChatPay:ApiV3Key"] = "0123456789abcdef0123456789abcdef",
            ["Payments:Channels:WeChatPay:PlatformPublicKey"] = Payments.WeChatPay.WeChatPayProtocolTests.TestPlatformPublicKey,
            ["Payments:Channels:WeChatPay:PlatformSerial"] = "PUB_KEY_ID_0114232134912410000000000000",
            ["Payments:Channels:WeChatPay:BaseUrl"] = "https://api.mch.weixin.qq.com/",
        };
        foreach (var (key, value) in changes)
        {
            settings[key] = value;
        }

        return settings;
    }

    /// <summary>One RSA key for every Production host of the run (TEST ONLY): as our app key and as "Alipay's".</summary>
    private static readonly Lazy<System.Security.Cryptography.RSA> AlipayTestKey = new(() => System.Security.Cryptography.RSA.Create(2048));

    private readonly FakeLoggerProvider _logs = new(new FakeLogCollector(Options.Create(new FakeLogCollectorOptions
    {
        FilteredLevels = { LogLevel.Information, LogLevel.Warning, LogLevel.Error, LogLevel.Critical },
    })));

    /// <summary>The host's log entries, Information and above.</summary>
    public FakeLogCollector Logs => _logs.Collector;

    /// <summary>Starts the host; returns the start-up failure's messages (outer to inner), or null when it started.</summary>
    public string? StartFailure()
    {
        try
        {
            _ = Server;
            return null;
        }
        catch (Exception ex)
        {
            var messages = new List<string>();
            for (Exception? e = ex; e is not null; e = e.InnerException)
            {
                messages.Add(e.Message);
            }

            return string.Join(" | ", messages);
        }
    }

    public HttpClient Https() => CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("https://city.example"), AllowAutoRedirect = false });

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseTestDefaults(storage);
        builder.UseEnvironment(environment);
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureLogging(logging => logging.AddProvider(_logs));
        if (services is not null)
        {
            builder.ConfigureTestServices(services);
        }
    }
}

/// <summary>One migrated database shared by the hosts a test class starts.</summary>
public abstract class HostDatabase(StorageProvider provider) : IAsyncLifetime
{
    private TestDatabase? _database;

    public StorageSettings Storage => _database!.Settings;

    public async Task InitializeAsync() => _database = await TestDatabase.CreateAsync(provider);

    public async Task DisposeAsync() => await _database!.DisposeAsync();
}

public sealed class SqliteHostDatabase() : HostDatabase(StorageProvider.Sqlite);

public sealed class PostgresHostDatabase() : HostDatabase(StorageProvider.Postgres);

/// <summary>Issue 6 §0 (simulators only where chosen) and §2 (the host's public face in Production).</summary>
public abstract class ConfiguredHostTests(HostDatabase database)
{
    private ConfiguredHost Host(string environment, Dictionary<string, string?> settings) => new(database.Storage, environment, settings);

    [Fact]
    public async Task A_production_host_without_registry_settings_refuses_to_start_naming_them()
    {
        await using var host = Host("Production", ConfiguredHost.Production(("Registry:BaseUrl", null), ("Registry:ClientId", null), ("Registry:Secret", null)));
        var failure = host.StartFailure();
        Assert.NotNull(failure);
        Assert.Contains("Registry:BaseUrl, Registry:ClientId, Registry:Secret", failure, StringComparison.Ordinal);
        Assert.Contains("Registry:Mode=Simulator", failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_production_host_without_wechatpay_settings_refuses_to_start_naming_them()
    {
        await using var host = Host("Production", ConfiguredHost.Production(("Payments:Channels:WeChatPay:ApiV3Key", null), ("Payments:Channels:WeChatPay:PlatformSerial", null)));
        var failure = host.StartFailure();
        Assert.NotNull(failure);
        Assert.Contains("set Payments:Channels:WeChatPay:ApiV3Key, Payments:Channels:WeChatPay:PlatformSerial;", failure, StringComparison.Ordinal);
        Assert.Contains("Payments:Channels:WeChatPay:Mode=Simulator", failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_production_host_missing_one_registry_setting_names_just_that_one()
    {
        await using var host = Host("Production", ConfiguredHost.Production(("Registry:Secret", "")));
        var failure = host.StartFailure();
        Assert.NotNull(failure);
        Assert.Contains("set Registry:Secret;", failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_production_host_with_registry_settings_starts_without_simulator()
    {
        await using var host = Host("Production", ConfiguredHost.Production());
        Assert.Null(host.StartFailure());
        Assert.Equal("ok", await host.Https().GetStringAsync("/healthz"));
        Assert.DoesNotContain(host.Logs.GetSnapshot(), e => e.Message.Contains("Registry uses its SIMULATOR", StringComparison.Ordinal));
        Assert.IsType<Core.Identity.Verification.Registry.HttpPopulationRegistry>(host.Services.GetRequiredService<Core.Identity.Verification.Registry.IPopulationRegistry>());
    }

    [Fact]
    public async Task A_production_host_with_the_registry_simulator_chosen_starts_and_warns()
    {
        await using var host = Host("Production", ConfiguredHost.Production(
            ("Registry:Mode", "Simulator"), ("Registry:BaseUrl", null), ("Registry:ClientId", null), ("Registry:Secret", null)));
        Assert.Null(host.StartFailure());
        Assert.Contains(host.Logs.GetSnapshot(), e => e.Level == LogLevel.Warning && e.Message.Contains("Registry uses its SIMULATOR (Registry:Mode=Simulator)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_production_host_without_an_audit_signing_key_refuses_to_start()
    {
        await using var host = Host("Production", ConfiguredHost.Production(("Audit:SigningKey", null)));
        Assert.Contains("Audit:SigningKey is not set", host.StartFailure(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_production_host_without_the_sms_gateway_refuses_to_start()
    {
        await using var host = Host("Production", ConfiguredHost.Production(("Sms:Endpoint", null), ("Sms:AccessKeySecret", "")));
        var failure = host.StartFailure();
        Assert.Contains("Sms is not configured: set Sms:Endpoint, Sms:AccessKeySecret", failure, StringComparison.Ordinal);
        Assert.Contains("Sms:Mode=Simulator", failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_production_host_without_the_alipay_keys_refuses_to_start()
    {
        await using var host = Host("Production", ConfiguredHost.Production(("Payments:Channels:Alipay:PrivateKey", null), ("Payments:Channels:Alipay:AlipayPublicKey", "")));
        var failure = host.StartFailure();
        Assert.Contains("Payments:Channels:Alipay is not configured: set Payments:Channels:Alipay:PrivateKey, Payments:Channels:Alipay:AlipayPublicKey", failure, StringComparison.Ordinal);
        Assert.Contains("Payments:Channels:Alipay:Mode=Simulator", failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_production_host_without_a_mail_server_refuses_to_start()
    {
        await using var host = Host("Production", ConfiguredHost.Production(("Email:Host", null)));
        Assert.Contains("Email is not configured: set Email:Host", host.StartFailure(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_development_host_uses_the_simulators_and_warns()
    {
        await using var host = Host("Development", new() { ["Registry:Mode"] = null });
        Assert.Null(host.StartFailure());
        Assert.Contains(host.Logs.GetSnapshot(), e => e.Level == LogLevel.Warning && e.Message.Contains("Registry uses its SIMULATOR (the Development environment)", StringComparison.Ordinal));
        Assert.Contains(host.Logs.GetSnapshot(), e => e.Level == LogLevel.Warning && e.Message.Contains("Sms uses its SIMULATOR (the Development environment)", StringComparison.Ordinal));
        Assert.Contains(host.Logs.GetSnapshot(), e => e.Level == LogLevel.Warning && e.Message.Contains("Email uses its SIMULATOR (the Development environment)", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("Site:PublicBaseUrl", null, "Site:PublicBaseUrl is required")]
    [InlineData("Site:PublicBaseUrl", "http://city.example", "must be an absolute https URL")]
    [InlineData("AllowedHosts", "*", "AllowedHosts must name")]
    [InlineData("AllowedHosts", "city.example;*", "AllowedHosts must name")]
    [InlineData("Site:OperatorZh", null, "Site:OperatorZh is required in Production")]
    [InlineData("Site:Icp", "", "Site:Icp is required in Production")]
    [InlineData("Site:SiteCode", null, "Site:SiteCode is required in Production")]
    [InlineData("Site:Logo", "<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>", "Site:Logo has the attribute 'onload'")]
    public async Task A_production_host_without_its_public_address_host_names_or_operator_refuses_to_start(string key, string? value, string message)
    {
        await using var host = Host("Production", ConfiguredHost.Production((key, value)));
        Assert.Contains(message, host.StartFailure(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Production_sends_hsts_over_https_and_redirects_http_to_the_public_address()
    {
        await using var host = Host("Production", ConfiguredHost.Production());
        var https = await host.Https().GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, https.StatusCode);
        Assert.StartsWith("max-age=", https.Headers.GetValues("Strict-Transport-Security").Single(), StringComparison.Ordinal);

        var http = host.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("http://city.example"), AllowAutoRedirect = false });
        var redirect = await http.GetAsync("/city/330100/services?q=a");
        Assert.Equal(HttpStatusCode.PermanentRedirect, redirect.StatusCode);
        Assert.Equal("https://city.example/city/330100/services?q=a", redirect.Headers.Location!.ToString());
        Assert.False(redirect.Headers.Contains("Strict-Transport-Security")); // HSTS only over HTTPS
    }

    [Fact]
    public async Task Production_refuses_a_foreign_host_header_and_never_reflects_it()
    {
        await using var host = Host("Production", ConfiguredHost.Production());
        foreach (var scheme in new[] { "https", "http" })
        {
            var client = host.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri(scheme + "://evil.example"), AllowAutoRedirect = false });
            foreach (var path in new[] { "/me", "/", "/admin/staff", "/api/me" })
            {
                var response = await client.GetAsync(path);
                Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
                Assert.Null(response.Headers.Location);
            }
        }
    }

    [Fact]
    public async Task Production_marks_the_antiforgery_cookie_secure()
    {
        await using var host = Host("Production", ConfiguredHost.Production());
        var page = await host.Https().GetAsync("/signin");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var antiforgery = page.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith(".AspNetCore.Antiforgery", StringComparison.Ordinal));
        Assert.Contains("secure", antiforgery, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Production_serves_api_docs_only_when_enabled()
    {
        await using (var host = Host("Production", ConfiguredHost.Production()))
        {
            var client = host.Https();
            Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api-docs/index.html")).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/openapi/v1.json")).StatusCode);
        }

        await using (var host = Host("Production", ConfiguredHost.Production(("ApiDocs:Enabled", "true"))))
        {
            var client = host.Https();
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api-docs/index.html")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/openapi/v1.json")).StatusCode);
        }
    }

    [Fact]
    public async Task Kestrel_sends_no_server_header()
    {
        await using var host = Host("Production", ConfiguredHost.Production(("AllowedHosts", "127.0.0.1")));
        host.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        host.StartServer();
        var address = host.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(address) };
        var response = await client.GetAsync("/healthz"); // plain HTTP: redirected to the public address
        Assert.Equal(HttpStatusCode.PermanentRedirect, response.StatusCode);
        Assert.Empty(response.Headers.Server);
        Assert.False(response.Headers.Contains("Server"));
    }
}

public sealed class ConfiguredHostTests_Sqlite(SqliteHostDatabase database) : ConfiguredHostTests(database), IClassFixture<SqliteHostDatabase>;

public sealed class ConfiguredHostTests_Postgres(PostgresHostDatabase database) : ConfiguredHostTests(database), IClassFixture<PostgresHostDatabase>;

/// <summary>Redirects the framework builds are local: a Host header never makes up a Location (test hosts accept any host).</summary>
public abstract class HostHeaderTests(AppFixture app)
{
    [Theory]
    [InlineData("/me")]
    [InlineData("/me/verify")]
    [InlineData("/admin/staff")]
    public async Task A_foreign_host_header_never_appears_in_a_redirect(string path)
    {
        var client = app.App.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("http://evil.example"), AllowAutoRedirect = false });
        var response = await client.GetAsync(path);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var location = response.Headers.Location!.OriginalString;
        Assert.DoesNotContain("evil.example", location, StringComparison.OrdinalIgnoreCase);
        Assert.StartsWith("/signin?", location, StringComparison.Ordinal);
    }
}

public sealed class HostHeaderTests_Sqlite(SqliteApp app) : HostHeaderTests(app), IClassFixture<SqliteApp>;

public sealed class HostHeaderTests_Postgres(PostgresApp app) : HostHeaderTests(app), IClassFixture<PostgresApp>;
