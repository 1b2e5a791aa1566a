using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using CityService.Core.Payments;
using CityService.Testing;
using CityService.Tests.Infrastructure;
using CityService.Web.Features.Payments.WeChatPay;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace CityService.Tests.Payments.WeChatPay;

/// <summary>
/// The fixture's host and its in-process WeChat Pay simulator, which posts its notifications into the test server (it has
/// no socket). Notices go to the real payments rules (<see cref="IPaymentNotices"/>).
/// </summary>
internal sealed class WeChatPayTestHost
{
    private static readonly ConcurrentDictionary<AppFixture, WeChatPayTestHost> Hosts = new();

    private WeChatPayTestHost(AppFixture app)
    {
        App = app;
        Factory = app.App;
    }

    public AppFixture App { get; }

    public WebApplicationFactory<Program> Factory { get; }

    public static WeChatPayTestHost For(AppFixture app) => Hosts.GetOrAdd(app, a => new WeChatPayTestHost(a));

    public HttpClient Client(string? language = null)
    {
        var client = Factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        if (language is not null)
        {
            client.DefaultRequestHeaders.AcceptLanguage.ParseAdd(language);
        }

        return client;
    }

    public T Service<T>()
        where T : notnull => Factory.Services.GetRequiredService<T>();

    public IPaymentChannel Channel => Service<IEnumerable<IPaymentChannel>>().Single(c => c.Slug == PaymentChannels.WeChatPay);

    public WeChatPaySetup.InProcessWeChatPay Connection => Service<WeChatPaySetup.InProcessWeChatPay>();

    /// <summary>The simulator, started if need be, posting into the test server.</summary>
    public async Task<CityService.WeChatPaySimulator.WeChatPaySimulatorHost> SimulatorAsync()
    {
        var host = await Connection.StartedAsync(CancellationToken.None);
        host.Simulator.Notifier = Factory.Server.CreateClient();
        return host;
    }

    /// <summary>Runs one command of tests/interop/wechatpay/interop.js with <paramref name="input"/> and returns its JSON answer.</summary>
    public static async Task<JsonElement> Node(string command, object input)
    {
        var folder = Path.Combine(Repository.Root(), "tests", "interop", "wechatpay");
        Assert.True(Directory.Exists(Path.Combine(folder, "node_modules", "wechatpay-axios-plugin")), $"wechatpay-axios-plugin is not installed: run `npm ci` in {folder} (scripts/test.sh does).");
        var start = new ProcessStartInfo("node", ["--no-deprecation", "interop.js", command])
        {
            WorkingDirectory = folder,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        await process.StandardInput.WriteAsync(JsonSerializer.Serialize(input));
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await process.WaitForExitAsync(timeout.Token);
        var text = await output;
        Assert.True(process.ExitCode == 0, $"node interop.js {command} failed ({process.ExitCode}):\n{text}\n{await errors}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
