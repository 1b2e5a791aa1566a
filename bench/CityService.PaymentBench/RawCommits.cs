using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using CityService.Core.Storage;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace CityService.PaymentBench;

/// <summary>
/// The database's own single-row commit rate on this machine, the ceiling beside the end-to-end figure: SQLite (WAL,
/// synchronous=FULL) by an insert loop of N concurrent writers, each on its own pooled connection as the host has
/// them; PostgreSQL by pgbench with a one-row INSERT script and N clients.
/// </summary>
public static partial class RawCommits
{
    public static async Task<double> SqliteAsync(string file, int writers, TimeSpan duration)
    {
        var storage = StorageSettings.From("Sqlite", $"Data Source={file}", Path.GetTempPath());
        await using (var setup = new SqliteConnection(storage.ConnectionString))
        {
            await setup.OpenAsync();
            Console.WriteLine($"sqlite: {Scalar(setup, "select sqlite_version()")}, journal_mode={Scalar(setup, "PRAGMA journal_mode=WAL")}, "
                + $"default synchronous={Synchronous(Scalar(setup, "PRAGMA synchronous"))}");
            Execute(setup, "create table if not exists raw_commits (id integer primary key, writer integer not null, at text not null)");
        }

        long total = 0;
        var clock = Stopwatch.StartNew();
        var stop = DateTime.UtcNow + duration;
        var latencies = new Latencies(writers);
        await Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            await using var connection = new SqliteConnection(storage.ConnectionString);
            await connection.OpenAsync();
            Execute(connection, "PRAGMA synchronous=FULL");
            await using var insert = connection.CreateCommand();
            insert.CommandText = "insert into raw_commits (writer, at) values ($w, $at)";
            insert.Parameters.AddWithValue("$w", w);
            var at = insert.Parameters.Add("$at", SqliteType.Text);
            while (DateTime.UtcNow < stop)
            {
                var start = Stopwatch.GetTimestamp();
                at.Value = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture);
                await insert.ExecuteNonQueryAsync(); // autocommit: one transaction, one WAL fsync per row
                latencies.Add(w, (long)Stopwatch.GetElapsedTime(start).TotalMicroseconds);
                Interlocked.Increment(ref total);
            }
        })));
        var rate = total / clock.Elapsed.TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"sqlite raw: {writers} writers, {total} single-row commits in {clock.Elapsed.TotalSeconds:F1} s = {rate:F0}/s; {Latencies.Summary(latencies.Sorted())}"));
        return rate;
    }

    /// <summary>Runs pgbench (on PATH) against a fresh table in the database of <paramref name="connectionString"/>.</summary>
    public static async Task<double> PostgresAsync(string connectionString, int clients, TimeSpan duration)
    {
        var pg = new NpgsqlConnectionStringBuilder(connectionString);
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync();
            var settings = new List<string>();
            foreach (var name in new[] { "server_version", "fsync", "synchronous_commit", "full_page_writes", "wal_sync_method" })
            {
                await using var show = new NpgsqlCommand($"show {name}", connection);
                settings.Add($"{name}={await show.ExecuteScalarAsync()}");
            }

            Console.WriteLine("postgres: " + string.Join(", ", settings));
            await using var create = new NpgsqlCommand("create table if not exists raw_commits (id bigserial primary key, client int not null, at timestamptz not null default now())", connection);
            await create.ExecuteNonQueryAsync();
        }

        var script = Path.Combine(Path.GetTempPath(), $"raw-commit-{Environment.ProcessId}.sql");
        await File.WriteAllTextAsync(script, "insert into raw_commits (client) values (:client_id);\n");
        try
        {
            var start = new ProcessStartInfo("pgbench",
            [
                "-h", pg.Host ?? "127.0.0.1", "-p", pg.Port.ToString(CultureInfo.InvariantCulture), "-U", pg.Username ?? "postgres",
                "-n", "-f", script, "-c", clients.ToString(CultureInfo.InvariantCulture), "-j", "2",
                "-T", ((int)duration.TotalSeconds).ToString(CultureInfo.InvariantCulture), pg.Database ?? "postgres",
            ])
            { RedirectStandardOutput = true, RedirectStandardError = true };
            if (pg.Password is { } password)
            {
                start.Environment["PGPASSWORD"] = password;
            }

            using var process = Process.Start(start)!;
            var output = await process.StandardOutput.ReadToEndAsync();
            var errors = await process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            var tps = TpsLine().Match(output);
            var latency = LatencyLine().Match(output);
            if (process.ExitCode != 0 || !tps.Success)
            {
                throw new InvalidOperationException($"pgbench failed ({process.ExitCode}): {errors}{output}");
            }

            var rate = double.Parse(tps.Groups[1].Value, CultureInfo.InvariantCulture);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"postgres raw (pgbench, one-row INSERT, {clients} clients, {duration.TotalSeconds:F0} s): {rate:F0} commits/s, average latency {latency.Groups[1].Value} ms"));
            return rate;
        }
        finally
        {
            File.Delete(script);
        }
    }

    private static string Synchronous(string? value) => value switch { "0" => "OFF", "1" => "NORMAL", "2" => "FULL", "3" => "EXTRA", _ => value ?? "?" };

    private static string? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToString(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    [GeneratedRegex(@"tps = ([0-9.]+) \(without initial connection time\)")]
    private static partial Regex TpsLine();

    [GeneratedRegex(@"latency average = ([0-9.]+) ms")]
    private static partial Regex LatencyLine();
}
