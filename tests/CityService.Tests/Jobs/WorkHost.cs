using CityService.Core.Jobs;
using CityService.Core.Storage;
using CityService.Testing;
using CityService.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace CityService.Tests.Jobs;

/// <summary>
/// One migrated database for a test class, and "instances" on it: each a generic host with its own DI, scheduler and
/// dispatcher (what a web node runs in the background), cheaper than a whole web host. Tests of one class run one after
/// another, each with its own job names and channels.
/// </summary>
public abstract class WorkDatabase(StorageProvider provider) : IAsyncLifetime
{
    private TestDatabase? _database;

    public StorageProvider Provider => provider;

    public StorageSettings Settings => _database!.Settings;

    public static DateTimeOffset Start { get; } = new(2026, 11, 22, 2, 0, 0, TimeSpan.Zero);

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync(provider);
        await new SchemaMigrator(_database.Settings, NullLogger<SchemaMigrator>.Instance).MigrateAsync(CancellationToken.None);
    }

    public async Task DisposeAsync() => await _database!.DisposeAsync();

    public CityDbContext Context()
    {
        var options = new DbContextOptionsBuilder<CityDbContext>();
        Settings.Configure(options);
        return new CityDbContext(options.Options);
    }

    /// <summary>Starts an instance on this database with the given clock, extra settings and services.</summary>
    public async Task<WorkHost> StartAsync(TimeProvider time, Action<IServiceCollection> services, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = "Testing", DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Jobs:LeaseSeconds"] = "30",
            ["Jobs:PollSeconds"] = "5",
            ["Outbox:LeaseSeconds"] = "30",
            ["Outbox:PollSeconds"] = "5",
            ["Outbox:BaseDelaySeconds"] = "10",
            ["Outbox:MaxDelaySeconds"] = "40",
            ["Outbox:Jitter"] = "0.2",
        });
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }

        builder.Logging.AddProvider(LogCapture.Instance);
        var storage = Settings;
        builder.Services.AddPooledDbContextFactory<CityDbContext>(storage.Configure);
        builder.Services.AddSingleton(time);
        builder.Services.AddBackgroundWork(builder.Configuration);
        services(builder.Services);
        var host = builder.Build();
        await host.StartAsync();
        return new WorkHost(host);
    }
}

public sealed class SqliteWork() : WorkDatabase(StorageProvider.Sqlite);

public sealed class PostgresWork() : WorkDatabase(StorageProvider.Postgres);

public sealed class WorkHost(IHost host) : IAsyncDisposable
{
    public IServiceProvider Services => host.Services;

    public string Instance => host.Services.GetRequiredService<WorkerInstance>().Id;

    public BackgroundWorkSignal Signal => host.Services.GetRequiredService<BackgroundWorkSignal>();

    /// <summary>Wakes the scheduler and dispatcher as a timer would: after a test moved the clock, so that a loop that was
    /// between two waits when the clock moved looks again at once instead of at its next poll.</summary>
    public void Poke()
    {
        Signal.Jobs.Signal();
        Signal.Outbox.Signal();
    }

    public async ValueTask DisposeAsync()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await host.StopAsync(stop.Token);
        host.Dispose();
    }
}

public static class Eventually
{
    /// <summary>Waits (bounded) until <paramref name="condition"/> holds, checking every 20 ms of real time; the work it
    /// waits for is started by the clock or a signal, never by this wait.</summary>
    public static async Task True(Func<Task<bool>> condition, string what, int seconds = 15)
    {
        var until = DateTime.UtcNow.AddSeconds(seconds);
        while (!await condition())
        {
            if (DateTime.UtcNow > until)
            {
                Assert.Fail($"Not within {seconds} s: {what}");
            }

            await Task.Delay(20);
        }
    }
}

public static class FakeClock
{
    /// <summary>Moves the clock and wakes the given instances.</summary>
    public static void Advance(this FakeTimeProvider time, TimeSpan by, params WorkHost[] hosts)
    {
        time.Advance(by);
        foreach (var host in hosts)
        {
            host.Poke();
        }
    }
}
