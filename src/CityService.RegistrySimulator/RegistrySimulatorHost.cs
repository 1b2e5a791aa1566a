using System.Net;
using CityService.Core.Identity.Verification.Registry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace CityService.RegistrySimulator;

/// <summary>
/// The registry simulator as its own web server: Kestrel on 127.0.0.1 with a free port, nothing but the registry API.
/// The platform starts one in-process by default; tests start one per fixture and talk to it over real HTTP.
/// </summary>
public sealed class RegistrySimulatorHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _stopped;

    private RegistrySimulatorHost(WebApplication app, Uri baseAddress, PopulationRegistrySimulator simulator)
    {
        _app = app;
        BaseAddress = baseAddress;
        Simulator = simulator;
    }

    /// <summary>Where the simulator listens, e.g. <c>http://127.0.0.1:40123/</c>.</summary>
    public Uri BaseAddress { get; }

    public PopulationRegistrySimulator Simulator { get; }

    public static async Task<RegistrySimulatorHost> StartAsync(RegistrySimulatorOptions options, TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = typeof(RegistrySimulatorHost).Assembly.GetName().Name });
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, 0);
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = Math.Max(16L * 1024 * 1024, options.MaxRequestBytes * 4L); // the API answers 413 above MaxRequestBytes; Kestrel drains up to this
        });
        builder.Services.AddRoutingCore();
        if (time is not null)
        {
            builder.Services.AddSingleton(time);
        }

        builder.Services.AddPopulationRegistrySimulator(options);
        var app = builder.Build();
        try
        {
            app.UseRouting();
            app.MapPopulationRegistrySimulator();
            await app.StartAsync(cancellationToken);
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
                ?? throw new InvalidOperationException("The registry simulator started without an address.");
            return new RegistrySimulatorHost(app, new Uri(address.TrimEnd('/') + "/"), app.Services.GetRequiredService<PopulationRegistrySimulator>());
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }

    /// <summary>Options for <see cref="HttpPopulationRegistry"/> to call this simulator as <paramref name="clientId"/>.</summary>
    public PopulationRegistryOptions ClientOptions(string clientId) =>
        Simulator.Options.Clients.TryGetValue(clientId, out var secret)
            ? new PopulationRegistryOptions(BaseAddress, clientId, secret)
            : throw new ArgumentException("The simulator has no such client.", nameof(clientId));

    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 0)
        {
            await _app.StopAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await _app.DisposeAsync();
    }
}
