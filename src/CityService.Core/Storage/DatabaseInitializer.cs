using CityService.Core.Catalog;
using CityService.Core.Regions;
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
        var started = time.GetTimestamp();
        await migrator.RunExclusiveAsync(
            async () =>
            {
                var applied = await migrator.MigrateAsync(ct);
                var schemaMs = Elapsed(started);
                LogSchemaReady(schemaMs);
                await using var db = await dbFactory.CreateDbContextAsync(ct);
                var regionChanges = await RegionSeeder.SyncAsync(db, ct);
                var regionsMs = Elapsed(started); // phase times in the log: what a start-up spends (bench/coldstart.sh)
                var seeded = seedDemo && await CatalogSeeder.SeedDemoAsync(db, time, ct);
                var catalogMs = Elapsed(started);
                if (afterSeed is not null)
                {
                    await afterSeed();
                }

                var elapsed = Elapsed(started);
                LogReady(applied.Count, regionChanges, seeded, elapsed, schemaMs, regionsMs - schemaMs, catalogMs - regionsMs, elapsed - catalogMs);
            },
            ct);
    }

    /// <summary>Loads the regions into memory once the database is ready.</summary>
    public async Task<RegionDirectory> LoadRegionsAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return new RegionDirectory(await db.Regions.AsNoTracking().ToListAsync(ct));
    }

    private long Elapsed(long started) => (long)time.GetElapsedTime(started).TotalMilliseconds;

    [LoggerMessage(Level = LogLevel.Debug, Message = "Schema up to date after {Milliseconds} ms")]
    private partial void LogSchemaReady(long milliseconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Database ready in {ElapsedMs} ms: {Migrations} migration(s) applied, {Regions} region row(s) synced, demo catalog seeded: {Seeded} "
        + "(schema {SchemaMs} ms, regions {RegionsMs} ms, demo catalog {CatalogMs} ms, further seeding {FurtherMs} ms)")]
    private partial void LogReady(int migrations, int regions, bool seeded, long elapsedMs, long schemaMs, long regionsMs, long catalogMs, long furtherMs);
}
