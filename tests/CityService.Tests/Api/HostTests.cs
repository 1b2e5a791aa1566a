using System.Net;
using System.Text;
using CityService.Tests.Infrastructure;

namespace CityService.Tests.Api;

public abstract class HostTests(AppFixture app)
{
    private readonly HttpClient _client = app.Client();

    [Fact]
    public async Task Liveness_and_readiness_answer()
    {
        Assert.Equal("ok", await _client.GetStringAsync("/healthz"));
        Assert.Equal("ready", await _client.GetStringAsync("/readyz"));
    }

    [Fact]
    public async Task The_openapi_document_describes_every_api_route_and_has_a_ui()
    {
        var doc = await (await _client.GetAsync("/openapi/v1.json")).Json();
        Assert.StartsWith("3.", doc.GetProperty("openapi").GetString(), StringComparison.Ordinal);
        var paths = doc.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToHashSet();
        Assert.Superset(
            new HashSet<string>
            {
                "/api/regions/{code}", "/api/regions/{code}/children", "/api/regions/locate",
                "/api/regions/{code}/services", "/api/regions/{code}/services/{serviceCode}", "/healthz", "/readyz",
            },
            paths);
        var ui = await _client.GetAsync("/api-docs/index.html");
        Assert.Equal(HttpStatusCode.OK, ui.StatusCode);
    }

    [Fact]
    public async Task An_unknown_api_route_is_a_404_problem()
    {
        await (await _client.GetAsync("/api/nothing-here")).AssertProblem(HttpStatusCode.NotFound, code: "http.not-found");
    }

    [Fact]
    public async Task A_wrong_method_is_a_405_problem()
    {
        using var body = new StringContent("{}", Encoding.UTF8, "application/json");
        await (await _client.PostAsync("/api/regions/330100", body)).AssertProblem(HttpStatusCode.MethodNotAllowed);
    }

    [Theory]
    [InlineData("/api/regions/330100/services?q=%00%00")]
    [InlineData("/api/regions/330100/services?q=%FF%FE")]
    [InlineData("/api/regions/330100/services?q=%27%3B%20DROP%20TABLE%20regions%3B--")]
    [InlineData("/api/regions/330100/services?page=1&page=2")]
    [InlineData("/api/regions/330100/services?field=")]
    [InlineData("/api/regions/330100/services/-")]
    [InlineData("/api/regions/330100/services/" + "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("/api/regions/locate?lat=&lon=")]
    [InlineData("/api/regions/locate?lat=%E5%8C%97&lon=120")]
    [InlineData("/api/regions/..%2F..%2Fetc%2Fpasswd")]
    public async Task Hostile_input_never_gets_a_500(string url)
    {
        var response = await _client.GetAsync(url);
        Assert.True((int)response.StatusCode < 500, $"{url} → {(int)response.StatusCode}");
        if (!response.IsSuccessStatusCode)
        {
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
    }
}

public sealed class HostTests_Sqlite(SqliteApp app) : HostTests(app), IClassFixture<SqliteApp>;

public sealed class HostTests_Postgres(PostgresApp app) : HostTests(app), IClassFixture<PostgresApp>;
