using System.Security.Cryptography;
using CityService.Core.Identity;
using CityService.Core.Identity.SignIn;
using CityService.Core.Notifications.Senders;
using CityService.Core.Outbox;
using CityService.SmsGatewaySimulator;
using CityService.Web.Infrastructure;
using MailKit.Security;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace CityService.Web.Features.Notifications.Senders;

/// <summary>
/// The outside channels (ADR 019, "Senders"): SMS through Alibaba Cloud's SendSms (<c>Sms:*</c>) and e-mail through SMTP
/// (<c>Email:*</c>), each its real system or — only where chosen (<see cref="ExternalSystem"/>: Development, Testing or
/// <c>&lt;Name&gt;:Mode=Simulator</c>) — its stand-in: the bundled gateway simulator started in this process on a loopback
/// port and spoken to over HTTP exactly as the provider, and for e-mail a folder of .eml files. The sign-in code goes
/// straight through the gateway (<see cref="ISmsSender"/>); notifications go through the outbox (<see cref="IOutboxSender"/>).
/// </summary>
public static partial class SendersSetup
{
    public static readonly string[] SmsSettings = ["Endpoint", "AccessKeyId", "AccessKeySecret", "SignName", "TemplateCode"];
    public static readonly string[] EmailSettings = ["Host", "FromAddress"];

    public static void AddNotificationSenders(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        var configuration = builder.Configuration;
        var sms = configuration.GetSection("Sms");
        services.AddHttpClient(nameof(AliyunSmsClient));
        services.AddSingleton<InProcessSmsGateway>();
        var smsChoice = ExternalSystem.Choose(configuration, builder.Environment, "Sms", SmsSettings);
        smsChoice.Register<ISmsGateway>(
            services,
            simulator: sp => sp.GetRequiredService<InProcessSmsGateway>(),
            real: sp => new AliyunSmsClient(
                sp.GetRequiredService<IHttpClientFactory>().CreateClient(nameof(AliyunSmsClient)), SmsOptions(sms),
                sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<AliyunSmsClient>>()));
        var writesToLog = smsChoice.Mode == ExternalSystemMode.Simulator && !builder.Environment.IsEnvironment("Testing");
        services.AddSingleton<ISmsSender>(sp => new GatewaySmsSender(sp.GetRequiredService<ISmsGateway>(), writesToLog));
        services.AddSingleton<IOutboxSender, SmsOutboxSender>();

        var email = configuration.GetSection("Email");
        services.AddSingleton(_ => EmailSettingsFrom(email, configuration));
        ExternalSystem.Choose(configuration, builder.Environment, "Email", EmailSettings).Register<IEmailTransport>(
            services,
            simulator: _ => new PickupDirectoryEmailTransport(Path.GetFullPath(email["PickupDirectory"] is { Length: > 0 } dir ? dir : Path.Combine("data", "mail"), builder.Environment.ContentRootPath)),
            real: sp => new SmtpEmailTransport(sp.GetRequiredService<EmailOptions>()));
        services.AddScoped<IAccountEmailAddresses, StoredAccountEmailAddresses>();
        services.AddSingleton<IOutboxSender, EmailOutboxSender>();
    }

    private static AliyunSmsOptions SmsOptions(IConfigurationSection sms)
    {
        var endpoint = Uri.TryCreate(sms["Endpoint"], UriKind.Absolute, out var url) && url.Scheme is "https" or "http"
            ? url
            : throw new InvalidOperationException($"Sms:Endpoint '{sms["Endpoint"]}' is not an absolute http(s) URL.");
        var options = new AliyunSmsOptions(endpoint, sms["AccessKeyId"]!, sms["AccessKeySecret"]!, sms["SignName"]!, sms["TemplateCode"]!);
        return options with
        {
            TemplateParameter = sms["TemplateParameter"] is { Length: > 0 } parameter ? parameter : options.TemplateParameter,
            RegionId = sms["RegionId"] is { Length: > 0 } region ? region : options.RegionId,
            Timeout = TimeSpan.FromSeconds(sms.GetValue("TimeoutSeconds", options.Timeout.TotalSeconds)),
        };
    }

    private static EmailOptions EmailSettingsFrom(IConfigurationSection email, IConfiguration configuration)
    {
        var security = email["Security"] is { Length: > 0 } mode
            ? Enum.TryParse<SecureSocketOptions>(mode, ignoreCase: true, out var parsed) ? parsed
                : throw new InvalidOperationException($"Email:Security '{mode}' is not known; use StartTls, SslOnConnect, StartTlsWhenAvailable, Auto or None.")
            : SecureSocketOptions.StartTls;
        var domain = email["MessageIdDomain"] is { Length: > 0 } d ? d : PublicSite.PublicBaseUrl(configuration)?.Host ?? "cityservice.localhost";
        return new EmailOptions(
            email["Host"] ?? string.Empty,
            email.GetValue("Port", security == SecureSocketOptions.SslOnConnect ? 465 : 587),
            security,
            email["FromAddress"] is { Length: > 0 } from ? from : "noreply@" + domain,
            email["FromName"] is { Length: > 0 } name ? name : "城市服务",
            domain)
        {
            User = email["User"],
            Password = email["Password"],
        };
    }

    /// <summary>
    /// The gateway simulator, started in this process on first use, spoken to through the ordinary adapter. In local runs
    /// (not Testing) it also writes each text with the masked number to the log, so a developer sees the sign-in code.
    /// </summary>
    public sealed partial class InProcessSmsGateway(IConfiguration configuration, IHttpClientFactory clients, TimeProvider time, ILoggerFactory logs, IHostEnvironment environment)
        : ISmsGateway, IAsyncDisposable
    {
        private const string KeyId = "cityservice-local";
        private const string Template = "SMS_CITYSERVICE_GENERIC";
        private readonly SemaphoreSlim _gate = new(1, 1);
        private SmsGatewaySimulatorHost? _host;
        private AliyunSmsClient? _adapter;

        /// <summary>The running simulator (null until the first text).</summary>
        public SmsGatewaySimulatorHost? Host => _host;

        public async Task<SmsGatewayResult> SendAsync(PhoneNumber to, string text, string outId, CancellationToken ct)
        {
            var result = await (await Adapter(ct)).SendAsync(to, text, outId, ct);
            if (result.Delivered && !environment.IsEnvironment("Testing"))
            {
                LogLocal(logs.CreateLogger<InProcessSmsGateway>(), to.Masked, text);
            }

            return result;
        }

        public async ValueTask DisposeAsync()
        {
            if (_host is not null)
            {
                await _host.DisposeAsync();
            }

            _gate.Dispose();
        }

        private async Task<AliyunSmsClient> Adapter(CancellationToken ct)
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
                    var signName = configuration["Sms:SignName"] is { Length: > 0 } name ? name : "城市服务";
                    var secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(24));
                    var options = SmsGatewaySimulatorOptions.ForKey(KeyId, secret) with { SignNames = new HashSet<string>(StringComparer.Ordinal) { signName } };
                    _host = await SmsGatewaySimulatorHost.StartAsync(options, time, ct);
                    _adapter = new AliyunSmsClient(clients.CreateClient(nameof(AliyunSmsClient)), new AliyunSmsOptions(_host.BaseAddress, KeyId, secret, signName, Template), time, logs.CreateLogger<AliyunSmsClient>());
                }

                return _adapter;
            }
            finally
            {
                _gate.Release();
            }
        }

        [LoggerMessage(Level = LogLevel.Warning, Message = "SMS (gateway simulator, local runs only) to {Phone}: {Text}")]
        private static partial void LogLocal(ILogger logger, string phone, string text);
    }
}
