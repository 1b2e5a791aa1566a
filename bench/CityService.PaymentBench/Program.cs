using System.Globalization;
using CityService.PaymentBench;

// Issue 10 §9 (docs/benchmarks.md, "Payments"):
//   raw-sqlite <file> [writers=64] [seconds=10]          single-row commits/s of SQLite (WAL, synchronous=FULL)
//   raw-postgres <connection string> [clients=64] [seconds=10]  the same for PostgreSQL, by pgbench
if (args.Length < 2)
{
    Console.Error.WriteLine("usage: CityService.PaymentBench raw-sqlite <file> [writers] [seconds] | raw-postgres <connection string> [clients] [seconds]");
    return 2;
}

int Arg(int index, int fallback) => args.Length > index ? int.Parse(args[index], CultureInfo.InvariantCulture) : fallback;
Console.WriteLine($"{Environment.ProcessorCount} cores; load average {File.ReadAllText("/proc/loadavg").Trim()}");
switch (args[0])
{
    case "raw-sqlite":
        await RawCommits.SqliteAsync(args[1], Arg(2, 64), TimeSpan.FromSeconds(Arg(3, 10)));
        break;
    case "raw-postgres":
        await RawCommits.PostgresAsync(args[1], Arg(2, 64), TimeSpan.FromSeconds(Arg(3, 10)));
        break;
    default:
        Console.Error.WriteLine($"unknown command '{args[0]}'");
        return 2;
}

Console.WriteLine($"load average after: {File.ReadAllText("/proc/loadavg").Trim()}");
return 0;
