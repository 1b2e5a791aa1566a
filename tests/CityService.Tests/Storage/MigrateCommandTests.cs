using System.Diagnostics;
using CityService.Core.Storage;
using CityService.Testing;
using Microsoft.EntityFrameworkCore;

namespace CityService.Tests.Storage;

/// <summary>`CityService.Web migrate` brings a database up to date and exits, without serving.</summary>
public abstract class MigrateCommandTests(StorageProvider provider)
{
    [Fact]
    public async Task Migrate_applies_the_schema_and_reference_data_then_exits()
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var host = Path.Combine(AppContext.BaseDirectory, "CityService.Web.dll");
        var start = new ProcessStartInfo("dotnet", [host, "migrate"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetTempPath(),
        };
        start.Environment["Storage__Provider"] = provider.ToString();
        start.Environment["ConnectionStrings__Main"] = db.Settings.ConnectionString;
        start.Environment["Seed__Demo"] = "false";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, await output + await errors);
        Assert.DoesNotContain("running at", await output, StringComparison.Ordinal);

        var options = new DbContextOptionsBuilder<CityDbContext>();
        db.Settings.Configure(options);
        await using var context = new CityDbContext(options.Options);
        Assert.Equal(Core.Regions.RegionReferenceData.Load().Count, await context.Regions.CountAsync());
        Assert.Equal(0, await context.ServiceItems.CountAsync()); // Seed:Demo=false: no demo catalog
    }
}

public sealed class MigrateCommandTests_Sqlite() : MigrateCommandTests(StorageProvider.Sqlite);

public sealed class MigrateCommandTests_Postgres() : MigrateCommandTests(StorageProvider.Postgres);
