using CityService.Core.Catalog;
using CityService.Core.Common;
using CityService.Core.Identity;
using CityService.Core.Identity.SignIn;
using CityService.Core.Identity.Staff;
using CityService.Core.Regions;
using CityService.Core.Storage;
using CityService.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;

namespace CityService.Tests.Storage;

/// <summary>The storage rules of ADR 012 that hold for every table, on both providers.</summary>
public abstract class StorageRulesTests(StorageProvider provider) : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 1, 2, 3, 456, TimeSpan.Zero);

    private TestDatabase _db = null!;

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync(provider);
        await new SchemaMigrator(_db.Settings, NullLogger<SchemaMigrator>.Instance).MigrateAsync(CancellationToken.None);
    }

    public async Task DisposeAsync() => await _db.DisposeAsync();

    [Theory]
    [InlineData("UPDATE accounts SET kind = 'Alien'", "accounts.kind", "Alien")]
    [InlineData("UPDATE accounts SET assurance_level = 'L9'", "accounts.assurance_level", "L9")]
    [InlineData("UPDATE staff_assignments SET role = 'janitor'", "staff_assignments.role", "janitor")]
    [InlineData("UPDATE service_items SET field = 'astrology'", "service_items.field", "astrology")]
    [InlineData("UPDATE service_items SET fee_kind = 'Bribe'", "service_items.fee_kind", "Bribe")]
    [InlineData("UPDATE regions SET level = '3'", "regions.level", "3")]
    public async Task An_unknown_enum_value_in_the_database_is_an_error_naming_table_column_and_value(string sql, string column, string value)
    {
        await SeedAsync();
        await using (var raw = Context())
        {
            await raw.Database.ExecuteSqlRawAsync(sql);
        }

        await using var read = Context();
        var error = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            _ = await read.Accounts.AsNoTracking().ToListAsync();
            _ = await read.StaffAssignments.AsNoTracking().ToListAsync();
            _ = await read.ServiceItems.AsNoTracking().ToListAsync();
            _ = await read.Regions.AsNoTracking().ToListAsync();
        });
        var messages = string.Join(" | ", Chain(error).Select(e => e.Message));
        Assert.Contains(column, messages, StringComparison.Ordinal);
        Assert.Contains($"'{value}'", messages, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_enum_property_of_the_model_is_read_strictly()
    {
        await using var context = Context();
        var loose = context.Model.GetEntityTypes()
            .SelectMany(t => t.GetFlattenedProperties())
            .Where(p => (Nullable.GetUnderlyingType(p.ClrType) ?? p.ClrType).IsEnum)
            .Where(p => p.GetTypeMapping().Converter?.GetType().Name.StartsWith("StrictEnumConverter", StringComparison.Ordinal) != true)
            .Select(p => $"{p.DeclaringType.DisplayName()}.{p.Name}")
            .ToList();
        Assert.Empty(loose);
    }

    [Fact]
    public async Task A_timestamp_with_another_offset_is_stored_as_the_same_instant_in_UTC_to_the_millisecond()
    {
        var shanghai = new DateTimeOffset(2026, 11, 22, 9, 2, 3, TimeSpan.FromHours(8)).AddTicks(4_567_891);
        var id = Guid.CreateVersion7();
        await using (var write = Context())
        {
            write.Add(OtpChallenge.Issue(id, "pi", "ci", "h", shanghai));
            await write.SaveChangesAsync();
        }

        await using var read = Context();
        var stored = (await read.OtpChallenges.SingleAsync(o => o.Id == id)).CreatedAt;
        Assert.Equal(new DateTimeOffset(2026, 11, 22, 1, 2, 3, 456, TimeSpan.Zero), stored);
        Assert.Equal(TimeSpan.Zero, stored.Offset);
        Assert.Equal(StoredTime.Normalise(shanghai), stored);

        // ...and compares in SQL as an instant, whatever offset the parameter has.
        Assert.Equal(1, await read.OtpChallenges.CountAsync(o => o.CreatedAt > shanghai.AddMilliseconds(-1) && o.CreatedAt <= shanghai));
    }

    [Fact]
    public async Task TrySaveChanges_answers_false_for_a_unique_key_conflict()
    {
        await SeedAsync();
        await using var db = Context();
        db.Add(Account.Open(AccountKind.Citizen, "phone-index", "other-cipher", Now)); // ux_accounts_phone_index
        Assert.False(await db.TrySaveChangesAsync(CancellationToken.None));
        Assert.Empty(db.ChangeTracker.Entries());

        db.Add(new Department("990100", "PSB", "重复", "Duplicate")); // primary key
        Assert.False(await db.TrySaveChangesAsync(CancellationToken.None));
    }

    [Fact]
    public async Task TrySaveChanges_lets_a_foreign_key_violation_through()
    {
        await using var db = Context();
        db.Add(new Department("000000", "PSB", "无此地区", "No such region"));
        var error = await Assert.ThrowsAsync<DbUpdateException>(() => db.TrySaveChangesAsync(CancellationToken.None));
        Assert.False(CityDbContext.IsUniqueViolation(error));
    }

    [Fact]
    public async Task TrySaveChanges_lets_a_not_null_violation_through()
    {
        await SeedAsync();
        await using var db = Context();
        var account = await db.Accounts.SingleAsync();
        db.Entry(account).Property(a => a.PhoneCipher).CurrentValue = null!;
        await Assert.ThrowsAsync<DbUpdateException>(() => db.TrySaveChangesAsync(CancellationToken.None));
    }

    private async Task SeedAsync()
    {
        await using var db = Context();
        var account = Account.Open(AccountKind.Citizen, "phone-index", "phone-cipher", Now);
        var guide = new ServiceGuide([], Fee.Free, new LocalizedText("法", "Act"), 1, Visits.None, [], null, ["k"]);
        db.AddRange(
            new Region("990100", null, RegionLevel.Prefecture, "测试市", "Test City", true, null, null),
            new Department("990100", "PSB", "测试市公安局", "Test City PSB"),
            new ServiceItem("990100", "TR-9999", ServiceField.Transportation, ("990100", "PSB"), new("事项", "Item"), new("说明", "About"), guide, Now),
            account,
            new StaffAssignment("990100", "PSB", account.Id, StaffRole.Clerk, Now));
        await db.SaveChangesAsync();
    }

    private CityDbContext Context()
    {
        var options = new DbContextOptionsBuilder<CityDbContext>();
        _db.Settings.Configure(options);
        return new CityDbContext(options.Options);
    }

    private static IEnumerable<Exception> Chain(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            yield return e;
        }
    }
}

public sealed class StorageRulesTests_Sqlite() : StorageRulesTests(StorageProvider.Sqlite);

public sealed class StorageRulesTests_Postgres() : StorageRulesTests(StorageProvider.Postgres);
