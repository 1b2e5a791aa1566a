using System.Globalization;
using CityService.Core.Catalog;
using CityService.Core.Regions;
using CityService.Core.Storage;
using CityService.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace CityService.Tests.Storage;

/// <summary>Evolve over the SQL scripts (ADR 012): forward-only, one run at a time, and taking over databases of the earlier migrator.</summary>
public abstract class MigrationTests(StorageProvider provider) : IAsyncLifetime
{
    private TestDatabase _db = null!;

    public async Task InitializeAsync() => _db = await TestDatabase.CreateAsync(provider);

    public async Task DisposeAsync() => await _db.DisposeAsync();

    private SchemaMigrator Migrator(TestDatabase? db = null) => new((db ?? _db).Settings, NullLogger<SchemaMigrator>.Instance);

    [Fact]
    public async Task A_new_database_gets_every_script_once_and_migrating_again_applies_nothing()
    {
        Assert.Equal(SchemaMigrator.LoadScripts(provider).Select(s => s.Version), await Migrator().MigrateAsync(CancellationToken.None));
        Assert.Empty(await Migrator().MigrateAsync(CancellationToken.None));
        Assert.Equal(SchemaMigrator.LoadScripts(provider).Count, await ScalarAsync($"SELECT COUNT(*) FROM {SchemaMigrator.ChangelogTable} WHERE name LIKE 'V%' AND success = {True}"));
    }

    [Fact]
    public async Task A_changed_applied_migration_is_refused()
    {
        await Migrator().MigrateAsync(CancellationToken.None);
        await ExecuteAsync($"UPDATE {SchemaMigrator.ChangelogTable} SET checksum = 'x' WHERE version = '0001'");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => Migrator().MigrateAsync(CancellationToken.None));
        Assert.Contains("forward-only", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_database_migrated_by_a_newer_version_is_refused()
    {
        await Migrator().MigrateAsync(CancellationToken.None);
        await ExecuteAsync($"""
            INSERT INTO {SchemaMigrator.ChangelogTable} (type, version, description, name, checksum, installed_by, installed_on, success)
            SELECT type, '9999', 'future', 'V9999__future.sql', checksum, installed_by, installed_on, success FROM {SchemaMigrator.ChangelogTable} WHERE version = '0001'
            """);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => Migrator().MigrateAsync(CancellationToken.None));
        Assert.Contains("newer version", error.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// A database exactly as the hand-written migrator left it (scripts 1–7 and their rows in schema_history, data in
    /// the old timestamp forms) is taken over: nothing of 1–7 runs again, 8 converts the timestamps, no row is lost.
    /// </summary>
    [Fact]
    public async Task A_database_of_the_earlier_migrator_upgrades_without_running_its_scripts_again_or_losing_data()
    {
        var legacy = SchemaMigrator.LoadScripts(provider).Where(s => s.Version <= 7).ToList();
        await ExecuteAsync(provider == StorageProvider.Postgres
            ? "CREATE TABLE schema_history (version INTEGER PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL)"
            : "CREATE TABLE schema_history (version INTEGER PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at TEXT NOT NULL)");
        foreach (var script in legacy)
        {
            await ExecuteAsync(script.Sql);
            await ExecuteAsync(
                $"INSERT INTO schema_history (version, name, checksum, applied_at) VALUES ({script.Version}, '{script.Name}', '{script.LegacyChecksum}', {(provider == StorageProvider.Postgres ? "now()" : "'2026-12-01T00:00:00.0000000+00:00'")})");
        }

        // Rows in the old forms: SQLite kept accounts and catalog times as EF's DateTimeOffset text, PostgreSQL the
        // identity times as BIGINT unix milliseconds.
        var created = new DateTimeOffset(2026, 11, 22, 1, 2, 3, 456, TimeSpan.Zero);
        var expires = created.AddMinutes(5);
        var accountId = Guid.CreateVersion7(created);
        var createdText = provider == StorageProvider.Postgres ? "'2026-11-22T09:02:03.456+08:00'" : "'2026-11-22 09:02:03.456+08:00'";
        await ExecuteAsync("INSERT INTO regions (code, parent_code, level, name_zh, name_en, is_city) VALUES ('990100', NULL, 'Prefecture', '测试市', 'Test City', " + True + ")");
        await ExecuteAsync($"""
            INSERT INTO accounts (id, kind, assurance_level, phone_index, phone_cipher, created_at, email_confirmed, phone_number_confirmed, two_factor_enabled, lockout_enabled, access_failed_count, lockout_end)
            VALUES ('{(provider == StorageProvider.Postgres ? accountId.ToString() : accountId.ToString().ToUpperInvariant())}', 'Citizen', 'L1', 'pi', 'pc', {createdText}, {False}, {False}, {False}, {True}, 0, NULL)
            """);
        await ExecuteAsync($"INSERT INTO otp_challenges (id, phone_index, client_index, code_hash, created_at, expires_at, attempts, consumed_at) VALUES ('{Guid.CreateVersion7(created).ToString().ToUpperInvariant()}', 'pi', 'ci', 'h', {created.ToUnixTimeMilliseconds()}, {expires.ToUnixTimeMilliseconds()}, 2, NULL)");

        var applied = await Migrator().MigrateAsync(CancellationToken.None);

        Assert.Equal(SchemaMigrator.LoadScripts(provider).Select(s => s.Version).Where(v => v > 7), applied);
        Assert.Equal(0, await ScalarAsync($"SELECT COUNT(*) FROM {SchemaMigrator.ChangelogTable} WHERE name LIKE 'V000%' AND CAST(version AS INTEGER) <= 7"));
        Assert.Equal(0, await ScalarAsync(provider == StorageProvider.Postgres
            ? "SELECT COUNT(*) FROM information_schema.tables WHERE table_name = 'schema_history'"
            : "SELECT COUNT(*) FROM sqlite_master WHERE name = 'schema_history'"));

        await using var context = Context();
        var account = await context.Accounts.SingleAsync(a => a.Id == accountId);
        Assert.Equal(created, account.CreatedAt);
        Assert.Equal(TimeSpan.Zero, account.CreatedAt.Offset);
        Assert.Null(account.LockoutEnd);
        var otp = await context.OtpChallenges.SingleAsync();
        Assert.Equal((created, expires, 2), (otp.CreatedAt, otp.ExpiresAt, otp.Attempts));
        Assert.Equal("Test City", (await context.Regions.SingleAsync()).NameEn);
        Assert.Empty(await Migrator().MigrateAsync(CancellationToken.None));
    }

    [Fact]
    public async Task A_database_of_the_earlier_migrator_with_a_changed_script_is_refused()
    {
        var first = SchemaMigrator.LoadScripts(provider)[0];
        await ExecuteAsync("CREATE TABLE schema_history (version INTEGER PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at TEXT NOT NULL)");
        await ExecuteAsync(first.Sql);
        await ExecuteAsync($"INSERT INTO schema_history (version, name, checksum, applied_at) VALUES (1, '{first.Name}', 'not-its-checksum', 'x')");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => Migrator().MigrateAsync(CancellationToken.None));
        Assert.Contains("forward-only", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Two_instances_initialising_a_new_database_at_once_both_succeed_and_seed_once()
    {
        var options = new DbContextOptionsBuilder<CityDbContext>();
        _db.Settings.Configure(options);
        var factory = new PooledDbContextFactory<CityDbContext>(options.Options);

        DatabaseInitializer Instance() => new(Migrator(), factory, TimeProvider.System, NullLogger<DatabaseInitializer>.Instance);

        await Task.WhenAll(
            Task.Run(() => Instance().InitializeAsync(seedDemo: true, CancellationToken.None)),
            Task.Run(() => Instance().InitializeAsync(seedDemo: true, CancellationToken.None)));

        await using var context = await factory.CreateDbContextAsync();
        Assert.Equal(RegionReferenceData.Load().Count, await context.Regions.CountAsync());
        Assert.Equal(CatalogSeedData.Load().Items.Count, await context.ServiceItems.CountAsync());
        Assert.Equal(SchemaMigrator.LoadScripts(provider).Count, await ScalarAsync($"SELECT COUNT(*) FROM {SchemaMigrator.ChangelogTable} WHERE name LIKE 'V%'"));
    }

    private string True => provider == StorageProvider.Postgres ? "true" : "1";

    private string False => provider == StorageProvider.Postgres ? "false" : "0";

    private CityDbContext Context()
    {
        var options = new DbContextOptionsBuilder<CityDbContext>();
        _db.Settings.Configure(options);
        return new CityDbContext(options.Options);
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = _db.Settings.CreateConnection();
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    private async Task<int> ScalarAsync(string sql)
    {
        await using var connection = _db.Settings.CreateConnection();
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt32(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }
}

public sealed class MigrationTests_Sqlite() : MigrationTests(StorageProvider.Sqlite);

public sealed class MigrationTests_Postgres() : MigrationTests(StorageProvider.Postgres);
