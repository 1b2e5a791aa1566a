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
        // Untracked: on a restart nothing differs, and tracking 3,216 rows only to find that out cost most of the sync.
        var existing = await db.Regions.AsNoTracking().ToDictionaryAsync(r => r.Code, StringComparer.Ordinal, ct);
        var changes = 0;

        // One save per level, parents first: the self-referencing foreign key holds at every insert, and EF Core need not
        // order 3,000 dependent inserts itself (one save of all rows took ~10 s on a loaded 2-core machine; see docs/benchmarks.md).
        // The context goes on to the catalog seeder, which relies on detecting changes: switched off only for this loop.
        var detecting = db.ChangeTracker.AutoDetectChangesEnabled;
        db.ChangeTracker.AutoDetectChangesEnabled = false;
        try
        {
            changes = await SaveByLevelAsync(db, reference, existing, ct);
        }
        finally
        {
            db.ChangeTracker.AutoDetectChangesEnabled = detecting;
        }

        await tx.CommitAsync(ct);
        return changes;
    }

    private static async Task<int> SaveByLevelAsync(CityDbContext db, IReadOnlyList<Region> reference, Dictionary<string, Region> existing, CancellationToken ct)
    {
        var changes = 0;
        foreach (var level in reference.GroupBy(r => r.Level).OrderBy(g => g.Key))
        {
            foreach (var region in level)
            {
                if (existing.TryGetValue(region.Code, out var row))
                {
                    if (row.MatchReference(region))
                    {
                        db.Regions.Update(row);
                        changes++;
                    }
                }
                else
                {
                    db.Regions.Add(region);
                    changes++;
                }
            }

            await db.SaveChangesAsync(ct);
        }

        return changes;
    }
}
