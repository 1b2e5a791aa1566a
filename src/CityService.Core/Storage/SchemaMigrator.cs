using System.Data;
using System.Data.Common;
using System.Globalization;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace CityService.Core.Storage;

public sealed record MigrationScript(int Version, string Name, string Sql)
{
    /// <summary>The checksum the hand-written migrator before ADR 012 recorded in <c>schema_history</c>.</summary>
    public string LegacyChecksum { get; } = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Sql.ReplaceLineEndings("\n"))));
}

/// <summary>
/// Applies the forward-only SQL scripts embedded as Storage/Migrations/&lt;Provider&gt;/VNNNN__name.sql with Evolve
/// (docs/decisions/012-data-model-and-migrations.md), recording them in <c>schema_changelog</c> with their checksums.
/// Instances starting at once are serialised by <see cref="RunExclusiveAsync"/>. A database made by the earlier
/// hand-written migrator (<c>schema_history</c>) is taken over without running its scripts again.
/// </summary>
public sealed partial class SchemaMigrator(StorageSettings settings, ILogger<SchemaMigrator> logger)
{
    public const string ChangelogTable = "schema_changelog";

    /// <summary>The table of the hand-written migrator (ADR 002), read once when a database is taken over.</summary>
    public const string LegacyHistoryTable = "schema_history";

    /// <summary>Arbitrary but fixed key of the session-level advisory lock that guards schema changes and seeding.</summary>
    private const long AdvisoryLockKey = 0x43_69_74_79_53_76_63; // "CitySvc"

    public IReadOnlyList<MigrationScript> Scripts { get; } = LoadScripts(settings.Provider);

    /// <summary>The embedded scripts of a provider, in order; any file there not named VNNNN__name.sql is refused, never skipped.</summary>
    public static IReadOnlyList<MigrationScript> LoadScripts(StorageProvider provider)
    {
        var assembly = Assembly.GetExecutingAssembly();
        var prefix = ResourcePrefix(provider);
        var scripts = new List<MigrationScript>();
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal)))
        {
            var file = resource[prefix.Length..];
            var match = ScriptName().Match(file);
            if (!match.Success)
            {
                throw new InvalidOperationException($"Migration '{file}' is not named VNNNN__name.sql (e.g. V0009__add_payments.sql).");
            }

            using var reader = new StreamReader(assembly.GetManifestResourceStream(resource)!);
            scripts.Add(new MigrationScript(int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), match.Groups[2].Value, reader.ReadToEnd()));
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
        await using var held = settings.Provider == StorageProvider.Postgres ? await AdvisoryLockAsync(ct) : await SqliteLockAsync(ct);
        await work();
    }

    /// <summary>Applies every pending script; returns the versions applied by this call.</summary>
    public async Task<IReadOnlyList<int>> MigrateAsync(CancellationToken ct)
    {
        await using var connection = settings.CreateConnection();
        await connection.OpenAsync(ct);
        if (settings.Provider == StorageProvider.Sqlite)
        {
            await ExecuteAsync(connection, "PRAGMA journal_mode=WAL;", ct);
        }

        var before = await AppliedVersionsAsync(connection, ct);
        var newest = Scripts.Count == 0 ? 0 : Scripts[^1].Version;
        if (before.Count > 0 && before.Max() > newest)
        {
            throw new InvalidOperationException(
                $"The database has migration {before.Max()}, this build knows up to {newest}; it was migrated by a newer version.");
        }

        var startVersion = before.Count == 0 && await TableExistsAsync(connection, ChangelogTable, ct) is false
            ? await TakeOverLegacyHistoryAsync(connection, ct)
            : null;

        var evolve = new EvolveDb.Evolve(connection, LogEvolve, settings.Provider == StorageProvider.Postgres ? EvolveDb.Dialect.DBMS.PostgreSQL : EvolveDb.Dialect.DBMS.SQLite)
        {
            EmbeddedResourceAssemblies = [Assembly.GetExecutingAssembly()],
            EmbeddedResourceFilters = [ResourcePrefix(settings.Provider)],
            MetadataTableName = ChangelogTable,
            Schemas = [settings.Provider == StorageProvider.Postgres ? "public" : "main"],
            EnableClusterMode = false, // RunExclusiveAsync holds the lock, for the seeding after the schema too
            CommandTimeout = 120,
            IsEraseDisabled = true,
        };
        if (startVersion is { } start)
        {
            evolve.StartVersion = new EvolveDb.Migration.MigrationVersion(start.ToString(CultureInfo.InvariantCulture));
        }

        try
        {
            evolve.Migrate();
        }
        catch (EvolveDb.EvolveValidationException e)
        {
            throw new InvalidOperationException(
                $"An applied migration was changed or is missing ({e.Message}); migrations are forward-only, add a new script instead.", e);
        }

        if (startVersion is not null)
        {
            await ExecuteAsync(connection, $"DROP TABLE {LegacyHistoryTable}", ct);
        }

        var applied = (await AppliedVersionsAsync(connection, ct)).Except(before).Order().ToList();
        foreach (var script in Scripts.Where(s => applied.Contains(s.Version)))
        {
            LogApplied(script.Version, script.Name);
        }

        return applied;
    }

    /// <summary>
    /// A database of the hand-written migrator: checks that every recorded script is this build's, unchanged, and returns
    /// the first version Evolve is to run (its StartVersion); null for a new database.
    /// </summary>
    private async Task<int?> TakeOverLegacyHistoryAsync(DbConnection connection, CancellationToken ct)
    {
        if (!await TableExistsAsync(connection, LegacyHistoryTable, ct))
        {
            return null;
        }

        var history = new Dictionary<int, string>();
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = $"SELECT version, checksum FROM {LegacyHistoryTable}";
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                history[Convert.ToInt32(reader.GetValue(0), CultureInfo.InvariantCulture)] = reader.GetString(1);
            }
        }

        var last = history.Count == 0 ? 0 : history.Keys.Max();
        for (var version = 1; version <= last; version++)
        {
            var script = Scripts.SingleOrDefault(s => s.Version == version);
            if (script is null || !history.TryGetValue(version, out var checksum) || checksum != script.LegacyChecksum)
            {
                throw new InvalidOperationException(
                    $"The database's {LegacyHistoryTable} does not match this build's migration {version}; migrations are forward-only, add a new script instead.");
            }
        }

        LogTakeOver(last);
        return last + 1;
    }

    private async Task<List<int>> AppliedVersionsAsync(DbConnection connection, CancellationToken ct)
    {
        var versions = new List<int>();
        if (!await TableExistsAsync(connection, ChangelogTable, ct))
        {
            return versions;
        }

        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT version FROM {ChangelogTable} WHERE type = {(int)EvolveDb.Metadata.MetadataType.Migration} AND success = {(settings.Provider == StorageProvider.Postgres ? "true" : "1")}";
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            versions.Add(int.Parse(reader.GetString(0), NumberStyles.None, CultureInfo.InvariantCulture));
        }

        return versions;
    }

    private async Task<bool> TableExistsAsync(DbConnection connection, string table, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = settings.Provider == StorageProvider.Postgres
            ? $"SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public' AND table_name = '{table}'"
            : $"SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '{table}'";
        return Convert.ToInt64(await command.ExecuteScalarAsync(ct), CultureInfo.InvariantCulture) > 0;
    }

    private async Task<IAsyncDisposable> AdvisoryLockAsync(CancellationToken ct)
    {
        var connection = settings.CreateConnection();
        await connection.OpenAsync(ct);
        await ExecuteAsync(connection, $"SELECT pg_advisory_lock({AdvisoryLockKey})", ct);
        return new Held(async () =>
        {
            await ExecuteAsync(connection, $"SELECT pg_advisory_unlock({AdvisoryLockKey})", CancellationToken.None);
            await connection.DisposeAsync();
        });
    }

    /// <summary>
    /// SQLite: the write lock of a small lock database beside the data file (BEGIN IMMEDIATE; a second instance waits
    /// in SQLite's busy handler up to the command timeout). The data file itself cannot be the lock: Evolve writes to it.
    /// </summary>
    private async Task<IAsyncDisposable> SqliteLockAsync(CancellationToken ct)
    {
        var data = new SqliteConnectionStringBuilder(settings.ConnectionString);
        if (data.Mode == SqliteOpenMode.Memory || data.DataSource is "" or ":memory:")
        {
            return new Held(() => Task.CompletedTask); // private to this connection string's process
        }

        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = data.DataSource + "-migrate-lock",
            Pooling = false,
            DefaultTimeout = data.DefaultTimeout,
        }.ToString());
        await connection.OpenAsync(ct);
        var tx = (SqliteTransaction)await connection.BeginTransactionAsync(IsolationLevel.Serializable, ct); // BEGIN IMMEDIATE
        await ExecuteAsync(connection, "CREATE TABLE IF NOT EXISTS held (at INTEGER)", ct, tx);
        return new Held(async () =>
        {
            await tx.RollbackAsync(CancellationToken.None);
            await connection.DisposeAsync();
        });
    }

    private static string ResourcePrefix(StorageProvider provider) => $"migrations.{provider}.";

    private static async Task ExecuteAsync(DbConnection connection, string sql, CancellationToken ct, DbTransaction? tx = null)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        command.CommandTimeout = 120;
        await command.ExecuteNonQueryAsync(ct);
    }

    private void LogEvolve(string message) => LogEvolveMessage(message);

    [GeneratedRegex(@"^V(\d{4})__([a-z0-9_]+)\.sql$", RegexOptions.CultureInvariant)]
    private static partial Regex ScriptName();

    [LoggerMessage(Level = LogLevel.Information, Message = "Applied migration {Version} {Name}")]
    private partial void LogApplied(int version, string name);

    [LoggerMessage(Level = LogLevel.Information, Message = "Taking over a database of the earlier migrator at version {Version}; Evolve records from here on")]
    private partial void LogTakeOver(int version);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Evolve: {Message}")]
    private partial void LogEvolveMessage(string message);

    private sealed class Held(Func<Task> release) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await release();
    }
}
