using CityService.Core.Catalog;
using CityService.Core.Regions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace CityService.Core.Storage;

/// <summary>Brings a database up to date at start-up or on <c>migrate</c>: schema, reference regions, and optionally the demo catalog.</summary>
public sealed partial class DatabaseInitializer(
    SchemaMigrator migrator,
    IDbContextFactory<CityDbContext> dbFactory,
    TimeProvider time,
    ILogger<DatabaseInitializer> logger)
{
    /// <param name="afterSeed">More seeding the host does under the same exclusive lock (e.g. demo accounts).</param>
    public async Task InitializeAsync(bool seedDemo, CancellationToken ct, Func<Task>? afterSeed = null)
    {
        await migrator.RunExclusiveAsync(
            async () =>
            {
                var clock = System.Diagnostics.Stopwatch.StartNew(); // phase times in the log: what a start-up spends (bench/coldstart.sh)
                var applied = await migrator.MigrateAsync(ct);
                var schemaMs = clock.ElapsedMilliseconds;
                await using var db = await dbFactory.CreateDbContextAsync(ct);
                var regionChanges = await RegionSeeder.SyncAsync(db, ct);
                var regionsMs = clock.ElapsedMilliseconds;
                var seeded = seedDemo && await CatalogSeeder.SeedDemoAsync(db, time, ct);
                var catalogMs = clock.ElapsedMilliseconds;
                if (afterSeed is not null)
                {
                    await afterSeed();
                }

                LogReady(applied.Count, regionChanges, seeded, clock.ElapsedMilliseconds, schemaMs, regionsMs - schemaMs, catalogMs - regionsMs, clock.ElapsedMilliseconds - catalogMs);
            },
            ct);
    }

    /// <summary>Loads the regions into memory once the database is ready.</summary>
    public async Task<RegionDirectory> LoadRegionsAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return new RegionDirectory(await db.Regions.AsNoTracking().ToListAsync(ct));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Database ready: {Migrations} migration(s) applied, {Regions} region row(s) synced, demo catalog seeded: {Seeded}; "
        + "{ElapsedMs} ms (schema {SchemaMs}, regions {RegionsMs}, demo catalog {CatalogMs}, further seeding {FurtherMs})")]
    private partial void LogReady(int migrations, int regions, bool seeded, long elapsedMs, long schemaMs, long regionsMs, long catalogMs, long furtherMs);
}
