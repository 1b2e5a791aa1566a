using System.Data.Common;
using CityService.Core.Catalog;
using CityService.Core.Common;
using CityService.Core.Regions;
using CityService.Core.Storage;
using CityService.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.Extensions.Logging.Abstractions;

namespace CityService.Tests.Storage;

/// <summary>The SQL migrations and the EF model must agree, on both providers.</summary>
public abstract class SchemaTests(StorageProvider provider) : IAsyncLifetime
{
    private TestDatabase _db = null!;

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync(provider);
        await Migrator().MigrateAsync(CancellationToken.None);
    }

    public async Task DisposeAsync() => await _db.DisposeAsync();

    private SchemaMigrator Migrator() => new(_db.Settings, TimeProvider.System, NullLogger<SchemaMigrator>.Instance);

    private CityDbContext Context()
    {
        var options = new DbContextOptionsBuilder<CityDbContext>();
        _db.Settings.Configure(options);
        return new CityDbContext(options.Options);
    }

    [Fact]
    public async Task Every_entity_column_key_and_index_of_the_model_exists_in_the_migrated_schema()
    {
        await using var context = Context();
        await using var connection = _db.Settings.CreateConnection();
        await connection.OpenAsync();
        foreach (var entity in context.Model.GetEntityTypes())
        {
            var table = entity.GetTableName()!;
            var columns = await Columns(connection, table);
            Assert.True(columns.Count > 0, $"table {table} is missing");
            var store = StoreObjectIdentifier.Table(table);
            foreach (var property in entity.GetProperties())
            {
                var column = property.GetColumnName(store)!;
                Assert.True(columns.TryGetValue(column, out var nullable), $"{table}.{column} is missing");
                Assert.True(property.IsColumnNullable(store) == nullable, $"{table}.{column}: model nullable={property.IsColumnNullable(store)}, schema nullable={nullable}");
            }

            Assert.Equal(entity.GetProperties().Count(), columns.Count);

            var pk = entity.FindPrimaryKey()!.Properties.Select(p => p.GetColumnName(store)).ToArray();
            Assert.Equal(pk, await PrimaryKey(connection, table));

            var indexes = await Indexes(connection, table);
            foreach (var index in entity.GetIndexes())
            {
                var name = index.GetDatabaseName(store)!;
                Assert.True(indexes.TryGetValue(name, out var indexColumns), $"index {name} on {table} is missing");
                Assert.Equal(index.Properties.Select(p => p.GetColumnName(store)).ToArray(), indexColumns);
            }
        }
    }

    [Fact]
    public async Task Every_entity_round_trips()
    {
        var now = new DateTimeOffset(2026, 11, 22, 1, 2, 3, TimeSpan.Zero);
        var region = new Region("990100", null, RegionLevel.Prefecture, "测试市", "Test City", true, new GeoPoint(30.5, 120.25), null);
        var department = new Department("990100", "PSB", "测试市公安局", "Test City PSB");
        var guide = new ServiceGuide(
            [new LocalizedText("身份证", "ID card"), new LocalizedText("照片", "Photo")],
            Fee.Fixed(12_345),
            new LocalizedText("某法", "Some Act"),
            7,
            Visits.Once,
            [OnlineMode.Form, OnlineMode.ExternalLink],
            "https://example.org/apply",
            ["驾驶证", "licence"]);
        var item = new ServiceItem("990100", "TR-9999", ServiceField.Transportation, ("990100", "PSB"),
            new LocalizedText("测试事项", "Test item"), new LocalizedText("说明", "About"), guide, now);
        var change = new ServiceOverride("990100", "TR-0001", now);
        change.Disable(now);
        change.AssignTo(("990100", "PSB"), now);
        change.ChangeGuide(new GuidePatch(PromisedDays: 0, Fee: Fee.Free, Keywords: ["快"], LegalBasis: new LocalizedText("甲", "A")), now);

        await using (var write = Context())
        {
            write.AddRange(region, department, item, change);
            await write.SaveChangesAsync();
        }

        await using var read = Context();
        var r = await read.Regions.SingleAsync(x => x.Code == "990100");
        Assert.Equal(("测试市", "Test City", RegionLevel.Prefecture, true), (r.NameZh, r.NameEn, r.Level, r.IsCity));
        Assert.Equal(new GeoPoint(30.5, 120.25), r.Seat);
        Assert.Null(r.Centroid);

        var d = await read.Departments.SingleAsync(x => x.RegionCode == "990100");
        Assert.Equal("Test City PSB", d.NameEn);

        var i = await read.ServiceItems.SingleAsync(x => x.Code == "TR-9999");
        Assert.Equal(ServiceField.Transportation, i.Field);
        Assert.Equal(guide.Materials, i.Guide.Materials);
        Assert.Equal(guide.Online, i.Guide.Online);
        Assert.Equal(guide.Keywords, i.Guide.Keywords);
        Assert.Equal(guide with { Materials = i.Guide.Materials, Online = i.Guide.Online, Keywords = i.Guide.Keywords }, i.Guide);
        Assert.Equal(now, i.UpdatedAt);

        var o = await read.ServiceOverrides.SingleAsync(x => x.RegionCode == "990100");
        Assert.False(o.Enabled);
        Assert.Equal(0, o.PromisedDays);
        Assert.Equal(Fee.Free, o.Patch.Fee);
        Assert.Equal(["快"], o.Keywords!);
        Assert.Null(o.Materials);
        Assert.Null(o.Visits);
        Assert.Equal(("990100", "PSB"), (o.DepartmentRegionCode, o.DepartmentCode));
    }

    [Fact]
    public async Task Migrating_again_applies_nothing()
    {
        Assert.Empty(await Migrator().MigrateAsync(CancellationToken.None));
    }

    [Fact]
    public async Task A_changed_applied_migration_is_refused()
    {
        await using (var connection = _db.Settings.CreateConnection())
        {
            await connection.OpenAsync();
            await using var tamper = connection.CreateCommand();
            tamper.CommandText = "UPDATE schema_history SET checksum = 'x' WHERE version = 1";
            await tamper.ExecuteNonQueryAsync();
        }

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => Migrator().MigrateAsync(CancellationToken.None));
        Assert.Contains("forward-only", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Two_instances_initialising_a_new_database_at_once_both_succeed_and_seed_once()
    {
        await using var fresh = await TestDatabase.CreateAsync(provider);
        var options = new DbContextOptionsBuilder<CityDbContext>();
        fresh.Settings.Configure(options);
        var factory = new PooledDbContextFactory<CityDbContext>(options.Options);

        DatabaseInitializer Instance() => new(
            new SchemaMigrator(fresh.Settings, TimeProvider.System, NullLogger<SchemaMigrator>.Instance),
            factory, TimeProvider.System, NullLogger<DatabaseInitializer>.Instance);

        await Task.WhenAll(
            Task.Run(() => Instance().InitializeAsync(seedDemo: true, CancellationToken.None)),
            Task.Run(() => Instance().InitializeAsync(seedDemo: true, CancellationToken.None)));

        await using var context = await factory.CreateDbContextAsync();
        Assert.Equal(RegionReferenceData.Load().Count, await context.Regions.CountAsync());
        Assert.Equal(CatalogSeedData.Load().Items.Count, await context.ServiceItems.CountAsync());
        await using var connection = fresh.Settings.CreateConnection();
        await connection.OpenAsync();
        await using var count = connection.CreateCommand();
        count.CommandText = "SELECT COUNT(*) FROM schema_history";
        Assert.Equal(SchemaMigrator.LoadScripts(provider).Count, Convert.ToInt32(await count.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture));
    }

    private async Task<Dictionary<string, bool>> Columns(DbConnection connection, string table)
    {
        var sql = provider == StorageProvider.Postgres
            ? $"SELECT column_name, is_nullable = 'YES' FROM information_schema.columns WHERE table_schema = 'public' AND table_name = '{table}'"
            : $"SELECT name, \"notnull\" = 0 AND pk = 0 FROM pragma_table_info('{table}')";
        var result = new Dictionary<string, bool>();
        await foreach (var row in Rows(connection, sql))
        {
            result[(string)row[0]] = Convert.ToBoolean(row[1], System.Globalization.CultureInfo.InvariantCulture);
        }

        return result;
    }

    private async Task<string[]> PrimaryKey(DbConnection connection, string table)
    {
        var sql = provider == StorageProvider.Postgres
            ? $"""
               SELECT a.attname FROM pg_index i
               JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
               WHERE i.indrelid = 'public.{table}'::regclass AND i.indisprimary
               ORDER BY array_position(i.indkey, a.attnum)
               """
            : $"SELECT name FROM pragma_table_info('{table}') WHERE pk > 0 ORDER BY pk";
        var result = new List<string>();
        await foreach (var row in Rows(connection, sql))
        {
            result.Add((string)row[0]);
        }

        return [.. result];
    }

    private async Task<Dictionary<string, string[]>> Indexes(DbConnection connection, string table)
    {
        var sql = provider == StorageProvider.Postgres
            ? $"""
               SELECT c.relname, a.attname FROM pg_index i
               JOIN pg_class c ON c.oid = i.indexrelid
               JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
               WHERE i.indrelid = 'public.{table}'::regclass
               ORDER BY c.relname, array_position(i.indkey, a.attnum)
               """
            : $"SELECT il.name, ii.name FROM pragma_index_list('{table}') il, pragma_index_info(il.name) ii ORDER BY il.name, ii.seqno";
        var result = new Dictionary<string, List<string>>();
        await foreach (var row in Rows(connection, sql))
        {
            var name = (string)row[0];
            if (!result.TryGetValue(name, out var list))
            {
                result[name] = list = [];
            }

            list.Add((string)row[1]);
        }

        return result.ToDictionary(kv => kv.Key, kv => kv.Value.ToArray());
    }

    private static async IAsyncEnumerable<object[]> Rows(DbConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var values = new object[reader.FieldCount];
            reader.GetValues(values);
            yield return values;
        }
    }
}

public sealed class SchemaTests_Sqlite() : SchemaTests(StorageProvider.Sqlite);

public sealed class SchemaTests_Postgres() : SchemaTests(StorageProvider.Postgres);
