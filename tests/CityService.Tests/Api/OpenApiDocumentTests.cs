using System.Diagnostics;
using System.Text.Json;
using CityService.Testing;
using CityService.Tests.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace CityService.Tests.Api;

/// <summary>
/// The OpenAPI document the host serves (ADR 013): security on every protected operation, typed parameters, the problem
/// schema, response headers; and Redocly's linter (tools/openapi-lint, installed by <c>npm ci</c>) finds no error in it.
/// The document does not depend on the storage provider, so one provider is enough.
/// </summary>
public sealed class OpenApiDocumentTests(SqliteApp app) : IClassFixture<SqliteApp>
{
    private async Task<(string Text, JsonElement Doc)> Document()
    {
        var text = await app.Client().GetStringAsync("/openapi/v1.json");
        return (text, JsonDocument.Parse(text).RootElement);
    }

    private static IEnumerable<(string Path, string Method, JsonElement Operation)> Operations(JsonElement doc) =>
        doc.GetProperty("paths").EnumerateObject().SelectMany(p => p.Value.EnumerateObject().Select(o => (p.Name, o.Name.ToUpperInvariant(), o.Value)));

    [Fact]
    public async Task Every_protected_operation_names_its_security_scheme_and_open_ones_say_they_are_open()
    {
        var (_, doc) = await Document();
        var schemes = doc.GetProperty("components").GetProperty("securitySchemes");
        Assert.Equal("bearer", schemes.GetProperty("bearer").GetProperty("scheme").GetString());
        Assert.Equal("X-CS-Signature", schemes.GetProperty("signature").GetProperty("name").GetString());

        var endpoints = app.App.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToList();
        var checkedCount = 0;
        foreach (var (path, method, operation) in Operations(doc))
        {
            var endpoint = endpoints.Single(e => Normalize("/" + System.Text.RegularExpressions.Regex.Replace(e.RoutePattern.RawText!.TrimStart('/'), ":[^}]+}", "}")) == Normalize(path)
                && e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods.Contains(method) == true);
            var policies = endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>().Select(a => a.Policy).ToList();
            var security = operation.GetProperty("security").EnumerateArray().SelectMany(r => r.EnumerateObject().Select(s => s.Name)).ToList();
            if (endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null)
            {
                Assert.Empty(security);
            }
            else
            {
                var expected = policies.Any(p => p is "api-client" or "partner-channel") ? "signature" : "bearer";
                Assert.True(security.SequenceEqual([expected]), $"{method} {path}: security {string.Join(",", security)}, expected {expected}");
                Assert.True(operation.GetProperty("responses").TryGetProperty("401", out var unauthorized), $"{method} {path} has no 401");
                Assert.True(unauthorized.GetProperty("headers").TryGetProperty("WWW-Authenticate", out _));
            }

            Assert.False(string.IsNullOrWhiteSpace(operation.GetProperty("summary").GetString()), $"{method} {path}: no summary");
            Assert.False(string.IsNullOrWhiteSpace(operation.GetProperty("description").GetString()), $"{method} {path}: no description");
            Assert.True(operation.GetProperty("responses").EnumerateObject().Any(r => r.Name.StartsWith('2')), $"{method} {path}: no success response");
            checkedCount++;
        }

        Assert.True(checkedCount > 30, $"only {checkedCount} operations");
    }

    private static string Normalize(string path) => path.TrimEnd('/') is { Length: > 0 } p ? p : "/";

    [Fact]
    public async Task Query_values_are_typed_and_the_field_is_an_enum_of_its_slugs()
    {
        var (_, doc) = await Document();
        var list = doc.GetProperty("paths").GetProperty("/api/regions/{code}/services").GetProperty("get");
        var parameters = list.GetProperty("parameters").EnumerateArray().ToDictionary(p => p.GetProperty("name").GetString()!, p => p.GetProperty("schema"));
        Assert.Equal("integer", parameters["page"].GetProperty("type").GetString());
        Assert.Equal(1, parameters["page"].GetProperty("minimum").GetInt32());
        Assert.Equal(100, parameters["pageSize"].GetProperty("maximum").GetInt32());
        Assert.Equal("string", parameters["q"].GetProperty("type").GetString());
        Assert.Equal("string", parameters["code"].GetProperty("type").GetString());
        var slugs = parameters["field"].GetProperty("enum").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Equal(Core.Catalog.ServiceFields.Ordered.Select(Core.Catalog.ServiceFields.Slug), slugs);

        var locate = doc.GetProperty("paths").GetProperty("/api/regions/locate").GetProperty("get").GetProperty("parameters").EnumerateArray().ToList();
        Assert.All(locate, p => Assert.Equal("number", p.GetProperty("schema").GetProperty("type").GetString()));

        // Every parameter of every operation has a type.
        foreach (var (path, method, operation) in Operations(doc))
        {
            foreach (var parameter in operation.TryGetProperty("parameters", out var ps) ? ps.EnumerateArray() : default)
            {
                var schema = parameter.GetProperty("schema");
                Assert.True(schema.TryGetProperty("type", out _) || schema.TryGetProperty("$ref", out _), $"{method} {path}: {parameter.GetProperty("name")} has no type");
            }
        }
    }

    [Fact]
    public async Task Error_responses_reference_the_extended_problem_schema_and_name_their_headers()
    {
        var (_, doc) = await Document();
        var problem = doc.GetProperty("components").GetProperty("schemas").GetProperty("ProblemDetails").GetProperty("properties");
        foreach (var member in new[] { "code", "messages", "parameter", "errors", "traceId", "detail", "status" })
        {
            Assert.True(problem.TryGetProperty(member, out _), $"the problem schema lacks {member}");
        }

        foreach (var (path, method, operation) in Operations(doc))
        {
            foreach (var response in operation.GetProperty("responses").EnumerateObject().Where(r => r.Name[0] is '4' or '5'))
            {
                var schema = response.Value.GetProperty("content").GetProperty("application/problem+json").GetProperty("schema");
                Assert.Equal("#/components/schemas/ProblemDetails", schema.GetProperty("$ref").GetString());
                if (response.Name is "429" or "503")
                {
                    Assert.True(response.Value.GetProperty("headers").TryGetProperty("Retry-After", out _), $"{method} {path} {response.Name}: no Retry-After");
                }
            }
        }

        var services = doc.GetProperty("paths").GetProperty("/api/regions/{code}/services").GetProperty("get").GetProperty("responses");
        Assert.True(services.GetProperty("200").GetProperty("headers").TryGetProperty("ETag", out _));
        Assert.True(services.TryGetProperty("304", out _));
        Assert.True(doc.GetProperty("paths").GetProperty("/api/auth/otp").GetProperty("post").GetProperty("responses").GetProperty("429").GetProperty("headers").TryGetProperty("Retry-After", out _));
    }

    [Fact]
    public async Task The_sign_in_operations_document_the_token_they_return()
    {
        var (_, doc) = await Document();
        foreach (var path in new[] { "/api/auth/otp/verify", "/api/auth/password", "/api/channels/link/confirm" })
        {
            var ok = doc.GetProperty("paths").GetProperty(path).GetProperty("post").GetProperty("responses").GetProperty("200");
            Assert.Equal("#/components/schemas/AccessTokenResponse", ok.GetProperty("content").GetProperty("application/json").GetProperty("schema").GetProperty("$ref").GetString());
        }

        var token = doc.GetProperty("components").GetProperty("schemas").GetProperty("AccessTokenResponse").GetProperty("properties");
        Assert.True(token.TryGetProperty("accessToken", out _));
        Assert.True(token.TryGetProperty("expiresIn", out _));
    }

    [Fact]
    public async Task Redocly_lints_the_served_document_without_errors()
    {
        var (text, _) = await Document();
        var root = Repository.Root();
        var artifacts = Environment.GetEnvironmentVariable("CITYSERVICE_ARTIFACTS") is { Length: > 0 } a ? a : Path.Combine(root, "artifacts");
        var file = Path.Combine(artifacts, "openapi", "v1.json");
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        await File.WriteAllTextAsync(file, text);

        var tool = Path.Combine(root, "tools", "openapi-lint");
        var cli = Path.Combine(tool, "node_modules", "@redocly", "cli", "bin", "cli.js");
        Assert.True(File.Exists(cli), $"Redocly CLI is not installed: run `npm ci` in {tool} (scripts/test.sh does).");
        var start = new ProcessStartInfo("node", ["--no-deprecation", cli, "lint", "--config", Path.Combine(tool, "redocly.yaml"), "--format", "stylish", file])
        {
            WorkingDirectory = tool,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["REDOCLY_TELEMETRY"] = "off";
        start.Environment["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true";
        start.Environment["CI"] = "true";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"redocly lint {file} failed ({process.ExitCode}):\n{await output}\n{await errors}");
    }
}
