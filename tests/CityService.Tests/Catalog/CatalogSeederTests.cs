using CityService.Core.Catalog;
using CityService.Core.Storage;
using CityService.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace CityService.Tests.Catalog;

/// <summary>
/// A demo database seeded before the guide sections existed gets them at the next start, and only what it lacks:
/// halls when it has none, department numbers never set, the sections of items that have none; an edited guide stays.
/// </summary>
public abstract class CatalogSeederTests(StorageProvider provider) : IAsyncLifetime
{
    private TestDatabase _db = null!;

    public async Task InitializeAsync() => _db = await TestDatabase.CreateAsync(provider);

    public async Task DisposeAsync() => await _db.DisposeAsync();

    [Fact]
    public async Task A_seeded_catalog_without_the_new_sections_gets_them_and_keeps_its_edits()
    {
        var options = new DbContextOptionsBuilder<CityDbContext>();
        _db.Settings.Configure(options);
        var factory = new PooledDbContextFactory<CityDbContext>(options.Options);
        Task Start() => new DatabaseInitializer(new SchemaMigrator(_db.Settings, NullLogger<SchemaMigrator>.Instance), factory, TimeProvider.System,
            NullLogger<DatabaseInitializer>.Instance).InitializeAsync(seedDemo: true, CancellationToken.None);

        await Start();
        await using (var db = await factory.CreateDbContextAsync())
        {
            // As a database seeded before V0010 looks, plus one guide a department edited since.
            await db.Database.ExecuteSqlRawAsync("UPDATE service_items SET conditions = '[]', steps = '[]', faq = '[]' WHERE code <> 'TR-0002'");
            await db.Database.ExecuteSqlRawAsync("UPDATE service_items SET conditions = {0}, steps = '[]', faq = '[]' WHERE code = 'TR-0002'", """[{"zh":"甲","en":"A"}]""");
            await db.Database.ExecuteSqlRawAsync("UPDATE departments SET phone = NULL");
            await db.Database.ExecuteSqlRawAsync("DELETE FROM service_halls");
        }

        await Start();
        await using (var db = await factory.CreateDbContextAsync())
        {
            var data = CatalogSeedData.Load();
            Assert.Equal(data.Halls.Count, await db.ServiceHalls.CountAsync());
            Assert.Equal("12367", (await db.Departments.SingleAsync(d => d.RegionCode == "100000" && d.Code == "NIA")).Phone);
            var passport = await db.ServiceItems.AsNoTracking().SingleAsync(i => i.Code == "EE-0001");
            Assert.Equal(data.Items.Single(i => i.Code == "EE-0001").Conditions, passport.Guide.Conditions);
            Assert.NotEmpty(passport.Guide.Steps);
            Assert.NotEmpty(passport.Guide.Faq);
            var edited = await db.ServiceItems.AsNoTracking().SingleAsync(i => i.Code == "TR-0002");
            Assert.Equal("甲", Assert.Single(edited.Guide.Conditions).Zh);
            Assert.Empty(edited.Guide.Faq);
        }
    }
}

public sealed class CatalogSeederTests_Sqlite() : CatalogSeederTests(StorageProvider.Sqlite);

public sealed class CatalogSeederTests_Postgres() : CatalogSeederTests(StorageProvider.Postgres);
