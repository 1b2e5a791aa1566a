using CityService.Core.Identity.Consent;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace CityService.Web.Features.Site;

/// <summary>A policy document as the API lists it: what a client must show before it signs a citizen in.</summary>
public sealed record PolicyDto(string Kind, string Version, DateOnly Effective, string TitleZh, string TitleEn, string Url);

/// <summary>What the frame of every page shows: the options, and the logo as checked inline SVG.</summary>
public sealed class SiteFrame(SiteOptions options, string? logoSvg, bool apiDocs)
{
    /// <summary>The footer links the API documentation only where it is served (ApiDocs:Enabled in Production).</summary>
    public bool ApiDocs => apiDocs;

    public SiteOptions Options => options;

    public string? LogoSvg => logoSvg;

    public string Operator => Infrastructure.Texts.Pick(options.OperatorZh ?? string.Empty, options.OperatorEn ?? string.Empty);
}

/// <summary>Who runs the site (<see cref="SiteOptions"/>), its policy documents and the pages that show them.</summary>
public static class SiteEndpoints
{
    public static void AddSite(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSingleton<SiteOptionsSetup>();
        services.AddSingleton<IPostConfigureOptions<SiteOptions>>(sp => sp.GetRequiredService<SiteOptionsSetup>());
        services.AddSingleton<IValidateOptions<SiteOptions>>(sp => sp.GetRequiredService<SiteOptionsSetup>());
        services.AddOptions<SiteOptions>().Bind(builder.Configuration.GetSection(SiteOptions.Section)).ValidateOnStart();
        var root = builder.Environment.ContentRootPath;
        var apiDocs = !builder.Environment.IsProduction() || builder.Configuration.GetValue("ApiDocs:Enabled", false);
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<SiteOptions>>().Value;
            var source = options.Logo is { } logo && !logo.TrimStart().StartsWith('<') ? File.ReadAllText(Path.Combine(root, logo)) : options.Logo;
            var (svg, problem) = SvgLogo.Sanitize(source);
            return problem is null ? new SiteFrame(options, svg, apiDocs) : throw new InvalidOperationException(problem);
        });
        services.AddSingleton(sp =>
        {
            var folder = sp.GetRequiredService<IOptions<SiteOptions>>().Value.PoliciesPath;
            return new PolicyDocuments(folder is null ? null : Path.Combine(root, folder));
        });
        services.AddSingleton(sp =>
        {
            var policies = sp.GetRequiredService<PolicyDocuments>();
            return new ConsentDocuments(policies[PolicyKind.Terms].Version, policies[PolicyKind.Privacy].Version);
        });
    }

    public static IEndpointRouteBuilder MapSite(this IEndpointRouteBuilder app)
    {
        // Built at start, so a bad logo or policy document stops the host instead of failing the first page.
        _ = app.ServiceProvider.GetRequiredService<SiteFrame>();
        _ = app.ServiceProvider.GetRequiredService<PolicyDocuments>();
        app.MapGroup("/api/site").WithTags("Site").AllowAnonymous()
            .MapGet("/policies", ListPolicies).WithName("ListPolicies")
            .WithSummary("The current policy documents with their versions: sign-in (agreed) and verification (consent) name the versions the citizen was shown.");
        return app;
    }

    public static Ok<IReadOnlyList<PolicyDto>> ListPolicies(PolicyDocuments policies) =>
        TypedResults.Ok<IReadOnlyList<PolicyDto>>(policies.All.Select(p => new PolicyDto(p.Slug, p.Version, p.Effective, p.Title.Zh, p.Title.En, p.Url)).ToList());
}
