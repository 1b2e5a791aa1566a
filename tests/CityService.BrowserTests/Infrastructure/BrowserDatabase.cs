using CityService.Core.Storage;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace CityService.BrowserTests.Infrastructure;

/// <summary>
/// A fresh, empty database for one browser fixture: a temp SQLite file, or a new database
/// <c>cs_browser_&lt;guid&gt;</c> on the PostgreSQL server named by CITYSERVICE_TEST_PG, dropped WITH (FORCE) afterwards.
/// Without that variable the PostgreSQL tests fail: a missing server is a failure, not a skip.
/// </summary>
public sealed class BrowserDatabase : IAsyncDisposable
{
    public const string PostgresVariable = "CITYSERVICE_TEST_PG";

    private readonly string? _sqliteFile;
    private readonly string? _pgName;

    private BrowserDatabase(StorageSettings settings, string? sqliteFile, string? pgName)
    {
        Settings = settings;
        _sqliteFile = sqliteFile;
        _pgName = pgName;
    }

    public StorageSettings Settings { get; }

    public static async Task<BrowserDatabase> CreateAsync(StorageProvider provider)
    {
        if (provider == StorageProvider.Sqlite)
        {
            var folder = Path.Combine(Path.GetTempPath(), "cityservice-browser-tests");
            Directory.CreateDirectory(folder);
            var file = Path.Combine(folder, $"{Guid.NewGuid():N}.db");
            return new BrowserDatabase(StorageSettings.From("Sqlite", $"Data Source={file}", folder), file, null);
        }

        var admin = AdminConnectionString();
        var name = $"cs_browser_{Guid.NewGuid():N}";
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await create.ExecuteNonQueryAsync();
        }

        var builder = new NpgsqlConnectionStringBuilder(admin) { Database = name };
        return new BrowserDatabase(StorageSettings.From("Postgres", builder.ToString(), Path.GetTempPath()), null, name);
    }

    public static string AdminConnectionString() =>
        Environment.GetEnvironmentVariable(PostgresVariable) is { Length: > 0 } cs
            ? cs
            : throw new InvalidOperationException(
                $"{PostgresVariable} is not set, so the PostgreSQL browser tests cannot run. Set it to an admin connection string "
                + "(e.g. Host=127.0.0.1;Port=55432;Username=postgres;Database=postgres) or run scripts/test.sh, which starts a server.");

    public async ValueTask DisposeAsync()
    {
        if (_sqliteFile is not null)
        {
            SqliteConnection.ClearAllPools();
            foreach (var suffix in new[] { "", "-wal", "-shm" })
            {
                File.Delete(_sqliteFile + suffix);
            }
        }

        if (_pgName is not null)
        {
            NpgsqlConnection.ClearAllPools();
            await using var connection = new NpgsqlConnection(AdminConnectionString());
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_pgName} WITH (FORCE)", connection);
            await drop.ExecuteNonQueryAsync();
        }
    }
}
