using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using CityService.Core.Outbox;
using CityService.Core.Storage;
using CityService.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CityService.Tests.Outbox;

/// <summary>
/// The host as a real process (`dotnet CityService.Web.dll`) dispatching 1,000 webhook messages to a receiver in this
/// test, SIGKILLed mid-way and started again: the receiver, which dedupes by idempotency key as every receiver must,
/// ends with each of the 1,000 exactly once. Real time (a child process cannot share a fake clock): short leases by
/// configuration and bounded waits on conditions.
/// </summary>
public sealed class OutboxCrashTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const int Messages = 1000;

    [Fact]
    public async Task A_host_killed_during_dispatch_of_1000_messages_delivers_each_exactly_once_at_the_receiver_after_restart()
    {
        var clock = Stopwatch.StartNew();
        await using var database = await TestDatabase.CreateAsync(StorageProvider.Postgres);
        await new SchemaMigrator(database.Settings, NullLogger<SchemaMigrator>.Instance).MigrateAsync(CancellationToken.None);
        var options = new DbContextOptionsBuilder<CityDbContext>();
        database.Settings.Configure(options);
        await using (var db = new CityDbContext(options.Options))
        {
            await Core.Regions.RegionSeeder.SyncAsync(db, CancellationToken.None); // what the host's start would do first, once
            db.ChangeTracker.Clear();
            var now = DateTimeOffset.UtcNow;
            for (var i = 0; i < Messages; i++)
            {
                db.Enqueue(WebhookSender.ChannelName, "330100", $$"""{"n":{{i}}}""", now);
            }

            await db.SaveChangesAsync();
        }

        output.WriteLine($"{clock.ElapsedMilliseconds} ms: database ready, {Messages} messages written");
        var seen = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        var requests = 0;
        var inFlight = 0;
        var slow = false;
        await using var receiver = await StartReceiverAsync(async http =>
        {
            var key = http.Request.Headers["Idempotency-Key"].ToString();
            if (key.Length == 0)
            {
                http.Response.StatusCode = 400;
                return;
            }

            Interlocked.Increment(ref requests);
            seen.AddOrUpdate(key, 1, (_, n) => n + 1); // recorded on arrival: a kill before the answer is a send without a mark
            Interlocked.Increment(ref inFlight);
            try
            {
                if (Volatile.Read(ref slow))
                {
                    await Task.Delay(500, http.RequestAborted); // a slow receiver keeps sends in flight for the kill
                }

                http.Response.StatusCode = 204;
            }
            finally
            {
                Interlocked.Decrement(ref inFlight);
            }
        });

        var first = StartHost(database.Settings, receiver.Url);
        try
        {
            await WaitAsync(() => !seen.IsEmpty, first, "the first message received");
            output.WriteLine($"{clock.ElapsedMilliseconds} ms: the host started and sends");
            await WaitAsync(() => seen.Count >= 300, first, "300 messages received before the kill");
            Volatile.Write(ref slow, true);
            await WaitAsync(() => Volatile.Read(ref inFlight) >= 2, first, "sends received but not yet answered");
            first.Process.Kill(entireProcessTree: true); // SIGKILL: no shutdown, no marks for what is in flight
            await first.Process.WaitForExitAsync();
        }
        finally
        {
            first.Dispose();
        }

        var atKill = seen.Count;
        output.WriteLine($"{clock.ElapsedMilliseconds} ms: killed after {atKill} received ({requests} requests)");
        Assert.True(atKill < Messages, $"all {Messages} were delivered before the kill; nothing was tested");
        Volatile.Write(ref slow, false);
        int delivered;
        using (var second = StartHost(database.Settings, receiver.Url))
        {
            await using var db = new CityDbContext(options.Options);
            await WaitAsync(() => db.OutboxMessages.Count(m => m.State == OutboxState.Delivered) == Messages, second, "all delivered after the restart", 90);
            delivered = await db.OutboxMessages.CountAsync(m => m.State == OutboxState.Delivered);
            output.WriteLine($"{clock.ElapsedMilliseconds} ms: all delivered after the restart; {requests} requests for {seen.Count} keys");
            second.Process.Kill(entireProcessTree: true);
            await second.Process.WaitForExitAsync();
        }

        Assert.Equal(Messages, delivered);
        Assert.Equal(Messages, seen.Count); // the receiver counts each key once
        Assert.All(seen.Values, n => Assert.InRange(n, 1, 3));
        Assert.True(requests > Messages, $"{requests} requests: the sends in flight at the kill were not repeated"); // the receiver's dedupe was needed
    }

    private sealed record ChildHost(Process Process, StringBuilder Output) : IDisposable
    {
        public void Dispose()
        {
            if (!Process.HasExited)
            {
                Process.Kill(entireProcessTree: true);
            }

            Process.Dispose();
        }
    }

    private static ChildHost StartHost(StorageSettings storage, Uri receiver)
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "CityService.Web.dll")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.Combine(Repository.Root(), "src", "CityService.Web"), // the content root, as `dotnet run` has it
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        start.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
        start.Environment["Storage__Provider"] = "Postgres";
        start.Environment["ConnectionStrings__Main"] = storage.ConnectionString;
        start.Environment["Seed__Demo"] = "false";
        start.Environment["Outbox__Webhook__Url"] = receiver.ToString();
        start.Environment["Outbox__LeaseSeconds"] = "2";
        start.Environment["Outbox__PollSeconds"] = "1";
        start.Environment["Outbox__BatchSize"] = "20";
        start.Environment["Outbox__Webhook__TimeoutSeconds"] = "1";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        start.Environment["Logging__LogLevel__CityService"] = "Information";
        var process = new Process { StartInfo = start };
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new ChildHost(process, output);
    }

    private static async Task WaitAsync(Func<bool> condition, ChildHost host, string what, int seconds = 60)
    {
        var until = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            if (host.Process.HasExited || DateTime.UtcNow > until)
            {
                var exited = host.Process.HasExited;
                if (exited)
                {
                    await host.Process.WaitForExitAsync(); // the rest of its output
                }

                string log;
                lock (host.Output)
                {
                    log = host.Output.ToString();
                }

                Assert.Fail($"Not within {seconds} s: {what}. Host {(exited ? $"exited with {host.Process.ExitCode}" : "running")}; its output:\n{log}");
            }

            await Task.Delay(20);
        }
    }

    private sealed class Receiver(WebApplication app, Uri url) : IAsyncDisposable
    {
        public Uri Url => url;

        public ValueTask DisposeAsync() => app.DisposeAsync();
    }

    private static async Task<Receiver> StartReceiverAsync(RequestDelegate handle)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapPost("/hook", handle);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new Receiver(app, new Uri(new Uri(address), "/hook"));
    }
}
