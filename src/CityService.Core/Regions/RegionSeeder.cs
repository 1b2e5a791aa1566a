using Microsoft.EntityFrameworkCore;

namespace CityService.Core.Regions;

/// <summary>Keeps the regions table equal to the shipped reference data (insert missing, update changed; never deletes).</summary>
public static class RegionSeeder
{
    public static async Task<int> SyncAsync(CityDbContext db, CancellationToken ct)
    {
        var reference = RegionReferenceData.Load();

        // Read and write in one transaction (BEGIN IMMEDIATE on SQLite) so two instances starting together cannot both insert.
        await using var tx = await db.Database.BeginTransactionAsync(System.Data.IsolationLevel.Serializable, ct);
        var existing = await db.Regions.ToDictionaryAsync(r => r.Code, StringComparer.Ordinal, ct);
        var changes = 0;

        // One save per level, parents first: the self-referencing foreign key holds at every insert, and EF Core need not
        // order 3,000 dependent inserts itself (one save of all rows took ~10 s on a loaded 2-core machine; see docs/benchmarks.md).
        db.ChangeTracker.AutoDetectChangesEnabled = false;
        foreach (var level in reference.GroupBy(r => r.Level).OrderBy(g => g.Key))
        {
            foreach (var region in level)
            {
                if (existing.TryGetValue(region.Code, out var row))
                {
                    changes += row.MatchReference(region) ? 1 : 0;
                }
                else
                {
                    db.Regions.Add(region);
                    changes++;
                }
            }

            db.ChangeTracker.DetectChanges();
            await db.SaveChangesAsync(ct);
        }

        await tx.CommitAsync(ct);
        return changes;
    }
}
