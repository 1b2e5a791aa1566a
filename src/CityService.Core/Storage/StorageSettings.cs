using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace CityService.Core.Storage;

public enum StorageProvider
{
    Sqlite,
    Postgres,
}

/// <summary>Which database the platform runs on; read once from configuration by the host.</summary>
public sealed record StorageSettings(StorageProvider Provider, string ConnectionString)
{
    public const string DefaultSqliteFile = "data/cityservice.db";

    /// <summary>Builds settings from the <c>Storage:Provider</c> and <c>ConnectionStrings:Main</c> values.</summary>
    public static StorageSettings From(string? provider, string? connectionString, string workingDirectory)
    {
        var kind = provider?.Trim().ToUpperInvariant() switch
        {
            null or "" or "SQLITE" => StorageProvider.Sqlite,
            "POSTGRES" or "POSTGRESQL" or "NPGSQL" => StorageProvider.Postgres,
            _ => throw new InvalidOperationException($"Storage:Provider '{provider}' is not supported; use 'Sqlite' or 'Postgres'."),
        };

        if (kind == StorageProvider.Postgres)
        {
            return string.IsNullOrWhiteSpace(connectionString)
                ? throw new InvalidOperationException("Storage:Provider is Postgres but ConnectionStrings:Main is empty.")
                : new StorageSettings(kind, connectionString);
        }

        var sqlite = new SqliteConnectionStringBuilder(string.IsNullOrWhiteSpace(connectionString) ? $"Data Source={DefaultSqliteFile}" : connectionString);
        if (sqlite.DataSource is { Length: > 0 } file && file != ":memory:" && sqlite.Mode != SqliteOpenMode.Memory)
        {
            var full = Path.GetFullPath(file, workingDirectory);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            sqlite.DataSource = full;
        }

        sqlite.ForeignKeys = true;
        sqlite.Pooling = true;
        sqlite.DefaultTimeout = 30; // seconds a writer waits for another (e.g. a second instance migrating)
        return new StorageSettings(kind, sqlite.ToString());
    }

    public void Configure(DbContextOptionsBuilder options)
    {
        _ = Provider switch
        {
            StorageProvider.Postgres => options.UseNpgsql(ConnectionString),
            _ => options.UseSqlite(ConnectionString),
        };
    }

    public System.Data.Common.DbConnection CreateConnection() => Provider switch
    {
        StorageProvider.Postgres => new NpgsqlConnection(ConnectionString),
        _ => new SqliteConnection(ConnectionString),
    };
}
