using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace CityService.SmsGatewaySimulator;

/// <summary>
/// The SMS gateway simulator as its own web server on 127.0.0.1 with a free port, speaking the provider's HTTP protocol:
/// <c>POST /</c> (form) or <c>GET /?…</c> with SendSms's parameters, answered with the provider's JSON. For tests and
/// local runs also <c>GET /messages?phone=</c>: the messages taken (JSON). The platform starts one in-process where the
/// simulator is chosen; tests start one per fixture. Nothing here logs a number or a text.
/// </summary>
public sealed class SmsGatewaySimulatorHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _stopped;

    private SmsGatewaySimulatorHost(WebApplication app, Uri baseAddress, SmsGatewaySimulator simulator)
    {
        _app = app;
        BaseAddress = baseAddress;
        Simulator = simulator;
    }

    /// <summary>Where the simulator listens, e.g. <c>http://127.0.0.1:40123/</c> (the adapter's <c>Sms:Endpoint</c>).</summary>
    public Uri BaseAddress { get; }

    public SmsGatewaySimulator Simulator { get; }

    public static async Task<SmsGatewaySimulatorHost> StartAsync(SmsGatewaySimulatorOptions options, TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = typeof(SmsGatewaySimulatorHost).Assembly.GetName().Name });
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, 0);
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = 64 * 1024;
        });
        builder.Services.AddRoutingCore();
        var simulator = new SmsGatewaySimulator(options, time ?? TimeProvider.System);
        var app = builder.Build();
        try
        {
            app.UseRouting();
            app.MapGet("/", http => Answer(http, simulator, http.Request.Query.ToDictionary(q => q.Key, q => q.Value.ToString(), StringComparer.Ordinal)));
            app.MapPost("/", async http =>
            {
                var form = http.Request.HasFormContentType ? await http.Request.ReadFormAsync(http.RequestAborted) : null;
                var parameters = (form ?? (IEnumerable<KeyValuePair<string, Microsoft.Extensions.Primitives.StringValues>>)http.Request.Query)
                    .ToDictionary(f => f.Key, f => f.Value.ToString(), StringComparer.Ordinal);
                await Answer(http, simulator, parameters);
            });
            app.MapGet("/messages", http =>
            {
                string? phone = http.Request.Query["phone"];
                return http.Response.WriteAsJsonAsync(simulator.Messages(string.IsNullOrEmpty(phone) ? null : phone), http.RequestAborted);
            });
            await app.StartAsync(cancellationToken);
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
                ?? throw new InvalidOperationException("The SMS gateway simulator started without an address.");
            return new SmsGatewaySimulatorHost(app, new Uri(address.TrimEnd('/') + "/"), simulator);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 0)
        {
            await _app.StopAsync();
        }

        await _app.DisposeAsync();
    }

    private static Task Answer(HttpContext http, SmsGatewaySimulator simulator, Dictionary<string, string> parameters)
    {
        var answer = simulator.Handle(http.Request.Method, parameters);
        http.Response.StatusCode = answer.Status;
        return http.Response.WriteAsJsonAsync(answer.BizId is null
            ? new Dictionary<string, string> { ["Code"] = answer.Code, ["Message"] = answer.Message, ["RequestId"] = answer.RequestId }
            : new Dictionary<string, string> { ["Code"] = answer.Code, ["Message"] = answer.Message, ["BizId"] = answer.BizId, ["RequestId"] = answer.RequestId },
            http.RequestAborted);
    }
}
