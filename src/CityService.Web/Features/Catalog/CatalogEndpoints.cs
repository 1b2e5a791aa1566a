using System.Security.Claims;
using CityService.Core.Catalog;
using CityService.Core.Identity.Clients;
using CityService.Core.Identity.Verification;
using CityService.Core.Regions;
using CityService.Core.Storage;
using CityService.Web.Features.Identity;
using CityService.Web.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace CityService.Web.Features.Catalog;

public static class CatalogEndpoints
{
    /// <summary>The effective catalog of each region (memory cache) and the prepared answers built from it.</summary>
    public static void AddCatalog(this WebApplicationBuilder builder)
    {
        builder.Services.AddMemoryCache();
        builder.Services.AddSingleton<CatalogReader>();
        builder.Services.AddSingleton<CatalogResponseCache>();
    }

    public static IEndpointRouteBuilder MapCatalog(this IEndpointRouteBuilder app)
    {
        // The list and the item answer with cached PreparedJson (ETag included), so they skip the generic ETag filter.
        var group = app.MapGroup("/api/regions/{code}").WithTags("Catalog").AllowAnonymous()
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        group.MapGet("/services", ListServices).Produces<ServiceListDto>().WithMetadata(ETagged.Instance).WithName("ListServices")
            .WithSummary("The effective service items of a region, filtered by field and text (Chinese or English, substrings match).");
        group.MapGet("/services/{serviceCode}", GetService).Produces<ServiceDetailDto>().WithMetadata(ETagged.Instance).WithName("GetService")
            .WithSummary("One effective service item with its guide, as the region sees it.");
        group.MapGet("/fields", CountFields).WithETag().WithName("CountServiceFields")
            .WithSummary("The 12 service fields with the number of items each has in the region.");

        var citizen = app.MapGroup("/api/regions/{code}/services/{serviceCode}").WithTags("Catalog")
            .RequireAuthorization(IdentitySetup.CitizenPolicy)
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound);
        citizen.MapGet("/eligibility", CheckEligibility).WithMetadata(new ChannelScope(Scopes.ServicesStart)).WithName("CheckServiceEligibility")
            .WithSummary("Whether the signed-in citizen's assurance level allows starting this service; 403 names the level required.");
        return app;
    }

    public static async Task<Results<Ok<EligibilityDto>, ProblemHttpResult>> CheckEligibility(
        string code, string serviceCode, ClaimsPrincipal user, RegionDirectory regions, CatalogReader catalog,
        CityDbContext db, HttpContext http, CancellationToken ct)
    {
        var region = regions.Get(code);
        if (!region.IsOk)
        {
            return Problems.From(region.Error, http);
        }

        var item = await catalog.GetAsync(region.Value.Code, serviceCode, ct);
        if (!item.IsOk)
        {
            return Problems.From(item.Error, http);
        }

        var accountId = user.AccountId();
        var level = await db.Accounts.Where(a => a.Id == accountId).Select(a => a.AssuranceLevel).SingleAsync(ct);
        return AssuranceRequirement.Check(item.Value.RequiredLevel, level) is { } missing
            ? Problems.From(missing, http)
            : TypedResults.Ok(new EligibilityDto(true, item.Value.RequiredLevel, level));
    }

    public static async Task<Results<PreparedJson, ProblemHttpResult>> ListServices(
        string code,
        [DocumentAs(typeof(ServiceField), Description = "Only items of this service field.")] string? field,
        [DocumentAs(typeof(string), Description = "Text to find in the item's name or keywords, Chinese or English (substrings match).")] string? q,
        [DocumentAs(typeof(int), Minimum = 1, Description = "The page, from 1.")] string? page,
        [DocumentAs(typeof(int), Minimum = 1, Maximum = CatalogReader.MaxPageSize, Description = "Items per page (default 20).")] string? pageSize,
        RegionDirectory regions, CatalogReader catalog, CatalogResponseCache responses, HttpContext http, CancellationToken ct)
    {
        var region = regions.Get(code);
        if (!region.IsOk)
        {
            return Problems.From(region.Error, http);
        }

        ServiceField? fieldValue = null;
        if (!string.IsNullOrWhiteSpace(field))
        {
            fieldValue = ServiceFields.FromSlug(field.Trim());
            if (fieldValue is null)
            {
                return Problems.From(ServiceFields.Unknown(field), http);
            }
        }

        var pageNumber = QueryValues.WholeNumber(page, "page", 1);
        if (!pageNumber.IsOk)
        {
            return Problems.From(pageNumber.Error, http);
        }

        var size = QueryValues.WholeNumber(pageSize, "pageSize", CatalogReader.DefaultPageSize);
        if (!size.IsOk)
        {
            return Problems.From(size.Error, http);
        }

        var all = await catalog.ForRegionAsync(region.Value.Code, ct);
        var key = ("list", region.Value.Code, fieldValue, q?.Trim(), pageNumber.Value, size.Value);
        if (responses.TryGet(key, all) is { } cached)
        {
            return cached; // a repeated read: no filtering, no serialization, no hashing
        }

        var result = CatalogReader.Search(all, fieldValue, q, pageNumber.Value, size.Value);
        if (!result.IsOk)
        {
            return Problems.From(result.Error, http);
        }

        return responses.GetOrAdd(key, all, () => PreparedJson.From(
            new ServiceListDto(result.Value.Items.Select(ServiceSummaryDto.From).ToList(), result.Value.Total, result.Value.Page, result.Value.PageSize), http));
    }

    public static async Task<Results<PreparedJson, ProblemHttpResult>> GetService(
        string code, string serviceCode, RegionDirectory regions, CatalogReader catalog, CatalogResponseCache responses, HttpContext http, CancellationToken ct)
    {
        var region = regions.Get(code);
        if (!region.IsOk)
        {
            return Problems.From(region.Error, http);
        }

        var all = await catalog.ForRegionAsync(region.Value.Code, ct);
        var item = CatalogReader.Find(all, serviceCode);
        return item.IsOk
            ? responses.GetOrAdd(("item", region.Value.Code, item.Value.Code), all, () => PreparedJson.From(ServiceDetailDto.From(region.Value.Code, item.Value), http))
            : Problems.From(item.Error, http);
    }

    public static async Task<Results<Ok<IReadOnlyList<FieldCountDto>>, ProblemHttpResult>> CountFields(
        string code, RegionDirectory regions, CatalogReader catalog, HttpContext http, CancellationToken ct)
    {
        var region = regions.Get(code);
        if (!region.IsOk)
        {
            return Problems.From(region.Error, http);
        }

        var counts = await catalog.CountByFieldAsync(region.Value.Code, ct);
        IReadOnlyList<FieldCountDto> list = counts.Select(c => new FieldCountDto(c.Key, c.Key.DisplayName().Zh, c.Key.DisplayName().En, c.Value)).ToList();
        return TypedResults.Ok(list);
    }
}
