using System.Security.Cryptography;
using CityService.Core.Identity.Verification.Registry;

namespace CityService.RegistrySimulator.Tests;

/// <summary>One registry simulator on its own loopback port for a test class, with one known client.</summary>
public sealed class RegistrySimulatorFixture : IAsyncLifetime
{
    public const string ClientId = "cityservice-tests";

    public string Secret { get; } = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    public RegistrySimulatorHost Host { get; private set; } = null!;

    public PopulationRegistryOptions Options => Host.ClientOptions(ClientId);

    public async Task InitializeAsync() => Host = await RegistrySimulatorHost.StartAsync(RegistrySimulatorOptions.ForClient(ClientId, Secret));

    public async Task DisposeAsync() => await Host.DisposeAsync();
}
