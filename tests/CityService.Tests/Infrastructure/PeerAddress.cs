using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace CityService.Tests.Infrastructure;

/// <summary>
/// Stands in for the network: TestServer has no peer address, so a test names it in a header and the host's first
/// middleware (test hosts only) sets the connection's address from it.
/// </summary>
public sealed class PeerAddress : IStartupFilter
{
    public const string Header = "X-Test-Peer";

    public static void Add(IServiceCollection services) => services.AddTransient<IStartupFilter, PeerAddress>();

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use((http, following) =>
        {
            if (http.Request.Headers.TryGetValue(Header, out var peer))
            {
                http.Connection.RemoteIpAddress = IPAddress.Parse(peer.ToString());
                http.Request.Headers.Remove(Header);
            }

            return following(http);
        });
        next(app);
    };
}
