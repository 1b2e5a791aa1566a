using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CityService.Core.Payments;
using CityService.Core.Payments.Channels.WeChatPay;
using CityService.Web.Infrastructure;
using CityService.WeChatPaySimulator;

namespace CityService.Web.Features.Payments.WeChatPay;

/// <summary>The merchant's settings and an API client for them: the configured merchant, or the in-process simulator's.</summary>
public interface IWeChatPayConnection
{
    WeChatPayOptions Options { get; }

    Task<WeChatPayClient> ClientAsync(CancellationToken ct);
}

/// <summary>
/// WeChat Pay API v3 as the <c>wechatpay</c> channel (ADR 023): settings <c>Payments:Channels:WeChatPay:*</c>; its
/// simulator only where chosen (<see cref="ExternalSystem"/>) — then started in this process on a loopback port with key
/// pairs generated on first use. The notify endpoint is <c>POST /api/channels/wechatpay/notify</c>.
/// </summary>
public static class WeChatPaySetup
{
    public const string Section = "Payments:Channels:WeChatPay";
    public const string HttpClientName = "wechatpay";

    /// <summary>The HTTP client the in-process simulator posts its notifications with (to our own notify URL).</summary>
    public const string SimulatorNotifyClient = "wechatpay-simulator-notify";

    public static readonly string[] Settings = ["MchId", "AppId", "MerchantSerial", "PrivateKey", "ApiV3Key", "PlatformPublicKey", "PlatformSerial", "BaseUrl"];

    public static void AddWeChatPay(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddHttpClient(HttpClientName);
        services.AddHttpClient(SimulatorNotifyClient);
        services.AddSingleton<InProcessWeChatPay>();
        ExternalSystem.Choose(builder.Configuration, builder.Environment, Section, Settings).Register<IWeChatPayConnection>(
            services,
            simulator: sp => sp.GetRequiredService<InProcessWeChatPay>(),
            real: sp => new ConfiguredWeChatPay(Configured(builder.Configuration.GetSection(Section)), sp));
        services.AddSingleton<IPaymentChannel, WeChatPayChannel>();
    }

    public static IEndpointRouteBuilder MapWeChatPay(this IEndpointRouteBuilder app)
    {
        _ = app.ServiceProvider.GetRequiredService<IWeChatPayConnection>(); // fail fast: Production without settings does not start
        app.MapPost(WeChatPayApi.NotifyPath, WeChatPayNotifyEndpoint.Notify).AllowAnonymous().WithTags("Payment channels")
            .Produces(StatusCodes.Status204NoContent).ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .WithName("WeChatPayNotify")
            .WithSummary("WeChat Pay API v3 payment notification (platform-signed, AEAD_AES_256_GCM resource); 204 when taken, a problem with {\"code\":\"FAIL\",\"message\"} otherwise.");
        return app;
    }

    internal static WeChatPayOptions Configured(IConfigurationSection section)
    {
        var apiV3Key = section["ApiV3Key"]!;
        if (!WeChatPayAead.IsValidKey(apiV3Key))
        {
            throw new InvalidOperationException($"{Section}:ApiV3Key must be the 32-character APIv3 key.");
        }

        var baseUrl = Uri.TryCreate(section["BaseUrl"], UriKind.Absolute, out var url) && url.Scheme is "https" or "http"
            ? url
            : throw new InvalidOperationException($"{Section}:BaseUrl '{section["BaseUrl"]}' is not an absolute http(s) URL (https://api.mch.weixin.qq.com/).");
        return new WeChatPayOptions(section["MchId"]!, section["AppId"]!, section["MerchantSerial"]!, PrivateKey(section["PrivateKey"]!), apiV3Key,
            PublicKey(section["PlatformPublicKey"]!), section["PlatformSerial"]!, baseUrl)
        {
            Timeout = TimeSpan.FromSeconds(section.GetValue("TimeoutSeconds", 10.0)),
        };
    }

    /// <summary>PEM text, or the path of a PEM file (apiclient_key.pem).</summary>
    private static string Pem(string value) => value.Contains("-----BEGIN", StringComparison.Ordinal) ? value : File.ReadAllText(value);

    private static RSA PrivateKey(string value)
    {
        var key = RSA.Create();
        key.ImportFromPem(Pem(value));
        return key;
    }

    /// <summary>The platform's public key (PUBLIC KEY PEM, WeChat Pay's "微信支付公钥") or its platform certificate.</summary>
    private static RSA PublicKey(string value)
    {
        var pem = Pem(value);
        if (pem.Contains("BEGIN CERTIFICATE", StringComparison.Ordinal))
        {
            using var certificate = X509Certificate2.CreateFromPem(pem);
            return certificate.GetRSAPublicKey() ?? throw new InvalidOperationException($"{Section}:PlatformPublicKey: the certificate has no RSA key.");
        }

        var key = RSA.Create();
        key.ImportFromPem(pem);
        return key;
    }

    private sealed class ConfiguredWeChatPay(WeChatPayOptions options, IServiceProvider services) : IWeChatPayConnection
    {
        private readonly Lazy<WeChatPayClient> _client = new(() => new WeChatPayClient(
            services.GetRequiredService<IHttpClientFactory>().CreateClient(HttpClientName), options, services.GetRequiredService<TimeProvider>(),
            services.GetRequiredService<ILogger<WeChatPayClient>>()));

        public WeChatPayOptions Options => options;

        public Task<WeChatPayClient> ClientAsync(CancellationToken ct) => Task.FromResult(_client.Value);
    }

    /// <summary>
    /// The simulator, started in this process on first use: merchant and platform key pairs and the APIv3 key are
    /// generated then (test-only, never stored), so every local run and test host has its own.
    /// </summary>
    public sealed class InProcessWeChatPay(IConfiguration configuration, IHttpClientFactory clients, IHttpMessageHandlerFactory handlers, TimeProvider time, ILoggerFactory logs)
        : IWeChatPayConnection, IAsyncDisposable
    {
        private readonly SemaphoreSlim _gate = new(1, 1);
        private readonly Lazy<(WeChatPayOptions Ours, WeChatPaySimulatorOptions Theirs)> _keys = new(() => Generate(configuration.GetSection(Section)));
        private WeChatPaySimulatorHost? _host;
        private WeChatPayClient? _client;

        /// <summary>The running simulator (null until the first call).</summary>
        public WeChatPaySimulatorHost? Host => _host;

        public WeChatPayOptions Options => _keys.Value.Ours;

        public WeChatPaySimulatorOptions SimulatorOptions => _keys.Value.Theirs;

        public async Task<WeChatPayClient> ClientAsync(CancellationToken ct)
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
                    _host = await WeChatPaySimulatorHost.StartAsync(SimulatorOptions, time, handlers.CreateHandler(SimulatorNotifyClient), ct);
                    var options = Options with { BaseUrl = _host.BaseAddress, PayerPageTemplate = _host.PayerPageTemplate };
                    _client = new WeChatPayClient(clients.CreateClient(HttpClientName), options, time, logs.CreateLogger<WeChatPayClient>());
                }

                return _client;
            }
            finally
            {
                _gate.Release();
            }
        }

        /// <summary>The running simulator, started if need be.</summary>
        public async Task<WeChatPaySimulatorHost> StartedAsync(CancellationToken ct)
        {
            await ClientAsync(ct);
            return _host!;
        }

        public async ValueTask DisposeAsync()
        {
            if (_host is not null)
            {
                await _host.DisposeAsync();
            }

            _gate.Dispose();
        }

        private static (WeChatPayOptions, WeChatPaySimulatorOptions) Generate(IConfigurationSection section)
        {
            var merchant = RSA.Create(2048);
            var platform = RSA.Create(2048);
            var platformPublic = RSA.Create();
            platformPublic.ImportSubjectPublicKeyInfo(platform.ExportSubjectPublicKeyInfo(), out _);
            var merchantPublic = RSA.Create();
            merchantPublic.ImportSubjectPublicKeyInfo(merchant.ExportSubjectPublicKeyInfo(), out _);
            var mchId = section["MchId"] is { Length: > 0 } m ? m : "1900000109";
            var appId = section["AppId"] is { Length: > 0 } a ? a : "wxd678efh567hg6787";
            var merchantSerial = Convert.ToHexString(RandomNumberGenerator.GetBytes(20));
            var platformSerial = "PUB_KEY_ID_" + Convert.ToHexString(RandomNumberGenerator.GetBytes(8));
            var apiV3Key = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
            return (new WeChatPayOptions(mchId, appId, merchantSerial, merchant, apiV3Key, platformPublic, platformSerial, new Uri("http://127.0.0.1/")),
                new WeChatPaySimulatorOptions(mchId, appId, merchantSerial, merchantPublic, platformSerial, platform, apiV3Key));
        }
    }
}

/// <summary>The <c>wechatpay</c> payment channel: WeChat Pay's client behind whichever connection was chosen.</summary>
public sealed class WeChatPayChannel(IWeChatPayConnection connection) : IPaymentChannel
{
    public string Slug => PaymentChannels.WeChatPay;

    public async Task<ChannelStartResult> StartAsync(ChannelOrder order, CancellationToken ct) => await (await connection.ClientAsync(ct)).StartAsync(order, ct);

    public async Task<ChannelQueryResult> QueryAsync(string outTradeNo, CancellationToken ct) => await (await connection.ClientAsync(ct)).QueryAsync(outTradeNo, ct);

    public async Task<ChannelRefundResult> RefundAsync(ChannelRefundRequest request, CancellationToken ct) => await (await connection.ClientAsync(ct)).RefundAsync(request, ct);

    public async Task<ChannelFileResult> DownloadSettlementAsync(DateOnly day, CancellationToken ct) => await (await connection.ClientAsync(ct)).DownloadSettlementAsync(day, ct);

    public SettlementParseResult ParseSettlement(string text) => WeChatPayTradeBill.Parse(text);
}
