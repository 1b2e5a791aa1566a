using System.Diagnostics;
using CityService.Core.Common;

namespace CityService.Core.Audit;

/// <summary>
/// Appends entries to the audit log: <c>await audit.RecordAsync(db, new AuditRecord(AuditActions.X, actor, …), ct)</c>.
/// Inside the caller's transaction the entry commits or rolls back with the act; without one it gets its own. The
/// region's chain head is locked for the rest of the transaction (<c>SELECT … FOR UPDATE</c> on PostgreSQL; SQLite
/// serialises writers), so concurrent appends to one chain take turns and the chain stays a chain.
/// </summary>
public sealed class AuditLog(TimeProvider time)
{
    /// <summary>Writes the entry now, through <paramref name="db"/>'s connection (not its change tracker).</summary>
    public async Task RecordAsync(CityDbContext db, AuditRecord record, CancellationToken ct)
    {
        if (db.Database.CurrentTransaction is not null)
        {
            await AppendAsync(db, record, ct);
            return;
        }

        await using var tx = await db.BeginSerialisedAsync(ct);
        await AppendAsync(db, record, ct);
        await tx.CommitAsync(ct);
    }

    private async Task AppendAsync(CityDbContext db, AuditRecord record, CancellationToken ct)
    {
        var region = record.RegionCode;
        var genesis = AuditHash.Genesis;
        await db.Database.ExecuteSqlInterpolatedAsync(
            $"INSERT INTO audit_chain_heads (region_code, sequence, hash) VALUES ({region}, 0, {genesis}) ON CONFLICT (region_code) DO NOTHING", ct);
        var heads = db.Database.IsNpgsql()
            ? db.Set<AuditChainHead>().FromSql($"SELECT * FROM audit_chain_heads WHERE region_code = {region} FOR UPDATE")
            : db.Set<AuditChainHead>().FromSql($"SELECT * FROM audit_chain_heads WHERE region_code = {region}");
        var head = (await heads.AsNoTracking().ToListAsync(ct)).Single();

        var entry = AuditEntry.Create(record, head.Sequence + 1, time.GetUtcNow(), Activity.Current?.TraceId.ToHexString(), head.Hash);
        var at = db.Database.ToStored(entry.At);
        await db.Database.ExecuteSqlInterpolatedAsync(
            $"""
            INSERT INTO audit_entries (region_code, sequence, at, actor_kind, actor_id, action, object_type, object_id, outcome, request_id, details, prev_hash, hash)
            VALUES ({entry.RegionCode}, {entry.Sequence}, {at}, {entry.ActorKind}, {entry.ActorId}, {entry.Action}, {entry.ObjectType}, {entry.ObjectId},
                    {entry.Outcome}, {entry.RequestId}, {entry.Details}, {entry.PrevHash}, {entry.Hash})
            """, ct);
        await db.Database.ExecuteSqlInterpolatedAsync(
            $"UPDATE audit_chain_heads SET sequence = {entry.Sequence}, hash = {entry.Hash} WHERE region_code = {region}", ct);
        PlatformMetrics.AuditEntries.Add(1, new("action", record.Action), new("outcome", record.Outcome));
    }
}
