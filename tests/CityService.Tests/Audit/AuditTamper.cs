using System.Security.Cryptography;
using CityService.Core.Audit;
using CityService.Core.Storage;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace CityService.Tests.Audit;

/// <summary>
/// Changes the audit tables the way an attacker with database superuser power would: around the append-only triggers
/// (PostgreSQL: <c>session_replication_role = replica</c> turns triggers off for this session only; SQLite: drop the
/// triggers, edit and recreate them in one transaction, so no other connection ever sees them missing).
/// </summary>
public static class AuditTamper
{
    public static async Task RunAsync(StorageSettings storage, string sql)
    {
        if (storage.Provider == StorageProvider.Postgres)
        {
            await using var pg = new NpgsqlConnection(storage.ConnectionString);
            await pg.OpenAsync();
            await using var command = new NpgsqlCommand("SET session_replication_role = replica; " + sql + "; SET session_replication_role = origin;", pg);
            await command.ExecuteNonQueryAsync();
            return;
        }

        await using var connection = new SqliteConnection(storage.ConnectionString);
        await connection.OpenAsync();
        await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync();
        var triggers = new List<(string Name, string Sql)>();
        await using (var read = new SqliteCommand("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN ('audit_entries', 'audit_checkpoints')", connection, tx))
        await using (var reader = await read.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                triggers.Add((reader.GetString(0), reader.GetString(1)));
            }
        }

        var script = string.Concat(triggers.Select(t => $"DROP TRIGGER {t.Name}; ")) + sql + "; " + string.Concat(triggers.Select(t => t.Sql + "; "));
        await using (var edit = new SqliteCommand(script, connection, tx))
        {
            await edit.ExecuteNonQueryAsync();
        }

        await tx.CommitAsync();
    }

    /// <summary>An EC P-256 private key (PEM) for hosts that must be configured like production, made once per test run.</summary>
    public static string SigningKeyPem { get; } = ECDsa.Create(ECCurve.NamedCurves.nistP256).ExportPkcs8PrivateKeyPem();

    /// <summary>A literal for a timestamp column in raw SQL on this provider.</summary>
    public static string Time(StorageSettings storage, DateTimeOffset at) => storage.Provider == StorageProvider.Postgres
        ? $"'{StoredTime.Normalise(at):yyyy-MM-dd HH:mm:ss.fff}+00'"
        : at.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static string Insert(StorageSettings storage, AuditEntry e) =>
        "INSERT INTO audit_entries (region_code, sequence, at, actor_kind, actor_id, action, object_type, object_id, outcome, request_id, details, prev_hash, hash) VALUES ("
        + $"'{e.RegionCode}', {e.Sequence}, {Time(storage, e.At)}, '{e.ActorKind}', {Text(e.ActorId)}, '{e.Action}', {Text(e.ObjectType)}, {Text(e.ObjectId)}, "
        + $"'{e.Outcome}', {Text(e.RequestId)}, {Text(e.Details)}, '{e.PrevHash}', '{e.Hash}')";

    private static string Text(string? value) => value is null ? "NULL" : "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";
}
