using System.Net.Http.Headers;
using CityService.Core.Storage;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace CityService.Tests.Infrastructure;

/// <summary>The real host (WebApplicationFactory&lt;Program&gt;) on its own fresh database with the demo catalog.</summary>
public abstract class AppFixture(StorageProvider provider) : IAsyncLifetime
{
    private TestDatabase? _database;

    public Factory App { get; private set; } = null!;

    public StorageProvider Provider => provider;

    public StorageSettings Storage => _database!.Settings;

    public HttpClient Client(string? language = null)
    {
        var client = App.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        if (language is not null)
        {
            client.DefaultRequestHeaders.AcceptLanguage.Add(new StringWithQualityHeaderValue(language));
        }

        return client;
    }

    public T Service<T>()
        where T : notnull => App.Services.GetRequiredService<T>();

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync(provider);
        App = new Factory(_database.Settings);
        _ = App.Server; // start the host: migrates and seeds
    }

    public async Task DisposeAsync()
    {
        await App.DisposeAsync();
        await _database!.DisposeAsync();
    }

    public sealed class Factory(StorageSettings storage) : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Testing");
            builder.UseSetting("Storage:Provider", storage.Provider.ToString());
            builder.UseSetting("ConnectionStrings:Main", storage.ConnectionString);
            builder.UseSetting("Seed:Demo", "true");
        }
    }
}

public sealed class SqliteApp() : AppFixture(StorageProvider.Sqlite);

public sealed class PostgresApp() : AppFixture(StorageProvider.Postgres);
