using System.Net;
using CityService.Core.Storage;
using CityService.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace CityService.BrowserTests.Infrastructure;

/// <summary>
/// The real host (Program) on Kestrel, listening on a free loopback port, so a real browser can reach it.
/// Configured like the API tests' AppFixture: its own database, the demo catalog, environment "Testing".
/// </summary>
public sealed class LiveServer(StorageSettings storage) : WebApplicationFactory<Program>
{
    /// <summary>Starts Kestrel (migrating and seeding first) and returns the address it bound, e.g. http://127.0.0.1:41234.</summary>
    public Uri Start()
    {
        UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        StartServer();
        var addresses = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var address = addresses.FirstOrDefault()
            ?? throw new InvalidOperationException("Kestrel started but reported no bound address.");
        return new Uri(address.TrimEnd('/') + "/");
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseTestDefaults(storage);
    }
}
