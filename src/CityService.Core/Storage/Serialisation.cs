using Microsoft.EntityFrameworkCore.Storage;

namespace CityService.Core.Storage;

/// <summary>
/// Check-then-write under a lock, the same way on both providers: a write transaction (BEGIN IMMEDIATE on SQLite, which
/// serialises all writers) and, on PostgreSQL, transaction-scoped advisory locks on the keys the check reads.
/// Callers that take several locks take them in one fixed order (see <see cref="Identity.OtpService.SendAsync"/>).
/// </summary>
public static class Serialisation
{
    public static Task<IDbContextTransaction> BeginSerialisedAsync(this CityDbContext db, CancellationToken ct) =>
        db.Database.BeginTransactionAsync(
            db.Database.IsNpgsql() ? System.Data.IsolationLevel.ReadCommitted : System.Data.IsolationLevel.Serializable, ct);

    /// <summary>Waits for, and holds until the transaction ends, the lock on <paramref name="key"/> (PostgreSQL; a no-op on SQLite).</summary>
    public static async Task LockAsync(this CityDbContext db, string key, CancellationToken ct)
    {
        if (db.Database.IsNpgsql())
        {
            await db.Database.ExecuteSqlInterpolatedAsync($"SELECT pg_advisory_xact_lock(hashtextextended({key}, 0))", ct);
        }
    }
}
