using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using CityService.Core.Notifications;
using CityService.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace CityService.Tests.Notifications.Senders;

/// <summary>Renders "event/channel/language/version" and the variables, so a test sees exactly what went into the text.</summary>
public sealed class EchoRenderer : INotificationRenderer
{
    public Task<RenderedNotification> RenderAsync(string eventCode, string channel, string language, int templateVersion, IReadOnlyDictionary<string, string> variables, CancellationToken ct)
    {
        var values = string.Join(", ", variables.OrderBy(v => v.Key, StringComparer.Ordinal).Select(v => $"{v.Key}={v.Value}"));
        return Task.FromResult(channel == "email"
            ? new RenderedNotification($"【城市服务】身份核验通过 · {eventCode}", $"您好：\n{eventCode} v{templateVersion} {language}: {values}", $"<p>{eventCode} &lt;v{templateVersion}&gt;</p><p>{values}</p>")
            : new RenderedNotification(null, $"【城市服务】{eventCode} v{templateVersion} {language}: {values}", null));
    }
}

/// <summary>Scopes of the host's container with some services replaced (the parts other helpers build, e.g. the renderer).</summary>
public sealed class ScopesWith(IServiceScopeFactory inner, params object[] replacements) : IServiceScopeFactory
{
    public IServiceScope CreateScope() => new Scope(inner.CreateScope(), replacements);

    private sealed class Scope(IServiceScope scope, object[] replacements) : IServiceScope, IServiceProvider
    {
        public IServiceProvider ServiceProvider => this;

        public object? GetService(Type serviceType) =>
            replacements.FirstOrDefault(serviceType.IsInstanceOfType) ?? scope.ServiceProvider.GetService(serviceType);

        public void Dispose() => scope.Dispose();
    }
}

/// <summary>
/// A real SMTP server on loopback: Debian's python3-aiosmtpd with the small handler beside this file, writing each
/// message it receives to a folder as N.eml.
/// </summary>
public sealed class SmtpSinkFixture : IAsyncLifetime
{
    private Process? _server;

    public int Port { get; private set; }

    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("cityservice-smtp-").FullName;

    public async Task InitializeAsync()
    {
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            Port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        var start = new ProcessStartInfo("/usr/bin/python3")
        {
            ArgumentList = { "-m", "aiosmtpd", "-n", "-l", $"127.0.0.1:{Port}", "-c", "smtp_sink.Sink", Directory },
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        start.Environment["PYTHONPATH"] = Path.Combine(Repository.Root(), "tests", "CityService.Tests", "Notifications", "Senders");
        _server = Process.Start(start) ?? throw new InvalidOperationException("python3 -m aiosmtpd did not start (apt-get install python3-aiosmtpd).");
        var until = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < until && !_server.HasExited)
            {
                await Task.Delay(50);
            }
            catch (SocketException)
            {
                var error = _server.HasExited ? await _server.StandardError.ReadToEndAsync() : "no answer within 15 s";
                throw new InvalidOperationException("The aiosmtpd test server did not start: " + error);
            }
        }
    }

    /// <summary>The path of the n-th message received, once it is there (at most 10 s).</summary>
    public async Task<string> MessageAsync(int number)
    {
        var path = Path.Combine(Directory, $"{number}.eml");
        var until = DateTime.UtcNow.AddSeconds(10);
        while (!File.Exists(path))
        {
            Assert.True(DateTime.UtcNow < until, $"No message {number} at the SMTP server within 10 s.");
            await Task.Delay(20);
        }

        return path;
    }

    public int Received => System.IO.Directory.GetFiles(Directory, "*.eml").Length;

    public Task DisposeAsync()
    {
        if (_server is { HasExited: false })
        {
            _server.Kill();
            _server.WaitForExit(5000);
        }

        _server?.Dispose();
        System.IO.Directory.Delete(Directory, recursive: true);
        return Task.CompletedTask;
    }
}
