using Microsoft.Data.Sqlite;
using Npgsql;

namespace CityService.Core.Storage;

public enum StorageProvider
{
    Sqlite,
    Postgres,
}

/// <summary>
/// How long a caller waits for the database: to connect (<c>Storage:ConnectTimeoutSeconds</c>, PostgreSQL) and for a
/// command (<c>Storage:CommandTimeoutSeconds</c>; on SQLite also how long a writer waits for the write lock). Null means
/// the connection string's own value, or the default. Short bounds turn a stopped or frozen server into a quick 503.
/// </summary>
public sealed record StorageTimeouts(int? ConnectSeconds, int? CommandSeconds)
{
    public const int DefaultConnectSeconds = 3;
    public const int DefaultCommandSeconds = 5;

    /// <summary>SQLite's writers queue for one write lock (and a second instance may be migrating): a longer wait.</summary>
    public const int DefaultSqliteSeconds = 30;

    public static readonly StorageTimeouts Defaults = new(null, null);

    public static StorageTimeouts From(int? connectSeconds, int? commandSeconds) =>
        connectSeconds is <= 0 || commandSeconds is <= 0
            ? throw new InvalidOperationException("Storage:ConnectTimeoutSeconds and Storage:CommandTimeoutSeconds must be positive (seconds).")
            : new(connectSeconds, commandSeconds);
}

/// <summary>Which database the platform runs on; read once from configuration by the host.</summary>
public sealed record StorageSettings(StorageProvider Provider, string ConnectionString)
{
    public const string DefaultSqliteFile = "data/cityservice.db";

    /// <summary>Builds settings from the <c>Storage:Provider</c> and <c>ConnectionStrings:Main</c> values.</summary>
    public static StorageSettings From(string? provider, string? connectionString, string workingDirectory, StorageTimeouts? timeouts = null)
    {
        timeouts ??= StorageTimeouts.Defaults;
        var kind = provider?.Trim().ToUpperInvariant() switch
        {
            null or "" or "SQLITE" => StorageProvider.Sqlite,
            "POSTGRES" or "POSTGRESQL" or "NPGSQL" => StorageProvider.Postgres,
            _ => throw new InvalidOperationException($"Storage:Provider '{provider}' is not supported; use 'Sqlite' or 'Postgres'."),
        };

        if (kind == StorageProvider.Postgres)
        {
            if (string.IsNullOrWhiteSpace(connectionString))
            {
                throw new InvalidOperationException("Storage:Provider is Postgres but ConnectionStrings:Main is empty.");
            }

            var pg = new NpgsqlConnectionStringBuilder(connectionString);
            var given = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString }; // only the keys written
            if (timeouts.ConnectSeconds is not null || !given.ContainsKey("Timeout"))
            {
                pg.Timeout = timeouts.ConnectSeconds ?? StorageTimeouts.DefaultConnectSeconds;
            }

            if (timeouts.CommandSeconds is not null || !given.ContainsKey("Command Timeout"))
            {
                pg.CommandTimeout = timeouts.CommandSeconds ?? StorageTimeouts.DefaultCommandSeconds;
            }

            if (!given.ContainsKey("Cancellation Timeout"))
            {
                // After a command timeout Npgsql asks the server to cancel and by default waits 2 s for the answer, which a
                // frozen server never sends; don't wait: the connection is dropped and the caller gets its error at the bound.
                pg.CancellationTimeout = -1;
            }

            return new StorageSettings(kind, pg.ConnectionString);
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
        sqlite.DefaultTimeout = timeouts.CommandSeconds ?? StorageTimeouts.DefaultSqliteSeconds; // also how long a writer waits for another
        return new StorageSettings(kind, sqlite.ToString());
    }

    public void Configure(DbContextOptionsBuilder options)
    {
        _ = Provider switch
        {
            StorageProvider.Postgres => options.UseNpgsql(ConnectionString),
            _ => options.UseSqlite(ConnectionString),
        };
        options.UseSnakeCaseNamingConvention(System.Globalization.CultureInfo.InvariantCulture);
    }

    public System.Data.Common.DbConnection CreateConnection() => Provider switch
    {
        StorageProvider.Postgres => new NpgsqlConnection(ConnectionString),
        _ => new SqliteConnection(ConnectionString),
    };
}
