using CityService.Tests.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace CityService.Tests.Identity;

/// <summary>Every endpoint and page declares a policy or says it is anonymous: no future endpoint can slip through.</summary>
public sealed class AuthorizationCoverageTests(SqliteApp app) : IClassFixture<SqliteApp>
{
    [Fact]
    public void Every_endpoint_declares_a_policy_or_is_explicitly_anonymous()
    {
        var endpoints = app.App.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToList();
        Assert.True(endpoints.Count > 15, $"only {endpoints.Count} endpoints found");
        var undeclared = endpoints
            .Where(e => e.Metadata.GetMetadata<IAllowAnonymous>() is null && e.Metadata.GetOrderedMetadata<IAuthorizeData>().Count == 0)
            .Select(e => $"{string.Join(",", e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods ?? [])} {e.RoutePattern.RawText}")
            .ToList();
        Assert.True(undeclared.Count == 0, "Endpoints without a policy or AllowAnonymous:\n" + string.Join("\n", undeclared));
    }

    [Fact]
    public void Profile_endpoints_require_the_citizen_policy()
    {
        var me = app.App.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Single(e => e.RoutePattern.RawText?.TrimEnd('/') == "/api/me");
        Assert.Null(me.Metadata.GetMetadata<IAllowAnonymous>());
        Assert.Contains(me.Metadata.GetOrderedMetadata<IAuthorizeData>(), a => a.Policy == "citizen");
    }
}
