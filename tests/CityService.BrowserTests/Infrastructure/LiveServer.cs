using System.Collections.Concurrent;
using System.Net;
using System.Text.RegularExpressions;
using CityService.Core.Common;
using CityService.Core.Identity;
using CityService.Core.Identity.SignIn;
using CityService.Core.Storage;
using CityService.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace CityService.BrowserTests.Infrastructure;

/// <summary>
/// The real host (Program) on Kestrel, listening on a free loopback port, so a real browser can reach it.
/// Configured like the API tests' AppFixture: its own database, the demo catalog, environment "Testing"; text messages
/// are kept for the test (<see cref="Sms"/>), so a browser can sign in with the code it was "sent".
/// </summary>
public sealed class LiveServer(StorageSettings storage) : WebApplicationFactory<Program>
{
    public KeptSms Sms { get; } = new();

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
        builder.UseProcessKeys(); // the seeded template's personal data is sealed with them (SeededTemplate)
        builder.ConfigureTestServices(services =>
        {
            services.RemoveAll<ISmsSender>();
            services.AddSingleton<ISmsSender>(Sms);
        });
    }
}

/// <summary>Stands in for the SMS gateway: keeps the last code sent to each phone, logs nothing.</summary>
public sealed partial class KeptSms : ISmsSender
{
    private readonly ConcurrentDictionary<string, string> _lastCode = new(StringComparer.Ordinal);

    public bool WritesToLog => false;

    public Task SendAsync(PhoneNumber to, LocalizedText message, CancellationToken ct)
    {
        _lastCode[to.Value] = Code().Match(message.Zh).Value;
        return Task.CompletedTask;
    }

    public string LastCodeFor(string phone) =>
        _lastCode.TryGetValue(phone, out var code) ? code : throw new InvalidOperationException($"No code was sent to {phone}.");

    [GeneratedRegex(@"\d{6}")]
    private static partial Regex Code();
}
