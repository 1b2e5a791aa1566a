using System.Net;
using CityService.Core.Storage;
using CityService.RegistrySimulator;
using CityService.Tests.Infrastructure;
using CityService.Web.Features.Health;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace CityService.Tests.Api;

public sealed class ReadinessTests
{
    [Fact]
    public async Task The_database_check_is_unhealthy_when_the_database_cannot_be_reached()
    {
        // Nothing listens on port 1; the connection attempt fails fast.
        var settings = StorageSettings.From("Postgres", "Host=127.0.0.1;Port=1;Username=x;Password=x;Timeout=2", Path.GetTempPath());
        var options = new DbContextOptionsBuilder<CityDbContext>();
        settings.Configure(options);
        using var services = new ServiceCollection().BuildServiceProvider();
        var check = new DatabaseHealthCheck(new PooledDbContextFactory<CityDbContext>(options.Options), services);

        var result = await check.CheckHealthAsync(new HealthCheckContext());

        Assert.Equal(HealthStatus.Unhealthy, result.Status);
    }
}

/// <summary>With the real (remote) population registry configured, readiness also needs the registry to answer.</summary>
public abstract class RegistryReadinessTests(HostDatabase database)
{
    private const string Secret = "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI=";

    private ConfiguredHost Host(Uri registry) => new(database.Storage, "Testing", new()
    {
        ["Registry:Mode"] = "Real",
        ["Registry:BaseUrl"] = registry.ToString(),
        ["Registry:ClientId"] = "readiness-tests",
        ["Registry:Secret"] = Secret,
    });

    [Fact]
    public async Task A_remote_registry_that_answers_keeps_the_host_ready()
    {
        await using var registry = await RegistrySimulatorHost.StartAsync(RegistrySimulatorOptions.ForClient("readiness-tests", Secret), TimeProvider.System);
        await using var host = Host(registry.BaseAddress);

        var client = host.CreateClient();
        Assert.Equal("ready", await client.GetStringAsync("/readyz"));
        Assert.Equal("ok", await client.GetStringAsync("/healthz"));
    }

    [Fact]
    public async Task A_remote_registry_that_is_away_makes_readiness_503_naming_it_while_liveness_stays_ok()
    {
        await using var host = Host(new Uri("http://127.0.0.1:1/")); // nothing listens on port 1
        var client = host.CreateClient();

        var ready = await client.GetAsync("/readyz");
        var problem = await ready.AssertProblem(HttpStatusCode.ServiceUnavailable, code: "health.registry-unreachable");
        Assert.Equal("户籍核验服务暂时无法连接。", problem.GetProperty("detail").GetString());
        Assert.Equal(TimeSpan.FromSeconds(5), ready.Headers.RetryAfter?.Delta);
        Assert.Equal("ok", await client.GetStringAsync("/healthz"));
    }

    [Fact]
    public async Task The_in_process_simulator_is_not_a_readiness_dependency()
    {
        await using var host = new ConfiguredHost(database.Storage, "Testing", new() { ["Registry:Mode"] = "Simulator" });
        Assert.Equal("ready", await host.CreateClient().GetStringAsync("/readyz"));
        Assert.DoesNotContain(host.Services.GetRequiredService<IOptions<HealthCheckServiceOptions>>().Value.Registrations, r => r.Name == RegistryHealthCheck.Name);
    }
}

public sealed class RegistryReadinessTests_Sqlite(SqliteHostDatabase database) : RegistryReadinessTests(database), IClassFixture<SqliteHostDatabase>;

public sealed class RegistryReadinessTests_Postgres(PostgresHostDatabase database) : RegistryReadinessTests(database), IClassFixture<PostgresHostDatabase>;
