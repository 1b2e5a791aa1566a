using System.Data;
using System.Data.Common;
using System.Globalization;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;

namespace CityService.Core.Storage;

public sealed record MigrationScript(int Version, string Name, string Sql)
{
    public string Checksum { get; } = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Sql.ReplaceLineEndings("\n"))));
}

/// <summary>
/// Applies the forward-only SQL scripts embedded under Storage/Migrations/&lt;Provider&gt;/NNNN_name.sql,
/// each in its own transaction, recording them in <c>schema_history</c>. Two instances starting at once
/// are serialised by a PostgreSQL advisory lock, or on SQLite by the database write lock
/// (BEGIN IMMEDIATE) with the history re-read inside the transaction.
/// </summary>
public sealed partial class SchemaMigrator(StorageSettings settings, TimeProvider time, ILogger<SchemaMigrator> logger)
{
    /// <summary>Arbitrary but fixed key of the session-level advisory lock that guards schema changes and seeding.</summary>
    private const long AdvisoryLockKey = 0x43_69_74_79_53_76_63; // "CitySvc"

    public IReadOnlyList<MigrationScript> Scripts { get; } = LoadScripts(settings.Provider);

    public static IReadOnlyList<MigrationScript> LoadScripts(StorageProvider provider)
    {
        var assembly = Assembly.GetExecutingAssembly();
        var prefix = $"migrations/{provider}/";
        var scripts = new List<MigrationScript>();
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal)))
        {
            var file = resource[prefix.Length..];
            var underscore = file.IndexOf('_', StringComparison.Ordinal);
            if (underscore <= 0 || !int.TryParse(file[..underscore], NumberStyles.None, CultureInfo.InvariantCulture, out var version))
            {
                throw new InvalidOperationException($"Migration '{file}' is not named NNNN_name.sql.");
            }

            using var reader = new StreamReader(assembly.GetManifestResourceStream(resource)!);
            scripts.Add(new MigrationScript(version, Path.GetFileNameWithoutExtension(file[(underscore + 1)..]), reader.ReadToEnd()));
        }

        var ordered = scripts.OrderBy(s => s.Version).ToList();
        if (ordered.Select(s => s.Version).Distinct().Count() != ordered.Count)
        {
            throw new InvalidOperationException($"Two {provider} migrations share a version number.");
        }

        return ordered;
    }

    /// <summary>Runs <paramref name="work"/> while no other instance migrates or seeds the same database.</summary>
    public async Task RunExclusiveAsync(Func<Task> work, CancellationToken ct)
    {
        if (settings.Provider != StorageProvider.Postgres)
        {
            await work();
            return;
        }

        await using var lockConnection = settings.CreateConnection();
        await lockConnection.OpenAsync(ct);
        await ExecuteAsync(lockConnection, null, $"SELECT pg_advisory_lock({AdvisoryLockKey})", ct);
        try
        {
            await work();
        }
        finally
        {
            await ExecuteAsync(lockConnection, null, $"SELECT pg_advisory_unlock({AdvisoryLockKey})", CancellationToken.None);
        }
    }

    /// <summary>Applies every pending script; returns the versions applied by this call.</summary>
    public async Task<IReadOnlyList<int>> MigrateAsync(CancellationToken ct)
    {
        var applied = new List<int>();
        await using var connection = settings.CreateConnection();
        await connection.OpenAsync(ct);
        if (settings.Provider == StorageProvider.Sqlite)
        {
            await ExecuteAsync(connection, null, "PRAGMA journal_mode=WAL;", ct);
        }

        await ExecuteAsync(connection, null, settings.Provider == StorageProvider.Postgres
            ? "CREATE TABLE IF NOT EXISTS schema_history (version INTEGER PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL)"
            : "CREATE TABLE IF NOT EXISTS schema_history (version INTEGER PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at TEXT NOT NULL)", ct);

        foreach (var script in Scripts)
        {
            // IsolationLevel.Serializable makes Microsoft.Data.Sqlite issue BEGIN IMMEDIATE, taking the write lock up front.
            await using var tx = await connection.BeginTransactionAsync(IsolationLevel.Serializable, ct);
            var history = await ReadHistoryAsync(connection, tx, ct);
            if (history.TryGetValue(script.Version, out var checksum))
            {
                if (checksum != script.Checksum)
                {
                    throw new InvalidOperationException(
                        $"Migration {script.Version:0000}_{script.Name} was changed after it was applied; migrations are forward-only, add a new script instead.");
                }

                await tx.RollbackAsync(ct);
                continue;
            }

            await ExecuteAsync(connection, tx, script.Sql, ct);
            await using (var insert = connection.CreateCommand())
            {
                insert.Transaction = tx;
                insert.CommandText = "INSERT INTO schema_history (version, name, checksum, applied_at) VALUES (@v, @n, @c, @a)";
                AddParameter(insert, "@v", script.Version);
                AddParameter(insert, "@n", script.Name);
                AddParameter(insert, "@c", script.Checksum);
                AddParameter(insert, "@a", settings.Provider == StorageProvider.Postgres ? time.GetUtcNow() : time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture));
                await insert.ExecuteNonQueryAsync(ct);
            }

            await tx.CommitAsync(ct);
            applied.Add(script.Version);
            LogApplied(script.Version, script.Name);
        }

        var unknown = (await ReadHistoryAsync(connection, null, ct)).Keys.Where(v => Scripts.All(s => s.Version != v)).ToList();
        if (unknown.Count > 0)
        {
            throw new InvalidOperationException(
                $"The database has migrations this build does not know ({string.Join(", ", unknown)}); it was migrated by a newer version.");
        }

        return applied;
    }

    private static async Task<Dictionary<int, string>> ReadHistoryAsync(DbConnection connection, DbTransaction? tx, CancellationToken ct)
    {
        var history = new Dictionary<int, string>();
        await using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = "SELECT version, checksum FROM schema_history";
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            history[Convert.ToInt32(reader.GetValue(0), CultureInfo.InvariantCulture)] = reader.GetString(1);
        }

        return history;
    }

    private static async Task ExecuteAsync(DbConnection connection, DbTransaction? tx, string sql, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        command.CommandTimeout = 120;
        await command.ExecuteNonQueryAsync(ct);
    }

    private static void AddParameter(DbCommand command, string name, object value)
    {
        var p = command.CreateParameter();
        p.ParameterName = name;
        p.Value = value;
        command.Parameters.Add(p);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Applied migration {Version} {Name}")]
    private partial void LogApplied(int version, string name);
}
