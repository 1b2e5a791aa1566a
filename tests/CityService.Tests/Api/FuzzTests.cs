using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AngleSharp.Html.Dom;
using CityService.Core.Common;
using CityService.Core.Identity;
using CityService.Core.Identity.Clients;
using CityService.Core.Storage;
using CityService.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using static CityService.Tests.Infrastructure.HtmlForms;

namespace CityService.Tests.Api;

/// <summary>
/// Walks the OpenAPI document and every page form and sends malformed variants of each request (wrong types, huge
/// sizes, odd charsets and encodings, control characters including NUL, lone surrogates, duplicate parameters, odd
/// route values) as an anonymous caller, a citizen, a department admin, a platform admin and a partner channel, so the
/// handlers behind authorization are reached too. Nothing may answer 5xx, and every 4xx under /api is a problem.
/// The variants are a fixed, bounded set plus a few drawn from a seeded <see cref="Random"/>, so a run is repeatable.
/// </summary>
public abstract class FuzzTests(AppFixture app) : IAsyncLifetime
{
    private const int Seed = 6;
    private const string Citizen = "13800000001";
    private const string VerifiedCitizen = "13800000002";
    private const string DeptAdmin = "13900000003";
    private const string Operator = "13700000001";
    private const string Secret = "fuzz-secret-for-signed-requests-0123456789";
    private static int _sequence;

    private readonly HttpClient _client = app.Client();
    private readonly ECDsa _channelKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly string _channelId = "fuzz-channel-" + Interlocked.Increment(ref _sequence).ToString(CultureInfo.InvariantCulture);
    private readonly List<string> _failures = [];
    private int _sent;

    /// <summary>Raw JSON values (already JSON text) that replace a string field.</summary>
    private static readonly string[] OddJsonStrings =
    [
        "\"\\u0000\"", "\"a\\u0000b\"", "\"\\ud800\"", "\"x\\udc00\"", "\"\\u0085\"", "\"\\u001b[31m\"", "\"\\u007f\"", "\"\\u2028\"",
        "\"" + new string('x', 100_000) + "\"", "\"" + string.Concat(Enumerable.Repeat("中", 5_000)) + "\"", "\"\"", "\"   \"",
        "123", "-1.5e400", "true", "{}", "[]", "[\"a\"]", "null",
    ];

    /// <summary>Raw (already percent-encoded) values for route segments and query values.</summary>
    private static readonly string[] OddUrlValues =
    [
        "%00", "a%00b", new string('x', 5_000), "%ED%A0%80", "%FF", "%C2%85", "%1B", "%2E%2E", "%20", "%E4%B8%AD%E6%96%87", "-1", "99999999999999999999", "%25",
    ];

    private static readonly string?[] OddContentTypes =
    [
        "application/json; charset=ebcdic", "application/json; charset=utf-16", "application/json; charset=\"\"", "application/json; charset=utf-32",
        "application/json; charset=utf-8; charset=latin1", "application/json; charset=iso-8859-1", "application/json;;;", "text/plain",
        "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/merge-patch+json", "*/*", null,
    ];

    public async Task InitializeAsync()
    {
        await using var scope = app.App.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CityDbContext>();
        var protector = scope.ServiceProvider.GetRequiredService<PersonalDataProtector>();
        db.ApiClients.Add(ApiClient.ForChannel(_channelId, "模糊测试渠道", "Fuzz channel", protector.Encrypt(Secret, "client-secret"),
            [Scopes.CitizenLink, Scopes.ProfileRead, Scopes.ServicesStart], _channelKey.ExportSubjectPublicKeyInfoPem(), app.Time.GetUtcNow()));
        await db.SaveChangesAsync();

        // Every test signs in afresh: an hour on, so no code limit of an earlier test is in the way.
        app.Time.Advance(TimeSpan.FromHours(1));
    }

    public Task DisposeAsync()
    {
        _channelKey.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Malformed_API_requests_never_get_a_5xx_and_every_4xx_under_api_is_a_problem()
    {
        var callers = await ApiCallers();
        var operations = await Operations();
        Assert.True(operations.Count >= 15, $"only {operations.Count} operations in the OpenAPI document");
        var random = new Random(Seed);
        foreach (var operation in operations)
        {
            // The callers the endpoint lets through (anonymous for an anonymous one), so the malformed input reaches its handler.
            var admitted = new List<Caller>();
            foreach (var caller in callers)
            {
                var status = await Send(caller, operation.Method, Url(operation), Utf8(operation.SampleBody()), operation.HasBody ? "application/json" : null, "baseline");
                if (status is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden))
                {
                    admitted.Add(caller);
                }
            }

            // An anonymous endpoint is the same for everyone; otherwise the first admitted caller gets every variant and the
            // others (e.g. a platform admin where a department admin is admitted too) a seeded sample of them.
            admitted = admitted.Count == 0 ? [callers[0]] : admitted[0] == callers[0] ? [callers[0]] : admitted;
            var variants = Variants(operation, random).ToList();
            foreach (var (what, url, body, contentType) in variants)
            {
                await Send(admitted[0], operation.Method, url, body, contentType, what);
            }

            foreach (var caller in admitted.Skip(1))
            {
                foreach (var (what, url, body, contentType) in variants.OrderBy(_ => random.Next()).Take(15))
                {
                    await Send(caller, operation.Method, url, body, contentType, what);
                }
            }

            // A method the address does not have.
            await Send(callers[0], "PATCH", Url(operation), Utf8("{}"), "application/json", "unknown method");
        }

        Assert.True(_failures.Count == 0, $"{_failures.Count} of {_sent} requests failed:\n" + string.Join('\n', _failures.Take(60)));
    }

    [Fact]
    public async Task Malformed_page_requests_and_form_posts_never_get_a_5xx()
    {
        var random = new Random(Seed);
        var sessions = new List<(string Name, HttpClient Browser)> { ("anonymous", app.Browser()) };
        foreach (var (name, phone) in new[] { ("citizen", VerifiedCitizen), ("dept-admin", DeptAdmin), ("platform-admin", Operator) })
        {
            var browser = app.Browser();
            await app.SignIn(browser, phone);
            sessions.Add((name, browser));
        }

        string[] pages =
        [
            "/", "/?city=330100", "/city/330100/services", "/city/330100/services/SS-0001", "/signin", "/me", "/me/verify", "/admin/staff",
            "/admin/staff?region=330100&department=PSB", "/locate", "/lang/en?returnUrl=/", "/signout",
        ];
        foreach (var (name, browser) in sessions)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var documents = new List<(string Url, IHtmlDocument Page)>();
            foreach (var url in pages)
            {
                var response = await browser.GetAsync(url);
                Check(response, name, "GET", url, "page", await response.Content.ReadAsStringAsync());
                if (response.StatusCode == HttpStatusCode.OK && response.Content.Headers.ContentType?.MediaType == "text/html")
                {
                    documents.Add((url, Parse(await response.Content.ReadAsStringAsync())));
                }
            }

            var token = documents.Select(d => d.Page.QuerySelector($"input[name={AntiforgeryField}]")?.GetAttribute("value")).FirstOrDefault(t => t is not null);

            // Each page with malformed query values, and posted to with a valid token but no or an unknown handler.
            foreach (var path in pages.Where(p => p != "/signout").Select(p => p.Split('?')[0]).Distinct())
            {
                foreach (var odd in Pick(OddUrlValues, random, 4))
                {
                    await SendPage(browser, name, HttpMethod.Get, path + "?q=" + odd + "&city=" + odd + "&page=" + odd + "&region=" + odd + "&department=" + odd + "&returnUrl=" + odd, null, "odd query");
                }

                await SendPage(browser, name, HttpMethod.Get, path + "?page=1&page=2&field=a&field=b", null, "duplicate query");
                if (token is not null)
                {
                    foreach (var handler in new[] { "", "?handler=nope", "?handler=%00", "?handler=" + new string('h', 3000) })
                    {
                        await SendPage(browser, name, HttpMethod.Post, path + handler, Form(AntiforgeryField, token), "post without a matching handler");
                    }
                }
            }

            // Every form on the pages (and on the pages their plain submission leads to), with malformed fields.
            var forms = new List<(string Page, IHtmlFormElement Form)>();
            foreach (var (url, document) in documents)
            {
                forms.AddRange(document.QuerySelectorAll("form").OfType<IHtmlFormElement>().Select(f => (url, f)));
            }

            for (var i = 0; i < forms.Count; i++)
            {
                var (pageUrl, form) = forms[i];
                var method = (form.GetAttribute("method") ?? "get").ToUpperInvariant();
                var action = form.GetAttribute("action") is { Length: > 0 } a ? a : pageUrl;
                var fields = FormFields(form);
                var key = method + " " + action + " " + string.Join(',', fields.Select(f => f.Key)); // one of the revoke forms of a staff list is enough
                if (!seen.Add(key) || (action.StartsWith("/signout", StringComparison.Ordinal) && name != "anonymous"))
                {
                    continue; // signing out is tried last, below
                }

                if (method == "GET")
                {
                    foreach (var variant in FieldVariants(fields, random))
                    {
                        await SendPage(browser, name, HttpMethod.Get, action + (action.Contains('?', StringComparison.Ordinal) ? "&" : "?") + variant, null, "GET form " + key);
                    }

                    continue;
                }

                if (string.Equals(form.GetAttribute("enctype"), "multipart/form-data", StringComparison.OrdinalIgnoreCase))
                {
                    foreach (var file in new[] { Array.Empty<byte>(), RandomBytes(random, 1024), Encoding.ASCII.GetBytes("\x89PNG\r\n\x1a\n garbage"), RandomBytes(random, 700 * 1024) })
                    {
                        await SendPage(browser, name, HttpMethod.Post, action, Multipart(fields, file, form), "multipart form " + key);
                    }

                    foreach (var (field, _) in fields.Where(f => f.Key != AntiforgeryField))
                    {
                        var changed = fields.Select(f => f.Key == field ? KeyValuePair.Create(f.Key, "a\0b\uD800") : f).ToList();
                        await SendPage(browser, name, HttpMethod.Post, action, Multipart(changed, [], form), "multipart field " + field);
                    }

                    continue;
                }

                // The plain submission first: it may lead to the next step's form (code step, photo step).
                var plain = await browser.PostAsync(action, new StringContent(Encode(fields), Encoding.UTF8, "application/x-www-form-urlencoded"));
                var plainBody = await plain.Content.ReadAsStringAsync();
                Check(plain, name, "POST", action, "form " + key, plainBody);
                if (plain.StatusCode is HttpStatusCode.OK or HttpStatusCode.BadRequest && plain.Content.Headers.ContentType?.MediaType == "text/html")
                {
                    forms.AddRange(Parse(plainBody).QuerySelectorAll("form").OfType<IHtmlFormElement>().Select(f => (action, f)));
                }

                foreach (var variant in FieldVariants(fields, random))
                {
                    await SendPage(browser, name, HttpMethod.Post, action, new StringContent(variant, Encoding.UTF8, "application/x-www-form-urlencoded"), "form " + key);
                }

                foreach (var contentType in new[] { "application/x-www-form-urlencoded; charset=ebcdic", "application/x-www-form-urlencoded; charset=utf-16", "application/json", "text/plain" })
                {
                    var content = new ByteArrayContent(Encoding.UTF8.GetBytes(Encode(fields)));
                    content.Headers.TryAddWithoutValidation("Content-Type", contentType);
                    await SendPage(browser, name, HttpMethod.Post, action, content, "form " + key + " as " + contentType);
                }

                var many = string.Join('&', Enumerable.Range(0, 1100).Select(n => "f" + n.ToString(CultureInfo.InvariantCulture) + "=1"));
                await SendPage(browser, name, HttpMethod.Post, action, new StringContent(Encode(fields) + "&" + many, Encoding.UTF8, "application/x-www-form-urlencoded"), "form " + key + " with 1100 fields");
            }

            if (token is not null)
            {
                await SendPage(browser, name, HttpMethod.Post, "/signout", Form(AntiforgeryField, token), "sign out");
            }
        }

        Assert.True(_failures.Count == 0, $"{_failures.Count} of {_sent} requests failed:\n" + string.Join('\n', _failures.Take(60)));
    }

    private sealed record Caller(string Name, Action<HttpRequestMessage, byte[]> Authorize);

    private sealed record Operation(string Method, string Template, IReadOnlyList<string> PathParameters, IReadOnlyList<string> QueryParameters, JsonObject? Body)
    {
        public bool HasBody => Body is not null;

        public string? SampleBody() => Body?.ToJsonString();
    }

    private async Task<List<Caller>> ApiCallers()
    {
        var citizen = await CodeToken(Citizen); // a fresh code, so re-authenticated operations are reached too
        var admin = await PasswordToken(DeptAdmin, "demo-admin-1");
        var platform = await PasswordToken(Operator, "demo-operator-1");
        return
        [
            new("anonymous", (_, _) => { }),
            new("citizen", (r, _) => r.Headers.Authorization = new AuthenticationHeaderValue("Bearer", citizen)),
            new("dept-admin", (r, _) => r.Headers.Authorization = new AuthenticationHeaderValue("Bearer", admin)),
            new("platform-admin", (r, _) => r.Headers.Authorization = new AuthenticationHeaderValue("Bearer", platform)),
            new("channel", (r, body) => RequestSigning.SignHttpRequest(r, SignatureHeaderNames.Platform, _channelId, RequestSigning.KeyFromSecret(Secret), body, app.Time)),
        ];
    }

    private async Task<string> CodeToken(string phone)
    {
        (await _client.PostAsJsonAsync("/api/auth/otp", new { phone })).EnsureSuccessStatusCode();
        var verified = await (await _client.PostAsJsonAsync("/api/auth/otp/verify", new { agreed = TestConsents.Agreed, phone, code = app.Sms.LastCodeFor(phone) })).Json();
        return verified.GetProperty("accessToken").GetString()!;
    }

    private async Task<string> PasswordToken(string phone, string password) =>
        (await (await _client.PostAsJsonAsync("/api/auth/password", new { agreed = TestConsents.Agreed, phone, password })).Json()).GetProperty("accessToken").GetString()!;

    /// <summary>Every operation of the OpenAPI document with its path and query parameters and a sample JSON body built from its schema.</summary>
    private async Task<List<Operation>> Operations()
    {
        var doc = JsonNode.Parse(await (await _client.GetAsync("/openapi/v1.json")).Content.ReadAsStringAsync())!;
        var schemas = doc["components"]?["schemas"]?.AsObject();
        var operations = new List<Operation>();
        foreach (var (template, item) in doc["paths"]!.AsObject())
        {
            foreach (var (method, op) in item!.AsObject())
            {
                if (method is not ("get" or "post" or "put" or "delete" or "patch"))
                {
                    continue;
                }

                var parameters = (op!["parameters"]?.AsArray() ?? []).Select(p => (Name: (string)p!["name"]!, In: (string)p["in"]!)).ToList();
                var schema = op["requestBody"]?["content"]?["application/json"]?["schema"];
                var body = schema is null ? null : Sample(schema, schemas, "") as JsonObject ?? new JsonObject();
                operations.Add(new Operation(method.ToUpperInvariant(), template, parameters.Where(p => p.In == "path").Select(p => p.Name).ToList(),
                    parameters.Where(p => p.In == "query").Select(p => p.Name).ToList(), body));
            }
        }

        return operations;
    }

    private JsonNode? Sample(JsonNode schema, JsonObject? schemas, string name)
    {
        if (schema["$ref"] is { } reference)
        {
            return Sample(schemas![((string)reference!).Split('/')[^1]]!, schemas, name);
        }

        var types = schema["type"] switch
        {
            JsonArray many => many.Select(t => (string)t!).ToList(),
            JsonValue one => [(string)one!],
            _ => ["object"],
        };
        if (types.Contains("object") && schema["properties"] is JsonObject properties)
        {
            var sample = new JsonObject();
            foreach (var (property, propertySchema) in properties)
            {
                sample[property] = Sample(propertySchema!, schemas, property);
            }

            return sample;
        }

        if (types.Contains("array"))
        {
            return new JsonArray(Sample(schema["items"] ?? new JsonObject { ["type"] = "string" }, schemas, name));
        }

        if (types.Contains("integer") || types.Contains("number"))
        {
            return 1;
        }

        if (types.Contains("boolean"))
        {
            return true;
        }

        return name switch
        {
            "phone" => "13800000009",
            "code" => "123456",
            "password" => "fuzz-pass-1",
            "name" => "张三",
            "idNumber" => "11010519491231002X",
            "id" => "fuzz-client",
            "kind" => "department-system",
            "regionCode" => "330100",
            "departmentCode" => "PSB",
            "role" => "clerk",
            "scopes" => "bills:write",
            "assertionPublicKey" => _channelKey.ExportSubjectPublicKeyInfoPem(),
            "assertion" => Assertion("fuzz-user", Citizen),
            "image" => Convert.ToBase64String(Encoding.ASCII.GetBytes("\x89PNG\r\n\x1a\n")),
            _ => "x",
        };
    }

    private string Assertion(string channelUser, string phone)
    {
        var now = app.Time.GetUtcNow().UtcDateTime;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = _channelId,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + TimeSpan.FromMinutes(5),
            Claims = new Dictionary<string, object> { ["sub"] = channelUser, ["phone"] = phone },
            SigningCredentials = new SigningCredentials(new ECDsaSecurityKey(_channelKey), SecurityAlgorithms.EcdsaSha256),
        });
    }

    private static string Url(Operation operation, string? odd = null, string? oddParameter = null, string? query = null)
    {
        var url = operation.Template;
        foreach (var parameter in operation.PathParameters)
        {
            var value = parameter == oddParameter ? odd! : parameter switch
            {
                "code" => "330100",
                "department" => "PSB",
                "accountId" => "0193a6d2-0000-7000-8000-000000000001",
                "role" => "clerk",
                "serviceCode" => "SS-0001",
                _ => "x",
            };
            url = url.Replace("{" + parameter + "}", value, StringComparison.Ordinal);
        }

        return query is null ? url : url + "?" + query;
    }

    private IEnumerable<(string What, string Url, byte[]? Body, string? ContentType)> Variants(Operation operation, Random random)
    {
        var url = Url(operation);
        foreach (var parameter in operation.PathParameters)
        {
            // Kestrel refuses a NUL in the path itself (400) before the application sees it, and TestServer cannot send one.
            foreach (var odd in OddUrlValues.Where(v => !v.Contains("%00", StringComparison.Ordinal)).Append("a%01b"))
            {
                yield return ("route " + parameter + "=" + Shorten(odd), Url(operation, odd, parameter), Utf8(operation.SampleBody()), operation.HasBody ? "application/json" : null);
            }
        }

        foreach (var parameter in operation.QueryParameters.DefaultIfEmpty("unknown"))
        {
            // An undeclared parameter is only read by the input checks: a sample of the values is enough there.
            var values = OddUrlValues.Concat([RandomUrlValue(random)]).ToList();
            foreach (var odd in parameter == "unknown" && operation.QueryParameters.Count == 0 ? Pick([.. values], random, 3) : values)
            {
                yield return ("query " + parameter + "=" + Shorten(odd), Url(operation, query: parameter + "=" + odd), Utf8(operation.SampleBody()), operation.HasBody ? "application/json" : null);
            }

            yield return ("duplicate query " + parameter, Url(operation, query: parameter + "=1&" + parameter + "=2&" + parameter + "="), Utf8(operation.SampleBody()), operation.HasBody ? "application/json" : null);
        }

        if (operation.Body is not { } body)
        {
            yield break;
        }

        foreach (var contentType in OddContentTypes)
        {
            yield return ("content type " + contentType, url, Utf8(operation.SampleBody()), contentType);
        }

        yield return ("UTF-16 body", url, Encoding.Unicode.GetBytes(operation.SampleBody()!), "application/json; charset=utf-16");
        yield return ("BOM", url, [.. Encoding.UTF8.GetPreamble(), .. Utf8(operation.SampleBody())!], "application/json");
        yield return ("invalid UTF-8", url, [(byte)'{', (byte)'"', 0xFF, 0xFE, 0xC0, 0x80, (byte)'"', (byte)':', (byte)'1', (byte)'}'], "application/json");
        yield return ("invalid UTF-8 in a value", url, [.. Utf8("{\"" + (body.FirstOrDefault().Key ?? "x") + "\":\"")!, 0xED, 0xA0, 0x80, .. Utf8("\"}")!], "application/json");
        foreach (var raw in new[] { "", "null", "[]", "\"s\"", "1", "{", "{}", "{}}", "{\"a\":", "[[[[[[[[[[", new string('[', 5_000) + new string(']', 5_000), "{\"x\":\"" + new string('y', 2_000_000) + "\"}" })
        {
            yield return ("body " + Shorten(raw), url, Utf8(raw), "application/json");
        }

        foreach (var (property, value) in body)
        {
            var isStringList = value is JsonArray;
            foreach (var odd in OddJsonStrings.Concat([JsonText(RandomText(random)), JsonText(RandomText(random))]))
            {
                yield return ($"{property}={Shorten(odd)}", url, Utf8(Replace(body, property, odd)), "application/json");
                if (isStringList)
                {
                    yield return ($"{property}=[{Shorten(odd)}]", url, Utf8(Replace(body, property, "[" + odd + "]")), "application/json");
                }
            }

            if (isStringList)
            {
                yield return ($"{property}=[10000 items]", url, Utf8(Replace(body, property, "[" + string.Join(',', Enumerable.Repeat("\"x\"", 10_000)) + "]")), "application/json");
            }

            var json = body.ToJsonString();
            yield return ($"duplicate {property}", url, Utf8("{" + JsonSerializer.Serialize(property) + ":\"\\u0000\"," + json[1..]), "application/json");
        }

        yield return ("unknown property with NUL", url, Utf8("{\"unknown\\u0000\":\"\\u0000\"," + body.ToJsonString()[1..]), "application/json");
        if (operation.Template == "/api/channels/link")
        {
            foreach (var sub in new[] { "\0", "a\0b", "\u0085", new string('s', 5_000), "\t" })
            {
                yield return ("assertion sub " + Shorten(sub), url, Utf8(JsonSerializer.Serialize(new { assertion = Assertion(sub, Citizen) })), "application/json");
            }

            yield return ("assertion phone with NUL", url, Utf8(JsonSerializer.Serialize(new { assertion = Assertion("fuzz-user-2", Citizen + "\0") })), "application/json");
        }
    }

    private static string Replace(JsonObject body, string property, string rawJson)
    {
        const string Marker = "\"@@fuzz@@\"";
        var copy = body.DeepClone().AsObject();
        copy[property] = "@@fuzz@@";
        return copy.ToJsonString().Replace(Marker, rawJson, StringComparison.Ordinal);
    }

    private async Task<HttpStatusCode> Send(Caller caller, string method, string url, byte[]? body, string? contentType, string what)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(_client.BaseAddress!, url));
        if (body is not null)
        {
            // A new client id each time, so a client registration reaches its checks instead of "id taken".
            body = body.AsSpan().IndexOf("\"fuzz-client\""u8) < 0 ? body
                : Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(body).Replace("\"fuzz-client\"", $"\"fuzz-client-{_sent}\"", StringComparison.Ordinal));
            request.Content = new ByteArrayContent(body);
            if (contentType is not null)
            {
                request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
            }
        }

        caller.Authorize(request, body ?? []);
        using var response = await _client.SendAsync(request);
        Check(response, caller.Name, method, url, what, await response.Content.ReadAsStringAsync());
        return response.StatusCode;
    }

    private async Task SendPage(HttpClient browser, string session, HttpMethod method, string url, HttpContent? content, string what)
    {
        using var request = new HttpRequestMessage(method, url) { Content = content };
        using var response = await browser.SendAsync(request);
        Check(response, session, method.Method, url, what, await response.Content.ReadAsStringAsync());
    }

    private void Check(HttpResponseMessage response, string caller, string method, string url, string what, string body)
    {
        _sent++;
        var status = (int)response.StatusCode;
        var problem = response.Content.Headers.ContentType?.MediaType == "application/problem+json";
        var api = url.StartsWith("/api", StringComparison.OrdinalIgnoreCase);
        if (status >= 500 || (api && status is >= 400 and < 500 && !problem))
        {
            _failures.Add($"{caller} {method} {Shorten(url)} [{what}] → {status} {response.Content.Headers.ContentType} {Shorten(body)}");
        }
    }

    private static List<KeyValuePair<string, string>> FormFields(IHtmlFormElement form) =>
        form.QuerySelectorAll("input[name]").OfType<IHtmlInputElement>().Where(i => i.Type is not ("file" or "submit"))
            .Select(i => KeyValuePair.Create(i.Name!, i.Value))
            .Concat(form.QuerySelectorAll("select[name]").OfType<IHtmlSelectElement>().Select(s => KeyValuePair.Create(s.Name!, s.Value ?? string.Empty)))
            .ToList();

    /// <summary>URL-encoded bodies (or queries) in which one field at a time is malformed; the antiforgery token stays valid.</summary>
    private static IEnumerable<string> FieldVariants(List<KeyValuePair<string, string>> fields, Random random)
    {
        foreach (var (field, _) in fields.Where(f => f.Key != AntiforgeryField))
        {
            foreach (var odd in OddUrlValues.Concat(["%ED%A0%80%00" + RandomUrlValue(random), new string('x', 100_000)]))
            {
                yield return string.Join('&', fields.Select(f => Uri.EscapeDataString(f.Key) + "=" + (f.Key == field ? odd : Uri.EscapeDataString(f.Value))));
            }

            yield return Encode(fields) + "&" + Uri.EscapeDataString(field) + "=%00&" + Uri.EscapeDataString(field) + "=2"; // duplicate
            yield return string.Join('&', fields.Where(f => f.Key != field).Select(f => Uri.EscapeDataString(f.Key) + "=" + Uri.EscapeDataString(f.Value))); // missing
        }

        yield return Encode(fields) + "&%00=%00&" + new string('k', 3_000) + "=1";
    }

    private static MultipartFormDataContent Multipart(List<KeyValuePair<string, string>> fields, byte[] file, IHtmlFormElement form)
    {
        var multipart = new MultipartFormDataContent();
        foreach (var (name, value) in fields)
        {
            multipart.Add(new ByteArrayContent(Encoding.UTF8.GetBytes(value)), name);
        }

        var bytes = new ByteArrayContent(file);
        bytes.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        multipart.Add(bytes, form.QuerySelector("input[type=file]")?.GetAttribute("name") ?? "file", "photo.png");
        return multipart;
    }

    private static StringContent Form(string name, string value) =>
        new(Uri.EscapeDataString(name) + "=" + Uri.EscapeDataString(value), Encoding.UTF8, "application/x-www-form-urlencoded");

    private static string Encode(IEnumerable<KeyValuePair<string, string>> fields) =>
        string.Join('&', fields.Select(f => Uri.EscapeDataString(f.Key) + "=" + Uri.EscapeDataString(f.Value)));

    private static IEnumerable<string> Pick(string[] values, Random random, int count) => values.OrderBy(_ => random.Next()).Take(count);

    /// <summary>Random text from a pool of awkward characters: controls, surrogate halves, combining marks, bidi overrides, CJK, emoji.</summary>
    private static string RandomText(Random random)
    {
        char[] pool = ['\0', '\u0001', '\u001f', '\u007f', '\u0085', '\u009f', '\uD800', '\uDFFF', '\u0301', '\u202E', '\uFEFF', '\uFFFF', '中', 'a', '"', '\\', '<', '\'', ' ', '\n'];
        return new string(Enumerable.Range(0, random.Next(1, 30)).Select(_ => pool[random.Next(pool.Length)]).ToArray());
    }

    /// <summary>A JSON string literal that keeps lone surrogates and controls as \u escapes (a serializer would refuse them).</summary>
    private static string JsonText(string text) =>
        "\"" + string.Concat(text.Select(c => c is >= ' ' and <= '~' and not ('"' or '\\') ? c.ToString() : "\\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture))) + "\"";

    private static string RandomUrlValue(Random random) =>
        string.Concat(Enumerable.Range(0, random.Next(1, 12)).Select(_ => "%" + random.Next(256).ToString("X2", CultureInfo.InvariantCulture)));

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private static byte[]? Utf8(string? text) => text is null ? null : Encoding.UTF8.GetBytes(text);

    private static string Shorten(string text) => text.Length <= 60 ? text : text[..60] + $"…({text.Length})";
}

public sealed class FuzzTests_Sqlite(SqliteApp app) : FuzzTests(app), IClassFixture<SqliteApp>;

public sealed class FuzzTests_Postgres(PostgresApp app) : FuzzTests(app), IClassFixture<PostgresApp>;
