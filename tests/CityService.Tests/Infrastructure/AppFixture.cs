using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using CityService.Core.Common;
using CityService.Core.Identity;
using CityService.Core.Identity.SignIn;
using CityService.Core.Notifications.Senders;
using CityService.Core.Storage;
using CityService.RegistrySimulator;
using CityService.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace CityService.Tests.Infrastructure;

/// <summary>The real host (WebApplicationFactory&lt;Program&gt;) on its own fresh database with the demo catalog.</summary>
public abstract class AppFixture(StorageProvider provider) : IAsyncLifetime
{
    private TestDatabase? _database;

    public Factory App { get; private set; } = null!;

    public StorageProvider Provider => provider;

    public StorageSettings Storage => _database!.Settings;

    /// <summary>The fixture's clock: it stands still until a test moves it forward to expire codes and sessions.</summary>
    public FakeTimeProvider Time { get; } = new(Started);

    /// <summary>Where every fixture's clock starts (and the seeded template's: its rows are stamped with it).</summary>
    public static readonly DateTimeOffset Started = new(2026, 11, 22, 2, 0, 0, TimeSpan.Zero);

    /// <summary>Every text message the platform sent (instead of a real SMS gateway).</summary>
    public CapturingSmsSender Sms { get; } = new();

    public HttpClient Client(string? language = null)
    {
        var client = App.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        if (language is not null)
        {
            client.DefaultRequestHeaders.AcceptLanguage.Add(new StringWithQualityHeaderValue(language));
        }

        return client;
    }

    /// <summary>An API client that sends <paramref name="token"/> as its bearer token.</summary>
    public HttpClient BearerClient(string token)
    {
        var client = Client();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>
    /// A client that acts like a browser without JavaScript: it keeps its cookies (session, antiforgery, language) and
    /// does not follow redirects, so a test reads each Location and follows it by hand (see <see cref="HtmlForms"/>).
    /// </summary>
    public HttpClient Browser() => App.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

    /// <summary>
    /// Signs in by code through the two forms of <paramref name="signInUrl"/>: the phone form (agreeing to the user agreement and
    /// privacy policy), then the code form with the code texted to <paramref name="phone"/>. Returns where the code form sent the browser.
    /// </summary>
    public async Task<string> SignIn(HttpClient browser, string phone, string signInUrl = "/signin")
    {
        var start = await HtmlForms.Page(browser, signInUrl);
        var sent = await HtmlForms.Html(await HtmlForms.Submit(browser, start, "#phone-form", new() { ["phone"] = phone, ["agree"] = "true" }), HttpStatusCode.OK);
        return HtmlForms.Location(await HtmlForms.Submit(browser, sent, "#code-form", new() { ["code"] = Sms.LastCodeFor(phone) }));
    }

    /// <summary>Signs in by code over the API (<paramref name="client"/> sends both requests) and returns the bearer token.</summary>
    public async Task<string> CodeToken(HttpClient client, string phone)
    {
        (await client.PostAsJsonAsync("/api/auth/otp", new { phone })).EnsureSuccessStatusCode();
        var verified = await (await client.PostAsJsonAsync("/api/auth/otp/verify", new { agreed = TestConsents.Agreed, phone, code = Sms.LastCodeFor(phone) })).Json();
        return verified.GetProperty("accessToken").GetString()!;
    }

    /// <summary>Signs in by password over the API and returns the bearer token.</summary>
    public static async Task<string> PasswordToken(HttpClient client, string phone, string password) =>
        (await (await client.PostAsJsonAsync("/api/auth/password", new { agreed = TestConsents.Agreed, phone, password })).Json()).GetProperty("accessToken").GetString()!;

    public T Service<T>()
        where T : notnull => App.Services.GetRequiredService<T>();

    /// <summary>The population registry simulator, running as its own endpoint that the platform reaches over HTTP.</summary>
    public RegistrySimulatorHost Registry { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _database = await SeededTemplate.CloneAsync(provider, "test", async settings =>
        {
            // The template: migrated and seeded once per provider and process by a host like the fixture's own, at the same clock.
            await using var host = new Factory(settings, new FakeTimeProvider(Started), new CapturingSmsSender(), new Uri("http://127.0.0.1:9/"), "unused");
            _ = host.Server;
        });
        var secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        Registry = await RegistrySimulatorHost.StartAsync(RegistrySimulatorOptions.ForClient("platform-tests", secret), Time);
        App = new Factory(_database.Settings, Time, Sms, Registry.BaseAddress, secret);
        _ = App.Server; // start the host: migrates and seeds
    }

    public async Task DisposeAsync()
    {
        await App.DisposeAsync();
        await Registry.DisposeAsync();
        await _database!.DisposeAsync();
    }

    public sealed class Factory(StorageSettings storage, FakeTimeProvider time, CapturingSmsSender sms, Uri registry, string registrySecret) : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseTestDefaults(storage);
            builder.UseProcessKeys(); // the seeded template's personal data is sealed with them
            builder.UseSetting("Registry:Mode", "Http");
            builder.UseSetting("Registry:BaseUrl", registry.ToString());
            builder.UseSetting("Registry:ClientId", "platform-tests");
            builder.UseSetting("Registry:Secret", registrySecret);
            builder.ConfigureLogging(logging => logging.AddProvider(LogCapture.Instance));
            builder.ConfigureTestServices(services =>
            {
                services.RemoveAll<TimeProvider>();
                services.AddSingleton<TimeProvider>(time);
                services.RemoveAll<ISmsSender>();
                services.AddSingleton<ISmsSender>(sp => sms.Through(new GatewaySmsSender(sp.GetRequiredService<ISmsGateway>())));
            });
        }
    }
}

public sealed class SqliteApp() : AppFixture(StorageProvider.Sqlite);


/// <summary>
/// Keeps every text for the test (never logging it), then passes it on to the platform's own sender: the gateway adapter
/// speaking to the in-process gateway simulator (Testing), so every code the tests send also crosses the real protocol.
/// </summary>
public sealed partial class CapturingSmsSender : ISmsSender
{
    private readonly List<(string Phone, string Text)> _sent = [];
    private ISmsSender? _next;

    public bool WritesToLog => false;

    /// <summary>Sends on through <paramref name="next"/> after keeping the text.</summary>
    public CapturingSmsSender Through(ISmsSender next)
    {
        _next = next;
        return this;
    }

    public async Task SendAsync(PhoneNumber to, LocalizedText message, CancellationToken ct)
    {
        lock (_sent)
        {
            _sent.Add((to.Value, message.Zh));
        }

        LogCapture.Sensitive(to.Value);
        LogCapture.Sensitive(SixDigits().Match(message.Zh).Value);
        if (_next is not null)
        {
            await _next.SendAsync(to, message, ct);
        }
    }

    /// <summary>The (Chinese) texts sent to a phone, oldest first.</summary>
    public IReadOnlyList<string> Sent(string phone)
    {
        lock (_sent)
        {
            return _sent.Where(m => m.Phone == phone).Select(m => m.Text).ToList();
        }
    }

    public string LastCodeFor(string phone)
    {
        lock (_sent)
        {
            var text = _sent.Last(m => m.Phone == phone).Text;
            return SixDigits().Match(text).Value;
        }
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"\d{6}")]
    private static partial System.Text.RegularExpressions.Regex SixDigits();
}

public sealed class PostgresApp() : AppFixture(StorageProvider.Postgres);
