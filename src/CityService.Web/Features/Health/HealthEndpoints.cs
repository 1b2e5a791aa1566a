using System.Globalization;
using CityService.Core.Common;
using CityService.Core.Identity.Verification.Registry;
using CityService.Core.Storage;
using CityService.Web.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace CityService.Web.Features.Health;

/// <summary>
/// Liveness and readiness through ASP.NET Core health checks (<see cref="HealthCheckService"/>): <c>/healthz</c> runs no
/// check (the process answers), <c>/readyz</c> runs those tagged <see cref="ReadyTag"/> — the database, and the population
/// registry when it is the real, remote one (<see cref="RegistryHealthCheck"/>, added by the registry's setup). The two
/// stay minimal-API endpoints (not <c>MapHealthChecks</c>) so that they keep their OpenAPI description and answer as
/// before: <c>ok</c>, <c>ready</c>, or a 503 problem with Retry-After naming the first dependency that failed.
/// </summary>
public static class HealthEndpoints
{
    public const string ReadyTag = "ready";

    public static void AddHealth(this WebApplicationBuilder builder)
    {
        builder.Services.AddHealthChecks().AddCheck<DatabaseHealthCheck>(DatabaseHealthCheck.Name, tags: [ReadyTag]);

        // The health check service logs every unhealthy probe as an error: during an outage that is one line per probe. A
        // database outage is logged once by DatabaseOutage; the probe's answer (503, naming the dependency) says the rest.
        builder.Logging.AddFilter("Microsoft.Extensions.Diagnostics.HealthChecks.DefaultHealthCheckService", LogLevel.Critical);
    }

    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("").WithTags("Health").AllowAnonymous();
        group.MapGet("/healthz", () => TypedResults.Text("ok")).WithName("Liveness").WithSummary("The process is alive.");
        group.MapGet("/readyz", Ready).WithName("Readiness").WithSummary("The database answers, and the population registry when it is remote.");
        return app;
    }

    public static async Task<Results<ContentHttpResult, ProblemHttpResult>> Ready(HealthCheckService health, HttpContext http, CancellationToken ct)
    {
        var report = await health.CheckHealthAsync(check => check.Tags.Contains(ReadyTag), ct);
        if (report.Status == HealthStatus.Healthy)
        {
            return TypedResults.Text("ready");
        }

        var failed = report.Entries.Where(e => e.Value.Status != HealthStatus.Healthy).Select(e => e.Key).ToHashSet(StringComparer.Ordinal);
        var (code, message) = failed.Contains(DatabaseHealthCheck.Name) // the database first: nothing works without it
            ? ("health.database-unreachable", new LocalizedText("数据库暂时无法连接。", "The database cannot be reached."))
            : ("health.registry-unreachable", new LocalizedText("户籍核验服务暂时无法连接。", "The population registry cannot be reached."));
        http.Response.Headers.RetryAfter = ((int)DatabaseOutage.RetryAfter.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        return TypedResults.Problem(Problems.Build(http, StatusCodes.Status503ServiceUnavailable, code, message));
    }
}

/// <summary>A round trip, not just an open: a pooled connection opens even while the server is stopped or frozen.</summary>
public sealed class DatabaseHealthCheck(IDbContextFactory<CityDbContext> dbFactory, IServiceProvider services) : IHealthCheck
{
    public const string Name = "database";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            await db.Database.ExecuteSqlRawAsync("SELECT 1", cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException or InvalidOperationException or TimeoutException)
        {
            if (DatabaseOutage.IsUnavailable(ex))
            {
                services.GetService<DatabaseOutage>()?.Failed(ex); // logged once per outage, as for any request
            }

            return HealthCheckResult.Unhealthy("The database cannot be reached.");
        }
    }
}

/// <summary>The real population registry answers (<see cref="HttpPopulationRegistry.ProbeAsync"/>); registered only when it is the one in use.</summary>
public sealed class RegistryHealthCheck(IPopulationRegistry registry) : IHealthCheck
{
    public const string Name = "population-registry";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        registry is HttpPopulationRegistry remote && await remote.ProbeAsync(cancellationToken) is { } failure
            ? HealthCheckResult.Unhealthy("The population registry cannot be reached: " + failure)
            : HealthCheckResult.Healthy();
}
