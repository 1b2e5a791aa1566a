using CityService.Core.Jobs;

namespace CityService.Web.Features.Operations;

/// <summary>Background work (jobs, the outbox) and the operator views of it (/admin/jobs, /admin/outbox, /api/admin/…).</summary>
public static class OperationsSetup
{
    public static void AddOperations(this WebApplicationBuilder builder) =>
        builder.Services.AddBackgroundWork(builder.Configuration);

    public static IEndpointRouteBuilder MapOperations(this IEndpointRouteBuilder app)
    {
        app.MapBackgroundWorkAdmin();
        return app;
    }
}
