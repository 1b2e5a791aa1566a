using System.Globalization;
using System.Net;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;

namespace CityService.AlipaySimulator;

/// <summary>
/// The Alipay simulator as its own web server on 127.0.0.1 with a free port: the gateway <c>GET/POST /gateway.do</c>,
/// the payer page, and a control API for tests and local runs under <c>/sim/</c> (pay a trade with options, send held
/// notifications, read a trade, download a bill file). The platform starts one in-process where the simulator is
/// chosen; tests may start their own.
/// </summary>
public sealed class AlipaySimulatorHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _stopped;

    private AlipaySimulatorHost(WebApplication app, Uri baseAddress, AlipaySimulator simulator)
    {
        _app = app;
        BaseAddress = baseAddress;
        Simulator = simulator;
    }

    public Uri BaseAddress { get; }

    /// <summary>The gateway URL (<c>Payments:Channels:Alipay:GatewayUrl</c>).</summary>
    public Uri GatewayUrl => new(BaseAddress, "gateway.do");

    public AlipaySimulator Simulator { get; }

    public static async Task<AlipaySimulatorHost> StartAsync(AlipaySimulatorOptions options, TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = typeof(AlipaySimulatorHost).Assembly.GetName().Name });
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, 0);
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = 256 * 1024;
        });
        builder.Services.AddRoutingCore();
        var simulator = new AlipaySimulator(options, time ?? TimeProvider.System);
        var app = builder.Build();
        try
        {
            app.UseRouting();
            app.MapMethods("/gateway.do", ["GET", "POST"], async http =>
            {
                var parameters = http.Request.Query.ToDictionary(q => q.Key, q => q.Value.ToString(), StringComparer.Ordinal);
                if (http.Request.HasFormContentType)
                {
                    foreach (var field in await http.Request.ReadFormAsync(http.RequestAborted))
                    {
                        parameters[field.Key] = field.Value.ToString();
                    }
                }

                var answer = simulator.Handle(parameters);
                if (answer.PayerPageOf is { } outTradeNo && parameters["method"] != Core.Payments.Channels.Alipay.AlipayMethods.AppPay)
                {
                    await PayerPage(http, simulator, outTradeNo);
                    return;
                }

                await Json(http, answer.Body ?? "{\"" + Core.Payments.Channels.Alipay.AlipayMethods.ResponseKey(parameters["method"]) + "\":{\"code\":\"10000\",\"msg\":\"Success\",\"out_trade_no\":\"" + answer.PayerPageOf + "\"}}");
            });
            app.MapPost("/sim/payer/{outTradeNo}", async (HttpContext http, string outTradeNo) =>
            {
                if (simulator.Waiting(outTradeNo) is null)
                {
                    http.Response.StatusCode = 404;
                    return;
                }

                await simulator.PayAsync(outTradeNo, new SimulatedPayOptions(), http.RequestAborted);
                if (simulator.ReturnUrl(outTradeNo) is { } back)
                {
                    http.Response.Redirect(QueryHelpers.AddQueryString(back.ToString(), simulator.ReturnParameters(outTradeNo)!));
                    return;
                }

                await Html(http, "<p>支付成功 / Paid</p>");
            });
            app.MapPost("/sim/app-pay", async http =>
            {
                // The wallet app taking the order string: the body is the order string as the merchant's server signed it.
                using var reader = new StreamReader(http.Request.Body);
                var parameters = QueryHelpers.ParseQuery(await reader.ReadToEndAsync(http.RequestAborted)).ToDictionary(q => q.Key, q => q.Value.ToString(), StringComparer.Ordinal);
                var answer = simulator.Handle(parameters);
                await Json(http, answer.Body ?? "{\"out_trade_no\":\"" + answer.PayerPageOf + "\"}");
            });
            app.MapPost("/sim/trades/{outTradeNo}/pay", async (HttpContext http, string outTradeNo) =>
            {
                var options = http.Request.ContentLength > 0 ? await http.Request.ReadFromJsonAsync<SimulatedPayOptions>(http.RequestAborted) : null;
                if (simulator.Find(outTradeNo) is null)
                {
                    http.Response.StatusCode = 404;
                    return;
                }

                var sent = await simulator.PayAsync(outTradeNo, options ?? new SimulatedPayOptions(), http.RequestAborted);
                await http.Response.WriteAsJsonAsync(sent.Select(n => new { n.NotifyId, n.TradeStatus, n.Status, n.Body }), http.RequestAborted);
            });
            app.MapPost("/sim/notifications/flush", async http =>
            {
                var sent = await simulator.FlushAsync(http.RequestAborted);
                await http.Response.WriteAsJsonAsync(sent.Select(n => new { n.NotifyId, n.TradeStatus, n.Status, n.Body }), http.RequestAborted);
            });
            app.MapGet("/sim/trades/{outTradeNo}", async (HttpContext http, string outTradeNo) =>
            {
                if (simulator.Find(outTradeNo) is not { } trade)
                {
                    http.Response.StatusCode = 404;
                    return;
                }

                await http.Response.WriteAsJsonAsync(trade, http.RequestAborted);
            });
            app.MapGet("/sim/bills/{day}.zip", async (HttpContext http, string day) =>
            {
                if (!DateOnly.TryParseExact(day, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date) || simulator.BillZip(date) is not { } zip)
                {
                    http.Response.StatusCode = 404;
                    return;
                }

                http.Response.ContentType = "application/zip";
                await http.Response.Body.WriteAsync(zip, http.RequestAborted);
            });
            await app.StartAsync(cancellationToken);
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
                ?? throw new InvalidOperationException("The Alipay simulator started without an address.");
            var baseAddress = new Uri(address.TrimEnd('/') + "/");
            simulator.BaseAddress = baseAddress;
            return new AlipaySimulatorHost(app, baseAddress, simulator);
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

    private static Task Json(HttpContext http, string body)
    {
        http.Response.ContentType = "application/json; charset=utf-8";
        return http.Response.WriteAsync(body, http.RequestAborted);
    }

    private static Task PayerPage(HttpContext http, AlipaySimulator simulator, string outTradeNo)
    {
        var trade = simulator.Find(outTradeNo)!;
        var amount = Core.Payments.Channels.Alipay.AlipayAmount.ToYuan(trade.AmountFen);
        var html = HtmlEncoder.Default;
        return Html(http, $"""
            <h1>支付宝（模拟器）/ Alipay (simulator)</h1>
            <p>{html.Encode(trade.Subject)}</p>
            <p>￥{amount}</p>
            <form method="post" action="/sim/payer/{html.Encode(outTradeNo)}"><button type="submit" id="pay">确认付款 / Pay</button></form>
            """);
    }

    private static Task Html(HttpContext http, string body)
    {
        http.Response.ContentType = "text/html; charset=utf-8";
        return http.Response.WriteAsync(
            "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            + "<title>支付宝（模拟器）</title><style>body{font-family:sans-serif;margin:1rem;font-size:1rem}button{min-height:2.75rem;min-width:2.75rem;font-size:1rem;padding:0 1rem;background:#1677ff;color:#fff;border:0;border-radius:.25rem}</style></head><body><main>"
            + body + "</main></body></html>", http.RequestAborted);
    }
}
