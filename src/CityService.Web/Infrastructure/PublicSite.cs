using Microsoft.AspNetCore.Http.Extensions;

namespace CityService.Web.Infrastructure;

/// <summary>
/// How the host faces the internet. In Production: the site's public address is configured (<c>Site:PublicBaseUrl</c>,
/// https), <c>AllowedHosts</c> names its host names (never <c>*</c>), plain HTTP is redirected to the public address and
/// HSTS is sent, and the API documentation is served only with <c>ApiDocs:Enabled=true</c>. Everywhere: no
/// <c>Server</c> header, and no absolute URL is built from the request's Host header.
/// </summary>
public static class PublicSite
{
    public static void AddPublicSite(this WebApplicationBuilder builder)
    {
        var local = ExternalSystem.IsLocal(builder.Environment);
        builder.WebHost.ConfigureKestrel(o => o.AddServerHeader = false);
        builder.Services.AddAntiforgery(o => o.Cookie.SecurePolicy = local ? CookieSecurePolicy.SameAsRequest : CookieSecurePolicy.Always);
        builder.Services.AddHsts(o =>
        {
            o.MaxAge = TimeSpan.FromDays(365);
            o.IncludeSubDomains = false; // the city's other sites under the same domain are not ours to pin
        });
    }

    /// <summary>The configured public address, e.g. <c>https://fuwu.hangzhou.gov.cn</c>; null where none is configured.</summary>
    public static Uri? PublicBaseUrl(IConfiguration configuration) =>
        Uri.TryCreate(configuration["Site:PublicBaseUrl"], UriKind.Absolute, out var url) ? url : null;

    public static bool ApiDocsEnabled(WebApplication app) =>
        !app.Environment.IsProduction() || app.Configuration.GetValue("ApiDocs:Enabled", false);

    /// <summary>Refuses a Production start whose public face is not configured; returns the problems (empty when fine).</summary>
    public static IReadOnlyList<string> ConfigurationProblems(IConfiguration configuration, IHostEnvironment environment)
    {
        if (!environment.IsProduction())
        {
            return [];
        }

        var problems = new List<string>();
        var raw = configuration["Site:PublicBaseUrl"];
        if (string.IsNullOrWhiteSpace(raw))
        {
            problems.Add("Site:PublicBaseUrl is required in Production (the https address people use, e.g. https://fuwu.example.gov.cn).");
        }
        else if (PublicBaseUrl(configuration) is not { Scheme: "https" } url || url.PathAndQuery != "/" || url.UserInfo.Length > 0)
        {
            problems.Add($"Site:PublicBaseUrl '{raw}' must be an absolute https URL without path, query or user info.");
        }

        var hosts = configuration["AllowedHosts"];
        if (string.IsNullOrWhiteSpace(hosts) || hosts.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Any(h => h == "*"))
        {
            problems.Add("AllowedHosts must name the site's host names in Production (e.g. fuwu.example.gov.cn), not '*': otherwise any Host header is accepted.");
        }

        return problems;
    }

    public static void UsePublicSite(this WebApplication app)
    {
        if (!app.Environment.IsProduction())
        {
            return;
        }

        app.UseHsts();
        var baseUrl = PublicBaseUrl(app.Configuration)!;

        // Like UseHttpsRedirection, but to the configured address: the Host header never makes up the Location.
        app.Use((http, next) =>
        {
            if (http.Request.IsHttps)
            {
                return next(http);
            }

            var target = new Uri(baseUrl, UriHelper.BuildRelative(http.Request.PathBase, http.Request.Path, http.Request.QueryString));
            http.Response.StatusCode = StatusCodes.Status308PermanentRedirect;
            http.Response.Headers.Location = target.AbsoluteUri;
            return Task.CompletedTask;
        });
    }

    /// <summary>A redirect target the framework built as an absolute URL from the request's Host, made local (path and query).</summary>
    public static string Local(string redirectUri) =>
        Uri.TryCreate(redirectUri, UriKind.Absolute, out var absolute) && absolute.Scheme is "http" or "https" ? absolute.PathAndQuery + absolute.Fragment : redirectUri;
}
