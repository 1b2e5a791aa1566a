using System.Security.Cryptography;
using CityService.AlipaySimulator;
using CityService.Core.Payments;
using CityService.Core.Payments.Channels.Alipay;
using CityService.Web.Infrastructure;

namespace CityService.Web.Features.Payments.Alipay;

/// <summary>
/// The Alipay channel (docs/payments.md, "Alipay"; ADR 023): the open-platform client registered as an
/// <see cref="IPaymentChannel"/>, and the notify endpoint <c>POST /api/channels/alipay/notify</c>. Settings
/// <c>Payments:Channels:Alipay:{AppId, PrivateKey, AlipayPublicKey, GatewayUrl}</c>; the simulator only where chosen
/// (<see cref="ExternalSystem"/>: Development, Testing, or <c>Payments:Channels:Alipay:Mode=Simulator</c>), with
/// TEST-ONLY keys generated in memory for the run.
/// </summary>
public static class AlipaySetup
{
    public static readonly string[] Settings = ["AppId", "PrivateKey", "AlipayPublicKey"];

    public static void AddAlipay(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        var section = builder.Configuration.GetSection(AlipayOptions.Section);
        services.AddHttpClient(nameof(AlipayClient));
        ExternalSystem.Choose(builder.Configuration, builder.Environment, AlipayOptions.Section, Settings).Register<AlipayChannel>(
            services,
            simulator: sp => new AlipayChannel(InProcessAlipay.Create(sp, section)),
            real: sp => new AlipayChannel(RealAlipay.Create(sp, section)));
        services.AddSingleton<IPaymentChannel>(sp => sp.GetRequiredService<AlipayChannel>());
    }

    public static IEndpointRouteBuilder MapAlipay(this IEndpointRouteBuilder app)
    {
        _ = app.ServiceProvider.GetRequiredService<AlipayChannel>(); // refuses to start without the real settings where the simulator is not chosen
        app.MapPost("/api/channels/alipay/notify", AlipayNotifyEndpoint.HandleAsync).AllowAnonymous().WithTags("Payments")
            .WithName("AlipayNotify").ExcludeFromDescription();
        return app;
    }

    private static class RealAlipay
    {
        public static AlipayConnection Create(IServiceProvider sp, IConfigurationSection section)
        {
            var gateway = section["GatewayUrl"] is { Length: > 0 } raw
                ? Uri.TryCreate(raw, UriKind.Absolute, out var url) && url.Scheme == "https" ? url
                    : throw new InvalidOperationException($"{AlipayOptions.Section}:GatewayUrl '{raw}' is not an absolute https URL.")
                : AlipayOptions.ProductionGateway;
            RSA Key(string name, Func<string, RSA> read)
            {
                try
                {
                    return read(section[name]!);
                }
                catch (Exception e) when (e is FormatException or CryptographicException or ArgumentException)
                {
                    throw new InvalidOperationException($"{AlipayOptions.Section}:{name} is not an RSA key (PEM, or the bare base64 the open platform shows).", e);
                }
            }

            var options = new AlipayOptions(section["AppId"]!, Key("PrivateKey", AlipaySignature.PrivateKey), Key("AlipayPublicKey", AlipaySignature.PublicKey), gateway)
            {
                PagePayMethod = section["PagePayMethod"] is { Length: > 0 } method ? method : AlipayMethods.WapPay,
            };
            var client = new AlipayClient(
                sp.GetRequiredService<IHttpClientFactory>().CreateClient(nameof(AlipayClient)), options, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<AlipayClient>>());
            return new AlipayConnection(options.AppId, options.AlipayPublicKey, _ => Task.FromResult(client), null);
        }
    }

    /// <summary>
    /// The simulator started in this process on first use (like the SMS gateway simulator), spoken to over HTTP through
    /// the ordinary client. Both key pairs are generated here for this run: TEST ONLY, never written anywhere.
    /// </summary>
    public sealed class InProcessAlipay : IAsyncDisposable
    {
        private readonly SemaphoreSlim _gate = new(1, 1);
        private readonly IServiceProvider _services;
        private readonly string _pagePayMethod;
        private AlipayClient? _client;

        private InProcessAlipay(IServiceProvider services, string appId, string pagePayMethod)
        {
            _services = services;
            _pagePayMethod = pagePayMethod;
            AppId = appId;
            AppKey = RSA.Create(2048);
            SimulatorOptions = AlipaySimulatorOptions.Generate(appId, RSA.Create(AppKey.ExportParameters(false)));
            AlipayPublicKey = RSA.Create(SimulatorOptions.AlipayPrivateKey.ExportParameters(false));
        }

        public string AppId { get; }

        /// <summary>Our application's key pair for this run (the simulator holds its public half).</summary>
        public RSA AppKey { get; }

        public RSA AlipayPublicKey { get; }

        public AlipaySimulatorOptions SimulatorOptions { get; }

        /// <summary>The running simulator (null until the first call).</summary>
        public AlipaySimulatorHost? Host { get; private set; }

        public static AlipayConnection Create(IServiceProvider sp, IConfigurationSection section)
        {
            var local = new InProcessAlipay(sp, section["AppId"] is { Length: > 0 } id ? id : "2021000000000001",
                section["PagePayMethod"] is { Length: > 0 } method ? method : AlipayMethods.WapPay);
            return new AlipayConnection(local.AppId, local.AlipayPublicKey, local.ClientAsync, local);
        }

        public async Task<AlipayClient> ClientAsync(CancellationToken ct)
        {
            if (_client is not null)
            {
                return _client;
            }

            await _gate.WaitAsync(ct);
            try
            {
                if (_client is null)
                {
                    var time = _services.GetRequiredService<TimeProvider>();
                    Host = await AlipaySimulatorHost.StartAsync(SimulatorOptions, time, ct);
                    var options = new AlipayOptions(AppId, AppKey, AlipayPublicKey, Host.GatewayUrl) { PagePayMethod = _pagePayMethod };
                    _client = new AlipayClient(
                        _services.GetRequiredService<IHttpClientFactory>().CreateClient(nameof(AlipayClient)), options, time, _services.GetRequiredService<ILogger<AlipayClient>>());
                }

                return _client;
            }
            finally
            {
                _gate.Release();
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (Host is not null)
            {
                await Host.DisposeAsync();
            }

            _gate.Dispose();
        }
    }
}

/// <summary>What the notify endpoint checks against (our app id, Alipay's public key) and the client of the gateway.</summary>
public sealed record AlipayConnection(string AppId, RSA AlipayPublicKey, Func<CancellationToken, Task<AlipayClient>> Client, AlipaySetup.InProcessAlipay? Simulator);

/// <summary>The channel as DI knows it: every call goes to the configured gateway (or the in-process simulator).</summary>
public sealed class AlipayChannel(AlipayConnection connection) : IPaymentChannel, IAsyncDisposable
{
    public string Slug => PaymentChannels.Alipay;

    public AlipayConnection Connection => connection;

    /// <summary>The in-process simulator, where chosen (null with a real gateway).</summary>
    public AlipaySetup.InProcessAlipay? Simulator => connection.Simulator;

    public async Task<ChannelStartResult> StartAsync(ChannelOrder order, CancellationToken ct) => await (await connection.Client(ct)).StartAsync(order, ct);

    public async Task<ChannelQueryResult> QueryAsync(string outTradeNo, CancellationToken ct) => await (await connection.Client(ct)).QueryAsync(outTradeNo, ct);

    public async Task<ChannelRefundResult> RefundAsync(ChannelRefundRequest request, CancellationToken ct) => await (await connection.Client(ct)).RefundAsync(request, ct);

    public async Task<ChannelFileResult> DownloadSettlementAsync(DateOnly day, CancellationToken ct) => await (await connection.Client(ct)).DownloadSettlementAsync(day, ct);

    public SettlementParseResult ParseSettlement(string text) => AlipayBill.Parse(text);

    public async ValueTask DisposeAsync()
    {
        if (connection.Simulator is not null)
        {
            await connection.Simulator.DisposeAsync();
        }
    }
}
