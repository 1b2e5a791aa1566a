using System.Globalization;
using CityService.Core.Identity;
using CityService.Core.Storage;

namespace CityService.PaymentBench;

/// <summary>The driver's commands (a named class, not top-level statements: the test project references this assembly
/// beside CityService.Web, whose <c>Program</c> it uses).</summary>
public static class PaymentBenchProgram
{
    public static async Task<int> Main(string[] args)
    {
        // Issue 10 §9 (docs/benchmarks.md, "Payments"). Commands:
        //   raw-sqlite <file> [writers=64] [seconds=10]                 single-row commits/s of SQLite (WAL, synchronous=FULL)
        //   raw-postgres <connection string> [clients=64] [seconds=10]  the same for PostgreSQL, by pgbench
        //   e2e --url U --provider sqlite|postgres --conn C --data-key K --index-key K [--clients 64] [--bills-per-client 400]
        //       [--warmup 3] [--duration 15] [--channel sandbox] [--sandbox-key K] [--record FILE] [--check] [--server-pid PID]
        //                                 paid bills/s end to end against a running host (its database and personal-data keys)
        //   check --provider P --conn C --record FILE     after a crash and restart: acknowledged payments there, ledger balanced
        if (args.Length < 1)
        {
            return Usage();
        }

        int Arg(int index, int fallback) => args.Length > index ? int.Parse(args[index], CultureInfo.InvariantCulture) : fallback;
        string? Option(string name) => Array.IndexOf(args, "--" + name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
        int Number(string name, int fallback) => Option(name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
        string Required(string name) => Option(name) ?? throw new ArgumentException($"--{name} is required");
        StorageSettings Storage() => StorageSettings.From(Required("provider"), Required("conn"), Path.GetTempPath(), StorageTimeouts.From(30, 120)); // patient: a loaded machine

        Console.WriteLine($"{Environment.ProcessorCount} cores; load average {LoadAverage()}");
        switch (args[0])
        {
            case "raw-sqlite" when args.Length > 1:
                await RawCommits.SqliteAsync(args[1], Arg(2, 64), TimeSpan.FromSeconds(Arg(3, 10)));
                break;
            case "raw-postgres" when args.Length > 1:
                await RawCommits.PostgresAsync(args[1], Arg(2, 64), TimeSpan.FromSeconds(Arg(3, 10)));
                break;
            case "e2e":
            {
                var storage = Storage();
                var protector = new PersonalDataProtector(PersonalDataKeys.FromBase64("bench",
                    new Dictionary<string, string> { ["bench"] = Required("data-key") }, Required("index-key")));
                var clients = Number("clients", 64);
                var duration = TimeSpan.FromSeconds(Number("duration", 15));
                var warmup = TimeSpan.FromSeconds(Number("warmup", 3));
                using var http = Http(new Uri(Required("url")), clients);
                var notices = NoticeSenders.For(Option("channel") ?? "sandbox", args);
                int? hostPid = Option("server-pid") is { } h ? int.Parse(h, CultureInfo.InvariantCulture) : null;
                var pgPid = await Costs.PostmasterAsync(storage);
                var seed = System.Diagnostics.Stopwatch.StartNew();
                var bench = await Seeding.SeedAsync(storage, protector, http, clients, Number("bills-per-client", 400), DateTime.UtcNow.ToString("HHmmss", CultureInfo.InvariantCulture), CancellationToken.None);
                Console.WriteLine($"seeded {clients} verified citizens with {bench.Sum(c => c.Bills.Count)} open bills and signed them in: {seed.Elapsed.TotalSeconds:F1} s");
                var record = Option("record");
                await using var acknowledged = record is null ? null : new StreamWriter(record, append: true);
                var driver = new EndToEnd(http, notices, acknowledged);
                var commitsBefore = await Costs.CommitsAsync(storage);
                var run = driver.RunAsync(bench, warmup, duration, CancellationToken.None);
                await Task.Delay(warmup);
                var (cpuBefore, paidBefore) = (Costs.Take(hostPid, pgPid), driver.Acknowledged); // the measured window's start
                var result = await run;
                var (cpuAfter, paidAfter) = (Costs.Take(hostPid, pgPid), driver.Acknowledged);
                var commitsAfter = await Costs.CommitsAsync(storage);
                result.Print($"end to end ({notices.Channel}, {storage.Provider}), load average {LoadAverage()}");
                Console.WriteLine("  " + Costs.Report(cpuBefore, cpuAfter, paidAfter - paidBefore));
                if (commitsBefore is { } c0 && commitsAfter is { } c1 && paidAfter > 0)
                {
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  PostgreSQL commits per paid bill (whole run): {(double)(c1 - c0) / paidAfter:F2}"));
                }

                if (args.Contains("--check") && record is not null)
                {
                    await acknowledged!.FlushAsync();
                    var outcome = await Checks.RunAsync(storage, Checks.ReadAcknowledged(record), CancellationToken.None);
                    Console.WriteLine("check: " + outcome);
                    return outcome.Ok ? 0 : 1;
                }

                return result.Paid > 0 ? 0 : 1;
            }

            case "check":
            {
                var outcome = await Checks.RunAsync(Storage(), Checks.ReadAcknowledged(Required("record")), CancellationToken.None);
                Console.WriteLine("check: " + outcome);
                return outcome.Ok ? 0 : 1;
            }

            default:
                return Usage();
        }

        Console.WriteLine($"load average after: {LoadAverage()}");
        return 0;

        static string LoadAverage() => File.ReadAllText("/proc/loadavg").Trim();

        static HttpClient Http(Uri url, int clients)
        {
            var handler = new SocketsHttpHandler { MaxConnectionsPerServer = clients + 8, PooledConnectionLifetime = TimeSpan.FromMinutes(10) };
            var http = new HttpClient(handler) { BaseAddress = url, Timeout = TimeSpan.FromSeconds(30) };
            http.DefaultRequestHeaders.Add("X-Forwarded-Proto", "https"); // as behind the TLS-terminating proxy (bench/host-env.sh)
            return http;
        }

        static int Usage()
        {
            Console.Error.WriteLine("usage: CityService.PaymentBench raw-sqlite <file> [writers] [seconds] | raw-postgres <conn> [clients] [seconds]"
                + " | e2e --url U --provider P --conn C --data-key K --index-key K [...] | check --provider P --conn C --record FILE");
            return 2;
        }
    }
}
