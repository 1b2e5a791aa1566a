using System.Net;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.ResponseCompression;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace CityService.Web.Infrastructure;

/// <summary>
/// The HTTP conventions every response follows (ADR 013): forwarded headers only from configured proxies, security
/// headers, <c>Vary</c> for what the answer depends on, <c>HEAD</c> wherever <c>GET</c> works, and compression that
/// leaves out pages carrying secrets.
/// </summary>
public static class HttpConventions
{
    /// <summary>The scripts, styles and images of every page are the site's own files: no inline script or style.</summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; "
        + "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

    /// <summary>
    /// Swagger UI (/api-docs, not our markup) sets inline styles from its scripts; its scripts are still files only.
    /// </summary>
    public const string ApiDocsContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; connect-src 'self'; "
        + "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

    public static void AddHttpConventions(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<ForwardedHeadersOptions>().Configure<IConfiguration>(ConfigureForwarding);
        builder.Services.AddResponseCompression(o =>
        {
            o.EnableForHttps = true; // pages that carry secrets are left out instead (SecretAwareCompression)
            o.Providers.Add<BrotliCompressionProvider>();
            o.Providers.Add<GzipCompressionProvider>();
            o.MimeTypes = [.. ResponseCompressionDefaults.MimeTypes, "application/problem+json", "image/svg+xml"];
        });
        builder.Services.Replace(ServiceDescriptor.Singleton<IResponseCompressionProvider, SecretAwareCompression>());
    }

    /// <summary>
    /// X-Forwarded-For and X-Forwarded-Proto are believed only from the proxies and networks the operator lists
    /// (<c>ReverseProxy:KnownProxies</c>, <c>ReverseProxy:KnownNetworks</c>); with none listed they are ignored. The
    /// framework's default trust of loopback is dropped, so a proxy on the same machine must be listed too.
    /// </summary>
    public static void ConfigureForwarding(ForwardedHeadersOptions options, IConfiguration configuration)
    {
        options.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
        options.KnownProxies.Clear();
        options.KnownIPNetworks.Clear();
        options.ForwardLimit = configuration.GetValue("ReverseProxy:ForwardLimit", 1);
        foreach (var proxy in Values(configuration.GetSection("ReverseProxy:KnownProxies")))
        {
            options.KnownProxies.Add(IPAddress.TryParse(proxy, out var address)
                ? address
                : throw new InvalidOperationException($"ReverseProxy:KnownProxies: '{proxy}' is not an IP address. See docs/operations.md."));
        }

        foreach (var network in Values(configuration.GetSection("ReverseProxy:KnownNetworks")))
        {
            options.KnownIPNetworks.Add(System.Net.IPNetwork.TryParse(network, out var parsed)
                ? parsed
                : throw new InvalidOperationException($"ReverseProxy:KnownNetworks: '{network}' is not a network in CIDR notation (e.g. 10.0.0.0/8). See docs/operations.md."));
        }
    }

    /// <summary>Whether any proxy is trusted; without one the forwarded headers are not even read.</summary>
    public static bool TrustsProxies(ForwardedHeadersOptions options) => options.KnownProxies.Count > 0 || options.KnownIPNetworks.Count > 0;

    /// <summary>A list given as array entries (<c>:0</c>, <c>:1</c>) or as one comma-separated value.</summary>
    internal static IEnumerable<string> Values(IConfigurationSection section) =>
        section.GetChildren().Select(c => c.Value ?? string.Empty).Prepend(section.Value ?? string.Empty)
        .SelectMany(v => v.Split([',', ';'], StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));

    /// <summary>First in the pipeline: the real client and scheme, then the headers every answer carries, HEAD, compression.</summary>
    public static void UseHttpConventions(this WebApplication app)
    {
        var forwarding = app.Services.GetRequiredService<IOptions<ForwardedHeadersOptions>>().Value;
        if (TrustsProxies(forwarding))
        {
            app.UseForwardedHeaders();
        }

        app.Use((http, next) =>
        {
            // OnStarting, so the headers survive the exception handler clearing the response.
            http.Response.OnStarting(static state => AddHeaders((HttpContext)state), http);
            if (HttpMethods.IsHead(http.Request.Method))
            {
                // HEAD is GET without the body (RFC 9110 §9.3.2): routed as GET; the server sends no body for a HEAD request.
                http.Request.Method = HttpMethods.Get;
            }

            return next(http);
        });
        app.UseResponseCompression();
    }

    private static Task AddHeaders(HttpContext http)
    {
        var headers = http.Response.Headers;
        headers.ContentSecurityPolicy = http.Request.Path.StartsWithSegments("/api-docs", StringComparison.OrdinalIgnoreCase)
            ? ApiDocsContentSecurityPolicy
            : ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY"; // frame-ancestors for browsers that predate CSP 2
        headers["Referrer-Policy"] = "same-origin";
        headers["Cross-Origin-Opener-Policy"] = "same-origin";
        headers["Permissions-Policy"] = "camera=(self), geolocation=(self), microphone=(), payment=()";

        // The API's texts follow Accept-Language; the pages' follow the language cookie (or ?lang, part of the URL).
        // Static files depend on neither.
        if (HostSetup.IsApi(http.Request.Path))
        {
            headers.Append("Vary", "Accept-Language");
        }
        else if (http.Response.ContentType?.StartsWith("text/html", StringComparison.OrdinalIgnoreCase) == true)
        {
            headers.Append("Vary", "Cookie");

            // A page is rendered in the language and display mode of the person's cookies: after a switch, Back must not
            // show the old rendering. Chromium reuses a no-cache page for Back without asking (history navigations skip
            // validation) and keeps it in the back/forward cache; no-store prevents both. Set last (OnStarting runs after
            // the compression decision and after antiforgery's own no-store), so it changes neither.
            if (headers.CacheControl.Count == 0)
            {
                headers.CacheControl = "no-store";
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// Compresses what the defaults compress (HTML, JSON, CSS, JS, SVG), except HTML that may hold a secret next to
    /// reflected input (BREACH): a page for a signed-in person, or one with an antiforgery token (which marks its
    /// response <c>no-store</c>). The API's secrets travel in bearer headers a cross-site page cannot make a browser send.
    /// </summary>
    public sealed class SecretAwareCompression(IServiceProvider services, IOptions<ResponseCompressionOptions> options)
        : ResponseCompressionProvider(services, options)
    {
        public override bool ShouldCompressResponse(HttpContext context) =>
            base.ShouldCompressResponse(context) && !MayHoldSecret(context);

        public static bool MayHoldSecret(HttpContext context) =>
            context.Response.ContentType?.StartsWith("text/html", StringComparison.OrdinalIgnoreCase) == true
            && (context.User.Identity?.IsAuthenticated == true
                || context.Response.Headers.CacheControl.ToString().Contains("no-store", StringComparison.OrdinalIgnoreCase));
    }
}
