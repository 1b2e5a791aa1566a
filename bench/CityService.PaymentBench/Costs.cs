using System.Globalization;
using CityService.Core.Storage;
using Npgsql;

namespace CityService.PaymentBench;

/// <summary>
/// Where a run's time goes, from outside: CPU seconds of the host process and of the PostgreSQL server (the postmaster
/// and its children) from /proc, the machine's busy and steal time, and on PostgreSQL the commits the database counted
/// (pg_stat_database.xact_commit) — each per paid bill.
/// </summary>
public sealed record Costs(double Host, double Database, double Driver, double Machine, double Steal)
{
    private const double Tick = 100; // USER_HZ

    public static Costs Take(int? hostPid, int? postmasterPid)
    {
        var (busy, steal) = MachineTicks();
        return new Costs(hostPid is { } h ? Ticks(h) / Tick : 0, postmasterPid is { } p ? ServerTicks(p) / Tick : 0, Ticks(Environment.ProcessId) / Tick, busy / Tick, steal / Tick);
    }

    /// <summary>The PostgreSQL server's postmaster when it runs on this machine: the parent of our own backend.</summary>
    public static async Task<int?> PostmasterAsync(StorageSettings storage)
    {
        if (storage.Provider != StorageProvider.Postgres)
        {
            return null;
        }

        await using var connection = new NpgsqlConnection(storage.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("select pg_backend_pid()", connection);
        var parent = Parent((int)(await command.ExecuteScalarAsync())!);
        return parent > 1 ? parent : null;
    }

    /// <summary>The database's commit count (PostgreSQL; null on SQLite), read after the backends' counters settle.</summary>
    public static async Task<long?> CommitsAsync(StorageSettings storage)
    {
        if (storage.Provider != StorageProvider.Postgres)
        {
            return null;
        }

        await Task.Delay(TimeSpan.FromSeconds(1.2)); // backends flush their counters at most once a second
        await using var connection = new NpgsqlConnection(storage.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("select xact_commit from pg_stat_database where datname = current_database()", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    public static string Report(Costs before, Costs after, long paid)
    {
        string Per(double seconds) => paid == 0 ? "-" : string.Create(CultureInfo.InvariantCulture, $"{seconds * 1e6 / paid:F0} µs");
        return string.Create(CultureInfo.InvariantCulture,
            $"CPU per paid bill: host {Per(after.Host - before.Host)}, database {Per(after.Database - before.Database)}, driver {Per(after.Driver - before.Driver)}, "
            + $"whole machine {Per(after.Machine - before.Machine)} (steal {Per(after.Steal - before.Steal)})");
    }

    private static long Ticks(int pid)
    {
        try
        {
            var text = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
            var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
            return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture); // utime, stime
        }
        catch (IOException)
        {
            return 0; // gone (a backend that ended)
        }
    }

    private static long ServerTicks(int postmaster)
    {
        long total = Ticks(postmaster);
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), out var pid) && pid != postmaster && Parent(pid) == postmaster)
            {
                total += Ticks(pid);
            }
        }

        return total;
    }

    private static int Parent(int pid)
    {
        try
        {
            var text = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
            return int.Parse(text[(text.LastIndexOf(')') + 2)..].Split(' ')[1], CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
        {
            return -1;
        }
    }

    private static (long Busy, long Steal) MachineTicks()
    {
        var v = File.ReadLines("/proc/stat").First()[4..].Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(s => long.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        return (v[0] + v[1] + v[2] + v[5] + v[6] + v[7], v[7]);
    }
}
