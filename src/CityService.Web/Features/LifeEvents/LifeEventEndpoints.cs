using CityService.Core.Catalog;
using CityService.Core.LifeEvents;
using CityService.Core.Regions;
using CityService.Web.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CityService.Web.Features.LifeEvents;

public static class LifeEventEndpoints
{
    /// <summary>The life events: data shipped with the release, held in memory (as the regions are).</summary>
    public static void AddLifeEvents(this WebApplicationBuilder builder) =>
        builder.Services.AddSingleton(sp => LifeEventDirectory.Load(sp.GetRequiredService<RegionDirectory>()));

    public static IEndpointRouteBuilder MapLifeEvents(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/regions/{code}/life-events").WithTags("LifeEvents").AllowAnonymous().WithETag()
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        group.MapGet("/", ListLifeEvents).WithName("ListLifeEvents")
            .WithSummary("The life events (一件事) of a region, each with the number of its services the region offers.");
        group.MapGet("/{event}", GetLifeEvent).WithName("GetLifeEvent")
            .WithSummary("One life event with the services it involves in the region's effective catalog, in order (services the region does not offer are left out).");
        return app;
    }

    public static async Task<Results<Ok<LifeEventListDto>, ProblemHttpResult>> ListLifeEvents(
        string code, RegionDirectory regions, LifeEventDirectory events, CatalogReader catalog, HttpContext http, CancellationToken ct)
    {
        var region = regions.Get(code);
        if (!region.IsOk)
        {
            return Problems.From(region.Error, http);
        }

        var all = await catalog.ForRegionAsync(region.Value.Code, ct);
        var items = events.ForRegion(region.Value.Code).Select(e => LifeEventSummaryDto.From(e, e.OfferedIn(all).Count)).ToList();
        return TypedResults.Ok(new LifeEventListDto(items, items.Count));
    }

    public static async Task<Results<Ok<LifeEventDto>, ProblemHttpResult>> GetLifeEvent(
        string code, string @event, RegionDirectory regions, LifeEventDirectory events, CatalogReader catalog, HttpContext http, CancellationToken ct)
    {
        var region = regions.Get(code);
        if (!region.IsOk)
        {
            return Problems.From(region.Error, http);
        }

        var found = events.Get(region.Value.Code, @event);
        if (!found.IsOk)
        {
            return Problems.From(found.Error, http);
        }

        var offered = found.Value.OfferedIn(await catalog.ForRegionAsync(region.Value.Code, ct));
        return TypedResults.Ok(LifeEventDto.From(region.Value.Code, found.Value, offered));
    }
}

/// <summary>Where a life event is shown: in a chosen city, or (without one) on the page that asks for the city.</summary>
public static class LifeEventUrls
{
    public static string InCity(string city, string eventCode) => $"/city/{city}/events/{eventCode}";

    public static string ChooseCity(string eventCode) => $"/events/{eventCode}";
}
