using System.Diagnostics;
using System.Globalization;
using CityService.Core.Identity.SignIn;
using CityService.Core.Jobs;
using CityService.Core.Outbox;
using CityService.Core.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

// The outbox on PostgreSQL (docs/benchmarks.md): messages dispatched per second through a no-op sender by 1 and 2
// dispatcher instances, and what writing an outbox row adds to a business transaction.
// Usage: dotnet bench/CityService.OutboxBench/bin/Release/net10.0/CityService.OutboxBench.dll "<admin connection string>" [messages] [transactions]
if (args.Length < 1)
{
    Console.Error.WriteLine("usage: CityService.OutboxBench <PostgreSQL admin connection string> [messages=5000] [transactions=2000]");
    return 2;
}

var admin = args[0];
var messages = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5000;
var transactions = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 2000;
var name = $"cs_bench_{Guid.NewGuid():N}";
await Exec(admin, $"CREATE DATABASE {name}");
try
{
    var settings = StorageSettings.From("Postgres", new NpgsqlConnectionStringBuilder(admin) { Database = name }.ToString(), Path.GetTempPath());
    await new SchemaMigrator(settings, NullLogger<SchemaMigrator>.Instance).MigrateAsync(CancellationToken.None);
    Console.WriteLine($"PostgreSQL, {Environment.ProcessorCount} cores; {messages} messages per run, batch 50, 4 sends at a time per instance");
    foreach (var instances in new[] { 1, 2, 1, 2 })
    {
        var rate = await DispatchAsync(settings, instances, messages);
        Console.WriteLine($"dispatch, {instances} instance(s): {rate:F0} messages/s");
    }

    for (var round = 0; round < 2; round++)
    {
        var plain = await WriteAsync(settings, transactions, withOutbox: false);
        var both = await WriteAsync(settings, transactions, withOutbox: true);
        Console.WriteLine($"business transaction: {plain:F0} µs alone, {both:F0} µs with an outbox row (+{both - plain:F0} µs, {1e6 / plain:F0} vs {1e6 / both:F0} per s)");
    }
}
finally
{
    NpgsqlConnection.ClearAllPools();
    await Exec(admin, $"DROP DATABASE IF EXISTS {name} WITH (FORCE)");
}

return 0;

static async Task Exec(string connectionString, string sql)
{
    await using var connection = new NpgsqlConnection(connectionString);
    await connection.OpenAsync();
    await using var command = new NpgsqlCommand(sql, connection);
    await command.ExecuteNonQueryAsync();
}

static CityDbContext Context(StorageSettings settings)
{
    var options = new DbContextOptionsBuilder<CityDbContext>();
    settings.Configure(options);
    return new CityDbContext(options.Options);
}

static async Task<double> DispatchAsync(StorageSettings settings, int instances, int count)
{
    await using (var db = Context(settings))
    {
        var now = DateTimeOffset.UtcNow;
        for (var i = 0; i < count; i++)
        {
            db.Enqueue("noop", "330100", "{}", now);
        }

        await db.SaveChangesAsync();
    }

    var sender = new NoOpSender();
    var hosts = new List<IHost>();
    var clock = Stopwatch.StartNew();
    for (var i = 0; i < instances; i++)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Outbox:PollSeconds"] = "1" });
        builder.Logging.ClearProviders();
        builder.Services.AddPooledDbContextFactory<CityDbContext>(settings.Configure);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddBackgroundWork(builder.Configuration);
        builder.Services.AddSingleton<IOutboxSender>(sender);
        var host = builder.Build();
        await host.StartAsync();
        hosts.Add(host);
    }

    while (Volatile.Read(ref sender.Sent) < count)
    {
        await Task.Delay(10);
    }

    var seconds = clock.Elapsed.TotalSeconds;
    foreach (var host in hosts)
    {
        await host.StopAsync();
        host.Dispose();
    }

    await using (var db = Context(settings))
    {
        await db.OutboxMessages.ExecuteDeleteAsync();
    }

    Interlocked.Exchange(ref sender.Sent, 0);
    return count / seconds;
}

static async Task<double> WriteAsync(StorageSettings settings, int count, bool withOutbox)
{
    var options = new DbContextOptionsBuilder<CityDbContext>();
    settings.Configure(options);
    var factory = new PooledDbContextFactory<CityDbContext>(options.Options);
    var clock = Stopwatch.StartNew();
    for (var i = 0; i < count; i++)
    {
        await using var db = factory.CreateDbContext();
        var now = DateTimeOffset.UtcNow;
        db.Add(ClientLimitHit.Record("bench", $"client-{i}", now)); // the business row
        if (withOutbox)
        {
            db.Enqueue("noop", "330100", """{"accountId":"00000000-0000-0000-0000-000000000000","event":"bench"}""", now);
        }

        await db.SaveChangesAsync();
    }

    return clock.Elapsed.TotalMicroseconds / count;
}

sealed class NoOpSender : IOutboxSender
{
    public int Sent;

    public string Channel => "noop";

    public Task<OutboxSendResult> SendAsync(OutboxDelivery delivery, CancellationToken ct)
    {
        Interlocked.Increment(ref Sent);
        return Task.FromResult(OutboxSendResult.Delivered);
    }
}
