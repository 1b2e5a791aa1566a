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

        // SQLite lets one writer in at a time and a writer that finds the lock taken backs off for a while: queueing this
        // process's own appends in memory first spares them that wait (32 writers: docs/benchmarks.md, "Audit log").
        var gate = db.Database.IsSqlite() ? SqliteGates.GetOrAdd(db.Database.GetConnectionString() ?? string.Empty, _ => new SemaphoreSlim(1, 1)) : null;
        if (gate is not null)
        {
            await gate.WaitAsync(ct);
        }

        try
        {
            await using var tx = await db.BeginSerialisedAsync(ct);
            await AppendAsync(db, record, ct);
            await tx.CommitAsync(ct);
        }
        finally
        {
            gate?.Release();
        }
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, SemaphoreSlim> SqliteGates = new(StringComparer.Ordinal);

    /// <summary>Saves <paramref name="db"/>'s pending changes and appends the entries in one transaction (the caller's, or a new one).</summary>
    public async Task SaveWithAsync(CityDbContext db, IEnumerable<AuditRecord> records, CancellationToken ct) =>
        await TrySaveWithAsync(db, records, unique: false, ct);

    /// <summary>
    /// As <see cref="SaveWithAsync"/>, but a unique-key conflict (another request got there first) returns false and
    /// leaves neither the changes nor the entries (<see cref="CityDbContext.TrySaveChangesAsync"/>).
    /// </summary>
    public Task<bool> TrySaveWithAsync(CityDbContext db, IEnumerable<AuditRecord> records, CancellationToken ct) =>
        TrySaveWithAsync(db, records, unique: true, ct);

    private async Task<bool> TrySaveWithAsync(CityDbContext db, IEnumerable<AuditRecord> records, bool unique, CancellationToken ct)
    {
        var own = db.Database.CurrentTransaction is null ? await db.BeginSerialisedAsync(ct) : null;
        try
        {
            if (unique)
            {
                if (!await db.TrySaveChangesAsync(ct))
                {
                    return false;
                }
            }
            else
            {
                await db.SaveChangesAsync(ct);
            }

            foreach (var record in records)
            {
                await AppendAsync(db, record, ct); // the chain head's lock last, after the act's own locks: no cycles
            }

            if (own is not null)
            {
                await own.CommitAsync(ct);
            }

            return true;
        }
        finally
        {
            if (own is not null)
            {
                await own.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// A failed or refused sign-in, in its own transaction: about the phone's account when it has one (so its owner sees
    /// it), else the phone by blind index. <paramref name="reason"/> is the error code.
    /// </summary>
    public async Task RecordSignInFailureAsync(CityDbContext db, string phoneIndex, string method, string reason, string outcome, CancellationToken ct)
    {
        var accountId = await db.Accounts.AsNoTracking().Where(a => a.PhoneIndex == phoneIndex).Select(a => (Guid?)a.Id).FirstOrDefaultAsync(ct);
        await RecordAsync(db, new AuditRecord(
            AuditActions.SignInFailed, AuditActor.Anonymous,
            accountId is null ? AuditRecord.PhoneObject : AuditRecord.AccountObject, accountId?.ToString() ?? phoneIndex,
            outcome, Details: AuditRecord.DetailsOf(new { method, reason })), ct);
    }

    /// <summary>
    /// Staff saw a citizen's personal data unmasked (<paramref name="what"/>: "phone", "id-number", "name", …), within the
    /// caller's transaction if any. The citizen sees the department and the time on /me/security, never the staff person.
    /// No page shows unmasked data to staff yet: the first one calls this.
    /// </summary>
    public Task RecordDataRevealedAsync(CityDbContext db, Guid staffAccountId, string regionCode, string departmentCode, Guid citizenAccountId, string what, CancellationToken ct) =>
        RecordAsync(db, new AuditRecord(AuditActions.DataRevealed, AuditActor.Staff(staffAccountId), AuditRecord.AccountObject, citizenAccountId.ToString(),
            RegionCode: regionCode, Details: AuditRecord.DetailsOf(new { department = departmentCode, what })), ct);

    private async Task AppendAsync(CityDbContext db, AuditRecord record, CancellationToken ct)
    {
        // The head, locked for the rest of the transaction, in one round trip: on PostgreSQL the upsert's DO UPDATE waits
        // for and takes the row lock and returns the latest committed head; SQLite's writer lock already covers it. The
        // fewer round trips under the lock, the more appends a chain takes per second (docs/benchmarks.md).
        var region = record.RegionCode;
        var genesis = AuditHash.Genesis;
        var heads = db.Set<AuditChainHead>().FromSql(
            $"INSERT INTO audit_chain_heads (region_code, sequence, hash) VALUES ({region}, 0, {genesis}) ON CONFLICT (region_code) DO UPDATE SET region_code = excluded.region_code RETURNING *");
        var head = (await heads.AsNoTracking().ToListAsync(ct)).Single();

        var entry = AuditEntry.Create(record, head.Sequence + 1, time.GetUtcNow(), Activity.Current?.TraceId.ToHexString(), head.Hash);
        var at = db.Database.ToStored(entry.At);
        await db.Database.ExecuteSqlInterpolatedAsync(
            $"""
            INSERT INTO audit_entries (region_code, sequence, at, actor_kind, actor_id, action, object_type, object_id, outcome, request_id, details, prev_hash, hash)
            VALUES ({entry.RegionCode}, {entry.Sequence}, {at}, {entry.ActorKind}, {entry.ActorId}, {entry.Action}, {entry.ObjectType}, {entry.ObjectId},
                    {entry.Outcome}, {entry.RequestId}, {entry.Details}, {entry.PrevHash}, {entry.Hash});
            UPDATE audit_chain_heads SET sequence = {entry.Sequence}, hash = {entry.Hash} WHERE region_code = {region}
            """, ct);
        PlatformMetrics.AuditEntries.Add(1, new("action", record.Action), new("outcome", record.Outcome));
    }
}
