using CityService.Web.Features.Identity;
using CityService.Web.Features.Identity.Clients;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Infrastructure;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace CityService.Web.Infrastructure;

/// <summary>
/// What the OpenAPI document (<c>/openapi/v1.json</c>) says beyond what the endpoints declare, in one place: the two
/// security schemes and which operation needs which, the extended problem schema every error response references,
/// typed query parameters (<see cref="DocumentAsAttribute"/>), the response headers (ETag, Retry-After,
/// WWW-Authenticate), and a description for every operation. Redocly's linter checks the result (OpenApiLintTests).
/// </summary>
public static class OpenApiConventions
{
    public const string BearerScheme = "bearer";
    public const string SignatureScheme = "signature";

    private static readonly Dictionary<string, string> Tags = new(StringComparer.Ordinal)
    {
        ["Regions"] = "Administrative regions (GB/T 2260 codes) and locating a coordinate's city.",
        ["Catalog"] = "The service catalog as a region sees it: items inherited from the province and city, with local overrides.",
        ["Identity"] = "Citizens: sign-in by code or password, profile, verification levels, sessions and linked channels.",
        ["API clients"] = "Machine clients (department systems, partner channels) calling with signed requests.",
        ["Staff"] = "Department staff roles, invitations and their acceptance.",
        ["Health"] = "Liveness and readiness for the load balancer and the orchestrator.",
    };

    /// <summary>Who may call an operation, by the policy its endpoint declares.</summary>
    private static readonly Dictionary<string, string> Callers = new(StringComparer.Ordinal)
    {
        [IdentitySetup.CitizenPolicy] = "a citizen's bearer token (from VerifySignInCode or SignInWithPassword)",
        [IdentitySetup.StaffPolicy] = "a staff member's or platform operator's bearer token",
        [IdentitySetup.PlatformAdminPolicy] = "a platform operator's bearer token",
        [IdentitySetup.SignedInPolicy] = "the bearer token of any signed-in account",
        [IdentitySetup.ApiClientPolicy] = "a signed request from a registered API client",
        [IdentitySetup.ChannelPolicy] = "a signed request from a partner channel holding the citizen-link scope",
    };

    public static void Configure(OpenApiOptions options, IConfiguration configuration)
    {
        options.AddDocumentTransformer((doc, _, _) =>
        {
            doc.Info.Title = "CityService API";
            doc.Info.Description = "One-stop government services: regions, the service catalog, identity, staff and API clients. "
                + "Errors are RFC 9457 problem details with a stable `code`, the message in both languages (`messages.zh`, `messages.en`), "
                + "the offending `parameter` and a `traceId` to quote to support. Texts follow `Accept-Language` (Chinese by default, `en` for English).";
            doc.Info.License = new OpenApiLicense { Name = "AGPL-3.0", Url = new Uri("https://www.gnu.org/licenses/agpl-3.0.html") };

            // Never built from the request's Host header: the configured public address, or relative to the document.
            doc.Servers = [new OpenApiServer { Url = PublicSite.PublicBaseUrl(configuration) is { } site ? site.GetLeftPart(UriPartial.Authority) : "/" }];
            doc.Components ??= new OpenApiComponents();
            doc.Components.SecuritySchemes = new Dictionary<string, IOpenApiSecurityScheme>(StringComparer.Ordinal)
            {
                [BearerScheme] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http,
                    Scheme = "bearer",
                    Description = "The `accessToken` of a sign-in (VerifySignInCode, SignInWithPassword, or a partner channel's link), "
                        + "valid one hour and only while its server-side session is open.",
                },
                [SignatureScheme] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.ApiKey,
                    In = ParameterLocation.Header,
                    Name = "X-CS-Signature",
                    Description = "Signed requests of registered API clients: headers `X-CS-Client` (client id), `X-CS-Timestamp` (unix seconds, "
                        + "within ±5 minutes), `X-CS-Nonce` (used once) and `X-CS-Signature` = base64 HMAC-SHA256 with the client's secret over "
                        + "`METHOD\\npath?query\\ntimestamp\\nnonce\\nhex(sha256(body))`.",
                },
            };
            doc.Tags = new HashSet<OpenApiTag>(Tags.Select(t => new OpenApiTag { Name = t.Key, Description = t.Value }));
            return Task.CompletedTask;
        });
        options.AddSchemaTransformer((schema, context, _) =>
        {
            if (context.JsonTypeInfo.Type == typeof(ProblemDetails))
            {
                DescribeProblem(schema);
            }

            return Task.CompletedTask;
        });
        options.AddOperationTransformer(TransformOperation);
    }

    private static async Task TransformOperation(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        await TypeParameters(operation, context, ct);

        var policies = metadata.OfType<IAuthorizeData>().Select(a => a.Policy).OfType<string>().Distinct().ToList();
        var anonymous = metadata.OfType<IAllowAnonymous>().Any() || policies.Count == 0;
        var signed = false;
        if (!anonymous)
        {
            var provider = context.ApplicationServices.GetRequiredService<IAuthorizationPolicyProvider>();
            foreach (var name in policies)
            {
                signed |= await provider.GetPolicyAsync(name) is { } policy && SignatureAuthenticationHandler.NeedsSignedClient(policy);
            }

            operation.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(signed ? SignatureScheme : BearerScheme, context.Document)] = [] }];
        }
        else
        {
            operation.Security = [new OpenApiSecurityRequirement()]; // explicitly open: no credentials needed
        }

        var who = anonymous
            ? "Open to anyone; no credentials needed."
            : "Needs " + string.Join(" and ", policies.Select(p => Callers.GetValueOrDefault(p, "the '" + p + "' policy"))) + ".";
        if (metadata.OfType<ChannelScope>().FirstOrDefault() is { } scope)
        {
            who += $" A partner channel's token for the citizen may call it with the scope `{scope.Scope}`.";
        }

        operation.Description = string.IsNullOrWhiteSpace(operation.Description)
            ? $"{operation.Summary}\n\n{who}"
            : $"{operation.Description}\n\n{who}";

        operation.Responses ??= [];
        var eTagged = metadata.OfType<ETagged>().Any();
        foreach (var (status, response) in operation.Responses)
        {
            if (response is not OpenApiResponse concrete)
            {
                continue;
            }

            concrete.Headers ??= new Dictionary<string, IOpenApiHeader>(StringComparer.Ordinal);
            if (status[0] is '4' or '5' && concrete.Content is not { Count: > 0 } && HostSetup.IsApi("/" + context.Description.RelativePath))
            {
                // A bodiless 4xx (e.g. TypedResults.NotFound()) becomes a problem on the way out (Problems.WriteStatusProblem).
                concrete.Content = new Dictionary<string, OpenApiMediaType>(StringComparer.Ordinal)
                {
                    ["application/problem+json"] = new() { Schema = new OpenApiSchemaReference(nameof(ProblemDetails), context.Document) },
                };
            }

            switch (status)
            {
                case "200" when eTagged:
                    concrete.Headers["ETag"] = Header("A strong validator of the body: send it back as If-None-Match to get 304 while it is unchanged.");
                    break;
                case "401":
                    concrete.Headers["WWW-Authenticate"] = Header(signed
                        ? "`Signature realm=\"CityService\", headers=\"X-CS-Client X-CS-Timestamp X-CS-Nonce X-CS-Signature\"`: sign the request."
                        : "`Bearer`: send a bearer token.");
                    break;
                case "429" or "503":
                    concrete.Headers["Retry-After"] = Header("Seconds to wait before trying again.", JsonSchemaType.Integer);
                    break;
            }
        }

        if (eTagged && HttpMethods.IsGet(context.Description.HttpMethod ?? string.Empty))
        {
            operation.Responses["304"] = new OpenApiResponse
            {
                Description = "Not Modified: the If-None-Match validator still matches; no body.",
                Headers = new Dictionary<string, IOpenApiHeader>(StringComparer.Ordinal) { ["ETag"] = Header("The current validator.") },
            };
        }

        if (HostSetup.IsApi("/" + context.Description.RelativePath)) // every API operation reads or writes the database
        {
            operation.Responses["503"] = new OpenApiResponse
            {
                Description = "The database is briefly unavailable (problem `server.database-unavailable`).",
                Headers = new Dictionary<string, IOpenApiHeader>(StringComparer.Ordinal) { ["Retry-After"] = Header("Seconds to wait before trying again.", JsonSchemaType.Integer) },
                Content = new Dictionary<string, OpenApiMediaType>(StringComparer.Ordinal)
                {
                    ["application/problem+json"] = new() { Schema = new OpenApiSchemaReference(nameof(ProblemDetails), context.Document) },
                },
            };
        }
    }

    /// <summary>Query and route values arrive as text (so a bad value is a problem naming it); the document says what they mean.</summary>
    private static async Task TypeParameters(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        foreach (var parameter in operation.Parameters?.OfType<OpenApiParameter>() ?? [])
        {
            var description = context.Description.ParameterDescriptions.FirstOrDefault(p => string.Equals(p.Name, parameter.Name, StringComparison.OrdinalIgnoreCase));
            var info = (description?.ParameterDescriptor as IParameterInfoParameterDescriptor)?.ParameterInfo;
            if (info?.GetCustomAttributes(typeof(DocumentAsAttribute), false).FirstOrDefault() is DocumentAsAttribute documented)
            {
                var schema = documented.Type.IsEnum
                    ? (await context.GetOrCreateSchemaAsync(documented.Type, null, ct)).CreateShallowCopy() as OpenApiSchema ?? new OpenApiSchema()
                    : new OpenApiSchema();
                (schema.Type, schema.Format) = documented.Type switch
                {
                    var t when t == typeof(int) => (JsonSchemaType.Integer, "int32"),
                    var t when t == typeof(long) => (JsonSchemaType.Integer, "int64"),
                    var t when t == typeof(double) => (JsonSchemaType.Number, "double"),
                    _ => (JsonSchemaType.String, schema.Format),
                };
                schema.Minimum = double.IsNaN(documented.Minimum) ? null : documented.Minimum.ToString(System.Globalization.CultureInfo.InvariantCulture);
                schema.Maximum = double.IsNaN(documented.Maximum) ? null : documented.Maximum.ToString(System.Globalization.CultureInfo.InvariantCulture);
                parameter.Schema = schema;
                parameter.Description ??= documented.Description;
            }
            else if (parameter.Schema is null || (parameter.Schema is OpenApiSchema { Type: null } untyped && untyped.Properties is not { Count: > 0 }))
            {
                parameter.Schema = new OpenApiSchema { Type = JsonSchemaType.String };
            }
        }
    }

    private static OpenApiHeader Header(string description, JsonSchemaType type = JsonSchemaType.String) =>
        new() { Description = description, Schema = new OpenApiSchema { Type = type } };

    /// <summary>The problem details every error carries (Problems.Build): RFC 9457 members plus ours.</summary>
    private static void DescribeProblem(OpenApiSchema schema)
    {
        static OpenApiSchema Text(string description) => new() { Type = JsonSchemaType.String, Description = description };
        schema.Description = "An RFC 9457 problem detail, extended with a stable code, both languages' messages and a trace id.";
        schema.Properties ??= new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal);
        schema.Properties["type"] = Text("`urn:cityservice:problem:<code>`.");
        schema.Properties["title"] = Text("The status in the caller's language.");
        schema.Properties["status"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Description = "The HTTP status." };
        schema.Properties["detail"] = Text("What went wrong, in the caller's language (Accept-Language; Chinese by default).");
        schema.Properties["instance"] = Text("The request path.");
        schema.Properties["code"] = Text("A stable, machine-readable error code, e.g. `region.unknown`, `auth.required`, `text.too-long`.");
        schema.Properties["messages"] = new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Description = "The message in both languages.",
            Properties = new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal) { ["zh"] = Text("Chinese."), ["en"] = Text("English.") },
            Required = new HashSet<string>(StringComparer.Ordinal) { "zh", "en" },
        };
        schema.Properties["parameter"] = Text("The query value, route value, field or JSON member at fault, when there is one.");
        schema.Properties["errors"] = new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Description = "The same as a validation map: the parameter's name → its messages (present with `parameter`).",
            AdditionalProperties = new OpenApiSchema { Type = JsonSchemaType.Array, Items = new OpenApiSchema { Type = JsonSchemaType.String } },
        };
        schema.Properties["traceId"] = Text("The request's reference: quote it to support (the hotline) to find the request in the logs.");
        schema.Required = new HashSet<string>(StringComparer.Ordinal) { "type", "title", "status", "detail", "code", "messages", "traceId" };
        schema.AdditionalProperties = new OpenApiSchema { Description = "Further members of some errors, e.g. `requiredLevel`." };
    }
}

/// <summary>
/// Says in the OpenAPI document what a query or route value parsed from text means, e.g.
/// <c>[DocumentAs(typeof(int), Minimum = 1)] string? page</c> or <c>[DocumentAs(typeof(ServiceField))] string? field</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Parameter)]
public sealed class DocumentAsAttribute(Type type) : Attribute
{
    public Type Type { get; } = type;

    public string? Description { get; init; }

    /// <summary>The smallest value (NaN: none).</summary>
    public double Minimum { get; init; } = double.NaN;

    /// <summary>The largest value (NaN: none).</summary>
    public double Maximum { get; init; } = double.NaN;
}

/// <summary>Endpoint metadata: answers carry an ETag and a matching If-None-Match gets 304 (<see cref="ETags"/>).</summary>
public sealed class ETagged
{
    public static readonly ETagged Instance = new();
}
