using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using CityService.Core.Identity;
using CityService.Core.Storage;
using CityService.PaymentBench;
using CityService.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace CityService.Tests.Payments.Durability;

/// <summary>
/// The short version of scripts/payment-crash.sh: the host as a real process (`dotnet CityService.Web.dll`) under the
/// payment driver's load (bench/CityService.PaymentBench: order → signed sandbox notification, 16 clients), SIGKILLed
/// mid-load and started again on the same database and port while the driver goes on. Afterwards every payment the
/// platform acknowledged to the driver is succeeded with its bill paid by it, no bill is paid twice, and the ledger
/// balances overall and per payment. Real time (a child process cannot share a fake clock), bounded waits on conditions.
/// </summary>
public abstract class PaymentCrashTests(StorageProvider provider, Xunit.Abstractions.ITestOutputHelper output)
{
    private const int Clients = 16;

    [Fact]
    public async Task A_host_killed_during_a_payment_load_keeps_every_acknowledged_payment_pays_no_bill_twice_and_its_ledger_balances()
    {
        var clock = Stopwatch.StartNew();
        await using var database = await TestDatabase.CreateAsync(provider, "paycrash");
        await new SchemaMigrator(database.Settings, NullLogger<SchemaMigrator>.Instance).MigrateAsync(CancellationToken.None);
        var dataKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var indexKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var sandboxKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var protector = new PersonalDataProtector(PersonalDataKeys.FromBase64("crash", new Dictionary<string, string> { ["crash"] = dataKey }, indexKey));
        var port = FreePort();
        var url = new Uri($"http://127.0.0.1:{port}");
        var record = Path.Combine(Path.GetTempPath(), $"paycrash-{Guid.NewGuid():N}.txt");
        using var http = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(60) }; // sign-ins (PBKDF2) on a loaded machine
        var first = StartHost(database.Settings, url, dataKey, indexKey, sandboxKey);
        try
        {
            await WaitReadyAsync(http, first);
            output.WriteLine($"{clock.ElapsedMilliseconds} ms: host ready");
            var clients = await Seeding.SeedAsync(database.Settings, protector, http, Clients, 300, "crash", CancellationToken.None);
            output.WriteLine($"{clock.ElapsedMilliseconds} ms: {Clients} citizens with bills signed in");
            await using var acknowledged = new StreamWriter(record);
            var driver = new EndToEnd(http, NoticeSenders.For("sandbox", ["--sandbox-key", sandboxKey]), acknowledged);
            using var stop = new CancellationTokenSource();
            var load = driver.RunAsync(clients, TimeSpan.Zero, TimeSpan.FromSeconds(60), stop.Token);
            await WaitAsync(() => driver.Acknowledged >= 150, first, "150 payments acknowledged before the kill");
            first.Process.Kill(entireProcessTree: true); // SIGKILL: no shutdown, in-flight requests cut off
            await first.Process.WaitForExitAsync();
            var atKill = driver.Acknowledged;
            output.WriteLine($"{clock.ElapsedMilliseconds} ms: SIGKILL after {atKill} acknowledged payments");
            using var second = StartHost(database.Settings, url, dataKey, indexKey, sandboxKey);
            await WaitReadyAsync(http, second);
            await WaitAsync(() => driver.Acknowledged >= atKill + 100, second, "100 more payments acknowledged after the restart");
            await stop.CancelAsync();
            var result = await load;
            output.WriteLine($"{clock.ElapsedMilliseconds} ms: load done: {result.Paid} paid, {result.Errors} errors (the kill's)");
            await acknowledged.FlushAsync();
            var outcome = await Checks.RunAsync(database.Settings, Checks.ReadAcknowledged(record), CancellationToken.None);
            output.WriteLine($"{clock.ElapsedMilliseconds} ms: {outcome}");
            second.Process.Kill(entireProcessTree: true);
            Assert.True(result.Errors > 0, "no request failed: the kill hit nothing in flight");
            Assert.True(outcome.Acknowledged > atKill);
            Assert.Equal(0, outcome.Missing);
            Assert.Equal(0, outcome.PaidTwice);
            Assert.Equal(outcome.Debits, outcome.Credits);
            Assert.True(outcome.Debits > 0);
            Assert.Equal(0, outcome.UnbalancedPayments);
            Assert.True(outcome.PaidBills >= outcome.Acknowledged);
        }
        finally
        {
            first.Dispose();
            File.Delete(record);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
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

    private static ChildHost StartHost(StorageSettings storage, Uri url, string dataKey, string indexKey, string sandboxKey)
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "CityService.Web.dll")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.Combine(Repository.Root(), "src", "CityService.Web"), // the content root, as `dotnet run` has it
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development"; // the sandbox channel and the simulators
        start.Environment["ASPNETCORE_URLS"] = url.ToString();
        start.Environment["ASPNETCORE_FORWARDEDHEADERS_ENABLED"] = "true"; // each driver client signs in from its own address
        start.Environment["Storage__Provider"] = storage.Provider.ToString();
        start.Environment["ConnectionStrings__Main"] = storage.ConnectionString;
        start.Environment["Seed__Demo"] = "false";
        start.Environment["Identity__PersonalData__ActiveKey"] = "crash";
        start.Environment["Identity__PersonalData__Keys__crash"] = dataKey;
        start.Environment["Identity__PersonalData__BlindIndexKey"] = indexKey;
        start.Environment["Payments__Channels__Sandbox__Key"] = sandboxKey; // the driver signs the notices with it
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        var process = new Process { StartInfo = start };
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new ChildHost(process, output);
    }

    private static string? lastReady;

    private static async Task WaitReadyAsync(HttpClient http, ChildHost host) =>
        await WaitAsync(async () =>
        {
            try
            {
                using var response = await http.GetAsync("/readyz");
                lastReady = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
                return response.StatusCode == HttpStatusCode.OK;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, host, "the host ready (a start takes seconds; 90 s is for a loaded machine)", 90);

    private static Task WaitAsync(Func<bool> condition, ChildHost host, string what) => WaitAsync(() => Task.FromResult(condition()), host, what);

    private static async Task WaitAsync(Func<Task<bool>> condition, ChildHost host, string what, int seconds = 30)
    {
        var until = DateTime.UtcNow.AddSeconds(seconds);
        while (!await condition())
        {
            if (host.Process.HasExited || DateTime.UtcNow > until)
            {
                var exited = host.Process.HasExited;
                if (exited)
                {
                    await host.Process.WaitForExitAsync();
                }

                string log;
                lock (host.Output)
                {
                    log = host.Output.ToString();
                }

                Assert.Fail($"Not within {seconds} s: {what} (last /readyz: {lastReady ?? "no answer"}). Host {(exited ? $"exited with {host.Process.ExitCode}" : "running")}; its output:\n{log}");
            }

            await Task.Delay(20);
        }
    }
}

public sealed class PaymentCrashTests_Sqlite(Xunit.Abstractions.ITestOutputHelper output) : PaymentCrashTests(StorageProvider.Sqlite, output);

public sealed class PaymentCrashTests_Postgres(Xunit.Abstractions.ITestOutputHelper output) : PaymentCrashTests(StorageProvider.Postgres, output);
