using System.Security.Cryptography;
using CityService.Core.Identity.Verification.Registry;
using CityService.RegistrySimulator;
using CityService.Web.Features.Health;
using CityService.Web.Infrastructure;

namespace CityService.Web.Features.Identity.Verification;

/// <summary>
/// Where identity checks go: the real registry at <c>Registry:BaseUrl</c> (with <c>Registry:ClientId</c> and
/// <c>Registry:Secret</c>), or — only where chosen (<see cref="ExternalSystem"/>: Development, Testing or
/// <c>Registry:Mode=Simulator</c>) — the bundled registry simulator, started in this process on a loopback port and
/// spoken to over signed HTTP exactly as the real one. <c>Registry:Mode=Real</c> (or <c>Http</c>) forces the real one.
/// </summary>
public static class PopulationRegistrySetup
{
    public static readonly string[] RequiredSettings = ["BaseUrl", "ClientId", "Secret"];

    public static void AddPopulationRegistry(this WebApplicationBuilder builder)
    {
        var section = builder.Configuration.GetSection("Registry");
        builder.Services.AddHttpClient(nameof(HttpPopulationRegistry));
        builder.Services.AddSingleton<InProcessSimulatedRegistry>();
        var choice = ExternalSystem.Choose(builder.Configuration, builder.Environment, "Registry", RequiredSettings);
        if (choice.Mode == ExternalSystemMode.Real)
        {
            builder.Services.AddHealthChecks().AddCheck<RegistryHealthCheck>(RegistryHealthCheck.Name, tags: [HealthEndpoints.ReadyTag]);
        }

        choice.Register<IPopulationRegistry>(
            builder.Services,
            simulator: sp => sp.GetRequiredService<InProcessSimulatedRegistry>(),
            real: sp =>
            {
                var baseUrl = Uri.TryCreate(section["BaseUrl"], UriKind.Absolute, out var url) && url.Scheme is "https" or "http"
                    ? url
                    : throw new InvalidOperationException($"Registry:BaseUrl '{section["BaseUrl"]}' is not an absolute http(s) URL.");
                var options = new PopulationRegistryOptions(baseUrl, section["ClientId"]!, section["Secret"]!);
                return new HttpPopulationRegistry(
                    sp.GetRequiredService<IHttpClientFactory>().CreateClient(nameof(HttpPopulationRegistry)), options,
                    sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<HttpPopulationRegistry>>());
            });
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
