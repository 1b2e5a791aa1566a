using CityService.Tests.Infrastructure;
using CityService.Core.Audit;
using CityService.Core.Identity;
using CityService.Core.Storage;
using CityService.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace CityService.Tests.Audit;

/// <summary>`CityService.Web audit verify` checks the log and exits: 0 when intact, 1 with a line naming each problem's place.</summary>
public abstract class AuditVerifyCommandTests(StorageProvider provider)
{
    [Fact]
    public async Task Verify_exits_non_zero_naming_chain_and_sequence_of_a_tampered_entry()
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await new SchemaMigrator(database.Settings, NullLogger<SchemaMigrator>.Instance).MigrateAsync(CancellationToken.None);
        var options = new DbContextOptionsBuilder<CityDbContext>();
        database.Settings.Configure(options);
        var factory = new Factory(options.Options);
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero));
        using var key = new AuditKey(AuditTamper.SigningKeyPem, false, factory, () => throw new InvalidOperationException("not needed"), time);
        var log = new AuditLog(time);
        await using (var db = factory.CreateDbContext())
        {
            foreach (var region in new[] { "330100", "330200" })
            {
                for (var i = 0; i < 3; i++)
                {
                    await log.RecordAsync(db, new AuditRecord(AuditActions.SignIn, AuditActor.Account(Guid.CreateVersion7()), RegionCode: region), CancellationToken.None);
                }
            }
        }

        await new AuditCheckpointJob(factory, key, time, NullLogger<AuditCheckpointJob>.Instance).CheckpointAsync(CancellationToken.None);
        await AuditTamper.RunAsync(database.Settings, "UPDATE audit_entries SET actor_id = NULL WHERE region_code = '330200' AND sequence = 2");

        var (exit, text) = await HostCommand.RunAsync(["audit", "verify"], new Dictionary<string, string>
        {
            ["Storage__Provider"] = provider.ToString(),
            ["ConnectionStrings__Main"] = database.Settings.ConnectionString,
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["Audit__SigningKey"] = AuditTamper.SigningKeyPem,
        });
        Assert.True(exit == 1, $"exit {exit}: {text}");
        Assert.Contains("chain 330200 sequence 2: hash-mismatch", text, StringComparison.Ordinal);
        Assert.Contains("chain 330100: 3 entries, last sequence 3, last checkpoint 3", text, StringComparison.Ordinal);
        Assert.DoesNotContain("chain 330100 sequence", text, StringComparison.Ordinal);
    }

    private sealed class Factory(DbContextOptions<CityDbContext> options) : IDbContextFactory<CityDbContext>
    {
        public CityDbContext CreateDbContext() => new(options);
    }
}

public sealed class AuditVerifyCommandTests_Sqlite() : AuditVerifyCommandTests(StorageProvider.Sqlite);

public sealed class AuditVerifyCommandTests_Postgres() : AuditVerifyCommandTests(StorageProvider.Postgres);
