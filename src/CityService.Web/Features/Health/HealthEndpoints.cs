using System.Globalization;
using CityService.Core.Storage;
using CityService.Web.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace CityService.Web.Features.Health;

public static class HealthEndpoints
{
    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("").WithTags("Health").AllowAnonymous();
        group.MapGet("/healthz", () => TypedResults.Text("ok")).WithName("Liveness").WithSummary("The process is alive.");
        group.MapGet("/readyz", Ready).WithName("Readiness").WithSummary("The database answers.");
        return app;
    }

    public static async Task<IResult> Ready(IDbContextFactory<CityDbContext> dbFactory, HttpContext http, CancellationToken ct)
    {
        try
        {
            // A round trip, not just an open: a pooled connection opens even while the server is stopped or frozen.
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            await db.Database.ExecuteSqlRawAsync("SELECT 1", ct);
            return TypedResults.Text("ready");
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException or InvalidOperationException or TimeoutException)
        {
            if (DatabaseOutage.IsUnavailable(ex))
            {
                (http.RequestServices as IServiceProvider)?.GetService<DatabaseOutage>()?.Failed(ex); // none in unit tests
            }

            return NotReady(http);
        }
    }

    private static ProblemHttpResult NotReady(HttpContext http)
    {
        http.Response.Headers.RetryAfter = ((int)DatabaseOutage.RetryAfter.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        return TypedResults.Problem(Infrastructure.Problems.Build(
            http, StatusCodes.Status503ServiceUnavailable, "health.database-unreachable", new("数据库暂时无法连接。", "The database cannot be reached.")));
    }
}
