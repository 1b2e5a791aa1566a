using System.Diagnostics;
using CityService.Core.Regions;
using CityService.Core.Storage;
using CityService.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;

namespace CityService.Tests.Regions;

/// <summary>The seeder loads all divisions into an empty database, changes nothing on a restart and repairs a changed row.</summary>
public abstract class RegionSeederTests(StorageProvider provider, ITestOutputHelper output) : IAsyncLifetime
{
    private TestDatabase _db = null!;

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync(provider);
        await new SchemaMigrator(_db.Settings, NullLogger<SchemaMigrator>.Instance).MigrateAsync(CancellationToken.None);
    }

    public async Task DisposeAsync() => await _db.DisposeAsync();

    [Fact]
    public async Task Seeding_inserts_every_division_once_and_a_restart_changes_nothing()
    {
        var load = Stopwatch.StartNew();
        _ = RegionReferenceData.Load();
        load.Stop();
        await using (var warm = Context())
        {
            _ = await warm.Regions.CountAsync(); // EF Core builds its model and opens the first connection outside the timing
        }

        var first = Stopwatch.StartNew();
        await using (var db = Context())
        {
            Assert.Equal(3216, await RegionSeeder.SyncAsync(db, CancellationToken.None));
        }

        first.Stop();
        var again = Stopwatch.StartNew();
        await using (var db = Context())
        {
            Assert.Equal(0, await RegionSeeder.SyncAsync(db, CancellationToken.None));
        }

        again.Stop();
        output.WriteLine($"{provider}: reading regions.tsv {load.ElapsedMilliseconds} ms, first sync {first.ElapsedMilliseconds} ms, restart sync {again.ElapsedMilliseconds} ms");

        await using var check = Context();
        Assert.Equal(3216, await check.Regions.CountAsync());
        Assert.Equal(371, await check.Regions.CountAsync(r => r.IsCity));
        var lhasa = await check.Regions.SingleAsync(r => r.Code == "540100");
        Assert.Equal(("拉萨市", "Lhasa", "540000"), (lhasa.NameZh, lhasa.NameEn, lhasa.ParentCode));
    }

    [Fact]
    public async Task A_row_changed_in_the_database_is_set_back_to_the_reference()
    {
        await using (var db = Context())
        {
            await RegionSeeder.SyncAsync(db, CancellationToken.None);
            await db.Database.ExecuteSqlRawAsync("UPDATE regions SET name_en = 'Wrong', is_city = FALSE WHERE code = '653100'");
        }

        await using (var db = Context())
        {
            Assert.Equal(1, await RegionSeeder.SyncAsync(db, CancellationToken.None));
        }

        await using var check = Context();
        var kashgar = await check.Regions.AsNoTracking().SingleAsync(r => r.Code == "653100");
        Assert.Equal(("Kashgar Prefecture", true), (kashgar.NameEn, kashgar.IsCity));
    }

    private CityDbContext Context()
    {
        var options = new DbContextOptionsBuilder<CityDbContext>();
        _db.Settings.Configure(options);
        return new CityDbContext(options.Options);
    }
}

public sealed class RegionSeederTests_Sqlite(ITestOutputHelper output) : RegionSeederTests(StorageProvider.Sqlite, output);

public sealed class RegionSeederTests_Postgres(ITestOutputHelper output) : RegionSeederTests(StorageProvider.Postgres, output);
