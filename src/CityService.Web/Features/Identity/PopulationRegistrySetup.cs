using System.Security.Cryptography;
using CityService.Core.Identity.Registry;
using CityService.RegistrySimulator;

namespace CityService.Web.Features.Identity;

/// <summary>
/// Where identity checks go. <c>Registry:Mode</c> = <c>Simulator</c> (default) starts the bundled registry simulator
/// in this process on a loopback port and talks to it over signed HTTP, exactly as to the real one;
/// <c>Http</c> uses <c>Registry:BaseUrl</c>, <c>Registry:ClientId</c> and <c>Registry:Secret</c>.
/// </summary>
public static class PopulationRegistrySetup
{
    public static void AddPopulationRegistry(this WebApplicationBuilder builder)
    {
        var section = builder.Configuration.GetSection("Registry");
        builder.Services.AddHttpClient(nameof(HttpPopulationRegistry));
        if (string.Equals(section["Mode"], "Http", StringComparison.OrdinalIgnoreCase))
        {
            var options = new PopulationRegistryOptions(
                new Uri(section["BaseUrl"] ?? throw new InvalidOperationException("Registry:BaseUrl is required when Registry:Mode is Http.")),
                section["ClientId"] ?? throw new InvalidOperationException("Registry:ClientId is required."),
                section["Secret"] ?? throw new InvalidOperationException("Registry:Secret is required."));
            builder.Services.AddSingleton<IPopulationRegistry>(sp => new HttpPopulationRegistry(
                sp.GetRequiredService<IHttpClientFactory>().CreateClient(nameof(HttpPopulationRegistry)), options,
                sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<HttpPopulationRegistry>>()));
        }
        else
        {
            builder.Services.AddSingleton<IPopulationRegistry, InProcessSimulatedRegistry>();
        }
    }

    /// <summary>Starts the simulator on first use and forwards to the ordinary HTTP adapter.</summary>
    public sealed class InProcessSimulatedRegistry(IHttpClientFactory clients, TimeProvider time, ILogger<HttpPopulationRegistry> logger)
        : IPopulationRegistry, IAsyncDisposable
    {
        private const string ClientId = "cityservice-local";
        private readonly SemaphoreSlim _gate = new(1, 1);
        private RegistrySimulatorHost? _host;
        private HttpPopulationRegistry? _adapter;

        public async Task<RegistryIdentityResult> VerifyIdentityAsync(string name, string idNumber, CancellationToken cancellationToken) =>
            await (await Adapter(cancellationToken)).VerifyIdentityAsync(name, idNumber, cancellationToken);

        public async Task<RegistryFaceResult> CompareFaceAsync(string idNumber, string challengeNonce, ReadOnlyMemory<byte> png, CancellationToken cancellationToken) =>
            await (await Adapter(cancellationToken)).CompareFaceAsync(idNumber, challengeNonce, png, cancellationToken);

        public async ValueTask DisposeAsync()
        {
            if (_host is not null)
            {
                await _host.DisposeAsync();
            }

            _gate.Dispose();
        }

        private async Task<HttpPopulationRegistry> Adapter(CancellationToken ct)
        {
            if (_adapter is not null)
            {
                return _adapter;
            }

            await _gate.WaitAsync(ct);
            try
            {
                if (_adapter is null)
                {
                    var secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
                    _host = await RegistrySimulatorHost.StartAsync(RegistrySimulatorOptions.ForClient(ClientId, secret), time, ct);
                    _adapter = new HttpPopulationRegistry(clients.CreateClient(nameof(HttpPopulationRegistry)), _host.ClientOptions(ClientId), time, logger);
                }

                return _adapter;
            }
            finally
            {
                _gate.Release();
            }
        }
    }
}
