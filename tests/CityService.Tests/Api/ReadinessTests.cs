using CityService.Core.Storage;
using CityService.Web.Features.Health;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;

namespace CityService.Tests.Api;

public sealed class ReadinessTests
{
    [Fact]
    public async Task Readiness_is_503_when_the_database_cannot_be_reached()
    {
        // Nothing listens on port 1; the connection attempt fails fast.
        var settings = StorageSettings.From("Postgres", "Host=127.0.0.1;Port=1;Username=x;Password=x;Timeout=2", Path.GetTempPath());
        var options = new DbContextOptionsBuilder<CityDbContext>();
        settings.Configure(options);
        var result = await HealthEndpoints.Ready(new PooledDbContextFactory<CityDbContext>(options.Options), new DefaultHttpContext(), CancellationToken.None);
        var problem = Assert.IsType<ProblemHttpResult>(result);
        Assert.Equal(503, problem.StatusCode);
    }
}
