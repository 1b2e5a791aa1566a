using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CityService.Core.Common;
using CityService.Core.Identity;
using CityService.Core.Identity.Clients;
using CityService.Core.Identity.SignIn;
using CityService.Core.Storage;
using CityService.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using static CityService.Tests.Infrastructure.HtmlForms;

namespace CityService.Tests.Api;

/// <summary>The input findings of issue 6, one by one: each was a 500 (or stored garbage) before.</summary>
public abstract class InputTests(AppFixture app) : IAsyncLifetime
{
    private const string Secret = "input-secret-for-signed-requests-0123456789";
    private static int _sequence;
    private readonly HttpClient _client = app.Client("en");
    private readonly ECDsa _channelKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly string _suffix = Interlocked.Increment(ref _sequence).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private string ChannelId => "input-channel-" + _suffix;

    private string DepartmentId => "input-department-" + _suffix;

    public async Task InitializeAsync()
    {
        await using var scope = app.App.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CityDbContext>();
        var protector = scope.ServiceProvider.GetRequiredService<PersonalDataProtector>();
        db.ApiClients.Add(ApiClient.ForChannel(ChannelId, "输入测试渠道", "Input channel", protector.Encrypt(Secret, "client-secret"),
            [Scopes.CitizenLink, Scopes.ProfileRead], _channelKey.ExportSubjectPublicKeyInfoPem(), app.Time.GetUtcNow()));
        db.ApiClients.Add(ApiClient.ForDepartment(DepartmentId, "输入测试部门系统", "Input department system", protector.Encrypt(Secret, "client-secret"),
            [Scopes.BillsWrite], "330100", "PSB", app.Time.GetUtcNow()));
        await db.SaveChangesAsync();
        app.Time.Advance(TimeSpan.FromHours(1)); // no code limit of an earlier test in the way
    }

    public Task DisposeAsync()
    {
        _channelKey.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task A_JSON_body_with_an_unknown_charset_is_a_415_problem_on_every_JSON_endpoint()
    {
        var doc = JsonNode.Parse(await (await _client.GetAsync("/openapi/v1.json")).Content.ReadAsStringAsync())!;
        var bodied = doc["paths"]!.AsObject()
            .SelectMany(p => p.Value!.AsObject().Where(o => o.Value?["requestBody"] is not null).Select(o => (Method: o.Key.ToUpperInvariant(), Path: p.Key)))
            .ToList();
        Assert.True(bodied.Count >= 10, $"only {bodied.Count} JSON endpoints");
        var callers = await Callers();
        foreach (var (method, template) in bodied)
        {
            var path = template.Replace("{code}", "330100", StringComparison.Ordinal).Replace("{department}", "PSB", StringComparison.Ordinal);
            HttpResponseMessage? answer = null;
            foreach (var authorize in callers)
            {
                answer = await Send(method, path, "{}", "application/json; charset=ebcdic", authorize);
                if (answer.StatusCode is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden))
                {
                    break;
                }
            }

            await answer!.AssertProblem(HttpStatusCode.UnsupportedMediaType, code: "http.unsupported-charset");
        }

        // UTF-8, said or not, is what JSON is.
        foreach (var contentType in new[] { "application/json; charset=utf-8", "application/json; charset=UTF-8", "application/json" })
        {
            app.Time.Advance(OtpService.PhoneInterval);
            Assert.Equal(HttpStatusCode.Accepted, (await Send("POST", "/api/auth/otp", "{\"phone\":\"13800000001\"}", contentType, callers[0])).StatusCode);
        }
    }

    [Theory]
    [InlineData("\\u0000")]
    [InlineData("a\\u0000b")]
    [InlineData("\\ud800")]
    [InlineData("\\u0085")]
    [InlineData("line\\nbreak")]
    public async Task A_control_character_or_lone_surrogate_in_any_JSON_string_is_a_400_naming_the_field(string raw)
    {
        // The JSON reader itself refuses a lone surrogate escape; the converter refuses the rest. Either way: 400 at the field.
        var code = raw == "\\ud800" ? "request.json-invalid" : "text.invalid-character";
        var platform = await PasswordToken("13700000001", "demo-operator-1");
        var client = "{\"id\":\"nul-" + _suffix + "\",\"kind\":\"department-system\",\"nameZh\":\"" + raw + "\",\"nameEn\":\"n\",\"scopes\":[],\"regionCode\":\"330100\",\"departmentCode\":\"PSB\"}";
        var answer = await (await Send("POST", "/api/admin/clients", client, "application/json", Bearer(platform))).AssertProblem(HttpStatusCode.BadRequest, "nameZh", code);
        Assert.Contains("nameZh", answer.GetProperty("detail").GetString(), StringComparison.Ordinal);

        var department = "{\"id\":\"nul-" + _suffix + "\",\"kind\":\"department-system\",\"nameZh\":\"名\",\"nameEn\":\"n\",\"scopes\":[],\"regionCode\":\"330100\",\"departmentCode\":\"PS" + raw + "\"}";
        await (await Send("POST", "/api/admin/clients", department, "application/json", Bearer(platform))).AssertProblem(HttpStatusCode.BadRequest, "departmentCode", code);

        var scopes = "{\"id\":\"nul-" + _suffix + "\",\"kind\":\"department-system\",\"nameZh\":\"名\",\"nameEn\":\"n\",\"scopes\":[\"" + raw + "\"],\"regionCode\":\"330100\",\"departmentCode\":\"PSB\"}";
        await (await Send("POST", "/api/admin/clients", scopes, "application/json", Bearer(platform))).AssertProblem(HttpStatusCode.BadRequest, "scopes[0]", code);

        var citizen = await CodeToken("13800000002");
        await (await Send("POST", "/api/me/verification/face", "{\"nonce\":\"" + raw + "\",\"image\":\"iVBORw0KGgo=\"}", "application/json", Bearer(citizen)))
            .AssertProblem(HttpStatusCode.BadRequest, "nonce", code);
        await (await Send("POST", "/api/auth/otp", "{\"phone\":\"138" + raw + "00000001\"}", "application/json", _ => { }))
            .AssertProblem(HttpStatusCode.BadRequest, "phone", code);
    }

    [Fact]
    public async Task A_value_of_the_wrong_JSON_type_is_a_400_naming_the_field()
    {
        await (await Send("POST", "/api/auth/otp", "{\"phone\":13800000001}", "application/json", _ => { }))
            .AssertProblem(HttpStatusCode.BadRequest, "phone", "request.json-invalid");
        await (await Send("POST", "/api/auth/otp", "{\"phone\":", "application/json", _ => { })).AssertProblem(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Every_text_input_has_a_maximum_length()
    {
        var platform = await PasswordToken("13700000001", "demo-operator-1");
        string Client(string nameZh) => JsonSerializer.Serialize(new { id = "long-" + _suffix, kind = "department-system", nameZh, nameEn = "n", scopes = Array.Empty<string>(), regionCode = "330100", departmentCode = "PSB" });

        // The natural limit of a client name, and the cap every string has (the 100 KB name that was stored).
        await (await Send("POST", "/api/admin/clients", Client(new string('名', ApiClient.MaxNameLength + 1)), "application/json", Bearer(platform)))
            .AssertProblem(HttpStatusCode.BadRequest, "nameZh", "text.too-long");
        await (await Send("POST", "/api/admin/clients", Client(new string('x', 100 * 1024)), "application/json", Bearer(platform)))
            .AssertProblem(HttpStatusCode.BadRequest, "nameZh", "text.too-long");
        await (await Send("POST", "/api/auth/otp", JsonSerializer.Serialize(new { phone = new string('1', TextInput.DefaultMaxLength + 1) }), "application/json", _ => { }))
            .AssertProblem(HttpStatusCode.BadRequest, "phone", "text.too-long");
        Assert.Equal(HttpStatusCode.Created, (await Send("POST", "/api/admin/clients", Client(new string('名', ApiClient.MaxNameLength)), "application/json", Bearer(platform))).StatusCode);

        // A body over the API's limit is refused before it is read.
        await (await Send("POST", "/api/auth/otp", "{\"phone\":\"" + new string(' ', (int)Web.Infrastructure.RequestInput.MaxApiBodyBytes) + "\"}", "application/json", _ => { }))
            .AssertProblem(HttpStatusCode.RequestEntityTooLarge, code: "http.body-too-large");

        // Query values too.
        await (await _client.GetAsync("/api/regions/330100/services?q=" + new string('x', TextInput.DefaultMaxLength + 1))).AssertProblem(HttpStatusCode.BadRequest, "q", "text.too-long");
    }

    [Fact]
    public async Task A_control_character_in_a_route_or_query_value_is_a_400_naming_it()
    {
        var admin = await PasswordToken("13900000003", "demo-admin-1");
        await (await Send("GET", "/api/regions/330100/departments/PS%01B/staff", null, null, Bearer(admin))).AssertProblem(HttpStatusCode.BadRequest, "department", "text.invalid-character");
        await (await _client.GetAsync("/api/regions/330100/services?q=%00")).AssertProblem(HttpStatusCode.BadRequest, "q", "text.invalid-character");
        await (await _client.GetAsync("/api/regions/33%1B0100")).AssertProblem(HttpStatusCode.BadRequest, "code", "text.invalid-character");

        // Pages: the 400 page.
        var page = await _client.GetAsync("/city/330100/services?q=%00");
        await Html(page, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task A_channel_assertion_whose_sub_holds_a_control_character_is_a_400()
    {
        foreach (var sub in new[] { "user\0one", "\u0085", new string('s', ChannelLinking.MaxChannelUserLength + 1) })
        {
            var body = JsonSerializer.Serialize(new { assertion = Assertion(sub, "13800000001") });
            await (await Send("POST", "/api/channels/link", body, "application/json", Signed)).AssertProblem(HttpStatusCode.BadRequest, "assertion", "channel.assertion-invalid");
        }
    }

    [Fact]
    public async Task A_page_form_field_with_a_control_character_is_the_400_page()
    {
        var browser = app.Browser();
        var start = await Page(browser, "/signin");
        await Html(await Submit(browser, start, "#phone-form", new() { ["phone"] = "1380000\u00000001", ["agree"] = "true" }), HttpStatusCode.BadRequest);
        await Html(await Submit(browser, start, "#phone-form", new() { ["phone"] = new string('1', TextInput.DefaultMaxLength + 1), ["agree"] = "true" }), HttpStatusCode.BadRequest);
    }

    [Theory]
    [InlineData("/me", "13800000001", HttpStatusCode.NotFound, HttpStatusCode.NotFound)] // has a POST handler: withdrawing a consent
    [InlineData("/me/verify", "13800000001", HttpStatusCode.NotFound, HttpStatusCode.NotFound)]
    [InlineData("/admin/staff", "13900000003", HttpStatusCode.NotFound, HttpStatusCode.NotFound)]
    [InlineData("/city/330100/services", null, HttpStatusCode.MethodNotAllowed, HttpStatusCode.MethodNotAllowed)]
    [InlineData("/city/330100/services/SS-0001", null, HttpStatusCode.MethodNotAllowed, HttpStatusCode.MethodNotAllowed)]
    public async Task A_page_post_with_a_valid_token_but_no_or_an_unknown_handler_is_404_or_405(string page, string? phone, HttpStatusCode noHandler, HttpStatusCode unknownHandler)
    {
        var browser = app.Browser();
        if (phone is not null)
        {
            await app.SignIn(browser, phone);
        }

        // A valid token for this session: from the sign-out form (signed in) or the sign-in form (visitor).
        var source = await Page(browser, phone is null ? "/signin" : "/signout");
        var token = source.QuerySelector($"input[name={AntiforgeryField}]")!.GetAttribute("value")!;
        foreach (var (suffix, expected) in new[] { (string.Empty, noHandler), ("?handler=nope", unknownHandler) })
        {
            var answer = await browser.PostAsync(page + suffix, new FormUrlEncodedContent([KeyValuePair.Create(AntiforgeryField, token)]));
            var html = await Html(answer, expected);
            Assert.NotNull(html.QuerySelector("main h1"));
            if (expected == HttpStatusCode.MethodNotAllowed)
            {
                Assert.Contains("GET", answer.Content.Headers.Allow);
            }
        }
    }

    private async Task<List<Action<HttpRequestMessage>>> Callers() =>
    [
        _ => { },
        Bearer(await CodeToken("13800000001")),
        Bearer(await PasswordToken("13900000003", "demo-admin-1")),
        Bearer(await PasswordToken("13700000001", "demo-operator-1")),
        Signed,
        SignedByDepartment,
    ];

    private static Action<HttpRequestMessage> Bearer(string token) => r => r.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);

    private void Signed(HttpRequestMessage request) => SignAs(request, ChannelId);

    private void SignedByDepartment(HttpRequestMessage request) => SignAs(request, DepartmentId);

    private void SignAs(HttpRequestMessage request, string clientId)
    {
        var body = request.Content?.ReadAsByteArrayAsync().GetAwaiter().GetResult() ?? [];
        RequestSigning.SignHttpRequest(request, SignatureHeaderNames.Platform, clientId, RequestSigning.KeyFromSecret(Secret), body, app.Time);
    }

    private async Task<HttpResponseMessage> Send(string method, string path, string? json, string? contentType, Action<HttpRequestMessage> authorize)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), new Uri(_client.BaseAddress!, path));
        if (json is not null)
        {
            request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(json));
            request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }

        authorize(request);
        return await _client.SendAsync(request);
    }

    private async Task<string> CodeToken(string phone)
    {
        app.Time.Advance(OtpService.PhoneInterval);
        (await _client.PostAsJsonAsync("/api/auth/otp", new { phone })).EnsureSuccessStatusCode();
        var verified = await (await _client.PostAsJsonAsync("/api/auth/otp/verify", new { agreed = TestConsents.Agreed, phone, code = app.Sms.LastCodeFor(phone) })).Json();
        return verified.GetProperty("accessToken").GetString()!;
    }

    private async Task<string> PasswordToken(string phone, string password) =>
        (await (await _client.PostAsJsonAsync("/api/auth/password", new { agreed = TestConsents.Agreed, phone, password })).Json()).GetProperty("accessToken").GetString()!;

    private string Assertion(string channelUser, string phone)
    {
        var now = app.Time.GetUtcNow().UtcDateTime;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = ChannelId,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + TimeSpan.FromMinutes(5),
            Claims = new Dictionary<string, object> { ["sub"] = channelUser, ["phone"] = phone },
            SigningCredentials = new SigningCredentials(new ECDsaSecurityKey(_channelKey), SecurityAlgorithms.EcdsaSha256),
        });
    }
}

public sealed class InputTests_Sqlite(SqliteApp app) : InputTests(app), IClassFixture<SqliteApp>;

public sealed class InputTests_Postgres(PostgresApp app) : InputTests(app), IClassFixture<PostgresApp>;
