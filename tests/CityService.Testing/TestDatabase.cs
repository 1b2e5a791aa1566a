using CityService.Core.Storage;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace CityService.Testing;

/// <summary>
/// A fresh, empty database for one fixture, deleted when disposed: a temp SQLite file, or a new database
/// <c>cs_&lt;label&gt;_&lt;guid&gt;</c> on the PostgreSQL server named by CITYSERVICE_TEST_PG (the test command starts one),
/// dropped WITH (FORCE). Without that variable the PostgreSQL tests fail: a missing server is a failure, not a skip.
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    public const string PostgresVariable = "CITYSERVICE_TEST_PG";

    private readonly string? _sqliteFile;
    private readonly string? _pgName;

    private TestDatabase(StorageSettings settings, string? sqliteFile, string? pgName)
    {
        Settings = settings;
        _sqliteFile = sqliteFile;
        _pgName = pgName;
    }

    public StorageSettings Settings { get; }

    public StorageProvider Provider => Settings.Provider;

    /// <summary>Creates the database; <paramref name="label"/> (lower-case letters) names the test project in a PostgreSQL database's name.</summary>
    public static async Task<TestDatabase> CreateAsync(StorageProvider provider, string label = "test")
    {
        if (label.Length == 0 || !label.All(char.IsAsciiLetterLower))
        {
            throw new ArgumentException($"'{label}' is not a label of lower-case letters.", nameof(label));
        }

        if (provider == StorageProvider.Sqlite)
        {
            var file = Path.Combine(Path.GetTempPath(), "cityservice-tests", $"{Guid.NewGuid():N}.db");
            return new TestDatabase(StorageSettings.From("Sqlite", $"Data Source={file}", Path.GetTempPath()), file, null);
        }

        return await CreatePostgresAsync(label, null);
    }

    /// <summary>
    /// A fresh database that starts as a copy of <paramref name="template"/> (a database no connection uses any more): a file
    /// copy on SQLite, <c>CREATE DATABASE … TEMPLATE</c> on PostgreSQL. The test fixtures migrate and seed one template per
    /// provider and process instead of every fixture doing it again (docs/architecture.md, "Testing").
    /// </summary>
    public static async Task<TestDatabase> CloneAsync(TestDatabase template, string label = "test")
    {
        if (template._sqliteFile is not null)
        {
            var clone = await CreateAsync(StorageProvider.Sqlite, label);
            Directory.CreateDirectory(Path.GetDirectoryName(clone._sqliteFile)!);
            File.Copy(template._sqliteFile, clone._sqliteFile!);
            return clone;
        }

        return await CreatePostgresAsync(label, template._pgName);
    }

    private static async Task<TestDatabase> CreatePostgresAsync(string label, string? template)
    {
        var admin = AdminConnectionString();
        var name = $"cs_{label}_{Guid.NewGuid():N}";
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}" + (template is null ? "" : $" TEMPLATE {template}"), connection);
            await create.ExecuteNonQueryAsync();
        }

        var builder = new NpgsqlConnectionStringBuilder(admin) { Database = name };
        return new TestDatabase(StorageSettings.From("Postgres", builder.ToString(), Path.GetTempPath()), null, name);
    }

    /// <summary>Closes every pooled connection and, on SQLite, folds the write-ahead log into the file, so that it can be copied.</summary>
    public async Task QuiesceAsync()
    {
        if (_sqliteFile is not null)
        {
            SqliteConnection.ClearAllPools();
            await using var connection = new SqliteConnection(Settings.ConnectionString);
            await connection.OpenAsync();
            await using var checkpoint = new SqliteCommand("PRAGMA wal_checkpoint(TRUNCATE)", connection);
            await checkpoint.ExecuteNonQueryAsync();
            await connection.CloseAsync();
            SqliteConnection.ClearAllPools();
        }
        else
        {
            NpgsqlConnection.ClearAllPools();
        }
    }

    public static string AdminConnectionString() =>
        Environment.GetEnvironmentVariable(PostgresVariable) is { Length: > 0 } cs
            ? cs
            : throw new InvalidOperationException(
                $"{PostgresVariable} is not set, so the PostgreSQL tests cannot run. Set it to an admin connection string "
                + "(e.g. Host=127.0.0.1;Port=55432;Username=postgres;Database=postgres) or run the README's test command (scripts/test.sh), which starts a server.");

    public async ValueTask DisposeAsync()
    {
        if (_sqliteFile is not null)
        {
            SqliteConnection.ClearAllPools();
            foreach (var suffix in new[] { "", "-wal", "-shm", "-migrate-lock" })
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
