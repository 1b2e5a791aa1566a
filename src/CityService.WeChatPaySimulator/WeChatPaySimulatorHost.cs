using System.Net;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace CityService.WeChatPaySimulator;

/// <summary>
/// The WeChat Pay simulator as its own web server on 127.0.0.1 with a free port: API v3 under <c>/v3/…</c> (signed answers),
/// the payer page for a code_url (<c>GET /pay?code_url=</c>, its "pay" button), and the control API for tests
/// (<c>POST /sim/trades/{out_trade_no}/pay</c> with <c>amountFen</c>, <c>notifications</c>, <c>delayMs</c>, <c>notify</c>).
/// The platform starts one in-process where the simulator is chosen. Nothing here logs.
/// </summary>
public sealed class WeChatPaySimulatorHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _stopped;

    private WeChatPaySimulatorHost(WebApplication app, WeChatPaySimulator simulator)
    {
        _app = app;
        Simulator = simulator;
    }

    public Uri BaseAddress => Simulator.BaseAddress;

    public WeChatPaySimulator Simulator { get; }

    /// <summary>The payer page's address template (<c>{0}</c> = the escaped code_url).</summary>
    public string PayerPageTemplate => BaseAddress + "pay?code_url={0}";

    public sealed record PayCommand(long? AmountFen, int? Notifications, int? DelayMs, bool? Notify);

    public static async Task<WeChatPaySimulatorHost> StartAsync(WeChatPaySimulatorOptions options, TimeProvider? time = null, HttpMessageHandler? notifyHandler = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = typeof(WeChatPaySimulatorHost).Assembly.GetName().Name });
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, 0);
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = 64 * 1024;
        });
        builder.Services.AddRoutingCore();
        var notifier = new HttpClient(notifyHandler ?? new SocketsHttpHandler(), disposeHandler: notifyHandler is null) { Timeout = TimeSpan.FromSeconds(10) };
        var simulator = new WeChatPaySimulator(options, time ?? TimeProvider.System, notifier);
        var app = builder.Build();
        try
        {
            app.UseRouting();
            app.Map("/v3/{**path}", async http =>
            {
                using var reader = new StreamReader(http.Request.Body, Encoding.UTF8);
                var body = await reader.ReadToEndAsync(http.RequestAborted);
                var answer = simulator.Handle(http.Request.Method, http.Request.Path + http.Request.QueryString, http.Request.Headers.Authorization.ToString(), body);
                http.Response.StatusCode = answer.Status;
                if (answer.SignIt)
                {
                    foreach (var (name, value) in simulator.SignAnswer(answer.Body))
                    {
                        http.Response.Headers[name] = value;
                    }
                }

                http.Response.Headers["Request-ID"] = Guid.NewGuid().ToString("N");
                if (answer.Body.Length > 0)
                {
                    http.Response.ContentType = answer.ContentType;
                    await http.Response.WriteAsync(answer.Body, http.RequestAborted);
                }
            });
            app.MapGet("/pay", http => PayerPage(http, simulator));
            app.MapPost("/pay", async http =>
            {
                var form = await http.Request.ReadFormAsync(http.RequestAborted);
                var trade = simulator.TradeForCode(form["code_url"].ToString());
                var paid = trade is not null && await simulator.PayAsync(trade, new SimulatedPayment(), http.RequestAborted);
                http.Response.ContentType = "text/html; charset=utf-8";
                http.Response.StatusCode = paid ? 200 : 404;
                await http.Response.WriteAsync(Page(paid ? "支付成功" : "订单不存在或已关闭", paid ? "<p>已支付，请返回商户页面查看结果。</p>" : "<p>无法支付。</p>"), http.RequestAborted);
            });
            app.MapPost("/sim/trades/{outTradeNo}/pay", async (HttpContext http, string outTradeNo) =>
            {
                var command = http.Request.HasJsonContentType() ? await http.Request.ReadFromJsonAsync<PayCommand>(http.RequestAborted) : null;
                var payment = new SimulatedPayment(command?.AmountFen, command?.Notifications ?? 1, TimeSpan.FromMilliseconds(command?.DelayMs ?? 0), command?.Notify ?? true);
                http.Response.StatusCode = await simulator.PayAsync(outTradeNo, payment, http.RequestAborted) ? 204 : 404;
            });
            await app.StartAsync(cancellationToken);
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
                ?? throw new InvalidOperationException("The WeChat Pay simulator started without an address.");
            simulator.BaseAddress = new Uri(address.TrimEnd('/') + "/");
            return new WeChatPaySimulatorHost(app, simulator);
        }
        catch
        {
            await app.DisposeAsync();
            notifier.Dispose();
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

    private static Task PayerPage(HttpContext http, WeChatPaySimulator simulator)
    {
        var code = http.Request.Query["code_url"].ToString();
        var trade = simulator.TradeForCode(code);
        http.Response.ContentType = "text/html; charset=utf-8";
        if (trade is null)
        {
            http.Response.StatusCode = 404;
            return http.Response.WriteAsync(Page("订单不存在", "<p>二维码无效或已过期。</p>"), http.RequestAborted);
        }

        var form = $"<p>商户订单号 {HtmlEncoder.Default.Encode(trade)}</p><form method=\"post\" action=\"/pay\"><input type=\"hidden\" name=\"code_url\" value=\"{HtmlEncoder.Default.Encode(code)}\">"
            + "<button type=\"submit\" style=\"min-height:2.75rem;font-size:1.1rem;padding:0 1.5rem\">确认支付</button></form>";
        return http.Response.WriteAsync(Page("微信支付（模拟器）", form), http.RequestAborted);
    }

    private static string Page(string title, string content) =>
        $"<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{HtmlEncoder.Default.Encode(title)}</title></head>"
        + $"<body style=\"font-family:sans-serif;margin:1rem\"><h1>{HtmlEncoder.Default.Encode(title)}</h1><p>模拟器，仅供开发与测试 · Simulator, for development and tests only</p>{content}</body></html>";
}
