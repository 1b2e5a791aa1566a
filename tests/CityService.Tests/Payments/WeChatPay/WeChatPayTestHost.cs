using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using CityService.Core.Payments;
using CityService.Testing;
using CityService.Tests.Infrastructure;
using CityService.Web.Features.Payments.WeChatPay;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace CityService.Tests.Payments.WeChatPay;

/// <summary>
/// The fixture's host with two test-only changes, made once per fixture: the in-process simulator posts its notifications
/// into the test server (which has no socket), and payment notices go to <see cref="RecordingNotices"/> — a stand-in for
/// the payments rules that applies each order once.
/// </summary>
internal sealed class WeChatPayTestHost
{
    private static readonly ConcurrentDictionary<AppFixture, WeChatPayTestHost> Hosts = new();

    private WeChatPayTestHost(AppFixture app)
    {
        App = app;
        Factory = app.App.WithWebHostBuilder(builder => builder.ConfigureTestServices(services =>
        {
            services.RemoveAll<IPaymentNotices>();
            services.AddSingleton<IPaymentNotices>(Notices);
            services.AddHttpClient(WeChatPaySetup.SimulatorNotifyClient).ConfigurePrimaryHttpMessageHandler(sp => ((TestServer)sp.GetRequiredService<IServer>()).CreateHandler());
        }));
    }

    public AppFixture App { get; }

    public WebApplicationFactory<Program> Factory { get; }

    public RecordingNotices Notices { get; } = new();

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

/// <summary>Applies each known order once (the contract of <see cref="IPaymentNotices"/>) and keeps every call.</summary>
internal sealed class RecordingNotices : IPaymentNotices
{
    private readonly ConcurrentDictionary<string, long> _orders = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _applied = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<(ChannelPaymentNotice Notice, NoticeOutcome Outcome)> _calls = new();

    public void Expect(string outTradeNo, long amountFen) => _orders[outTradeNo] = amountFen;

    public IReadOnlyList<(ChannelPaymentNotice Notice, NoticeOutcome Outcome)> Calls(string outTradeNo) => [.. _calls.Where(c => c.Notice.OutTradeNo == outTradeNo)];

    public Task<NoticeOutcome> ApplyAsync(ChannelPaymentNotice notice, CancellationToken ct)
    {
        var outcome = !_orders.TryGetValue(notice.OutTradeNo, out var amount) ? NoticeOutcome.UnknownOrder
            : amount != notice.AmountFen ? NoticeOutcome.AmountMismatch
            : _applied.TryAdd(notice.OutTradeNo, 0) ? NoticeOutcome.Applied
            : NoticeOutcome.AlreadyApplied;
        _calls.Enqueue((notice, outcome));
        return Task.FromResult(outcome);
    }
}
