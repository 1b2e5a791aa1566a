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

        // Parents first, so the self-referencing foreign key holds at every insert.
        foreach (var region in reference.OrderBy(r => r.Level))
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

        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return changes;
    }
}
