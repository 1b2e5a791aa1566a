using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CityService.Core.Common;
using CityService.Core.Identity;
using CityService.Core.Storage;
using CityService.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace CityService.Tests.Identity;

/// <summary>Department systems and partner channels: signed requests, replay protection, and channel user linking.</summary>
public abstract class ApiClientTests(AppFixture app) : IAsyncLifetime
{
    private static int _sequence;
    private readonly HttpClient _client = app.Client();
    private readonly string _suffix = Interlocked.Increment(ref _sequence).ToString(System.Globalization.CultureInfo.InvariantCulture);
    private readonly ECDsa _channelKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    private string DepartmentId => "hz-psb-" + _suffix;

    private string ChannelId => "wallet-" + _suffix;

    private const string Secret = "test-secret-for-signed-requests-0123456789";

    public async Task InitializeAsync()
    {
        await using var scope = app.App.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CityDbContext>();
        var protector = scope.ServiceProvider.GetRequiredService<PersonalDataProtector>();
        var now = app.Time.GetUtcNow();
        db.ApiClients.Add(ApiClient.ForDepartment(DepartmentId, "杭州市公安局系统", "Hangzhou PSB system", protector.Encrypt(Secret, "client-secret"),
            ["bills:write"], "330100", "PSB", now));
        db.ApiClients.Add(ApiClient.ForChannel(ChannelId, "某钱包", "A wallet", protector.Encrypt(Secret, "client-secret"),
            [Scopes.CitizenLink, Scopes.ProfileRead], _channelKey.ExportSubjectPublicKeyInfoPem(), now));
        await db.SaveChangesAsync();
    }

    public Task DisposeAsync()
    {
        _channelKey.Dispose();
        return Task.CompletedTask;
    }

    private HttpRequestMessage Signed(HttpMethod method, string path, string clientId, string? json = null, TimeProvider? clock = null, string secret = Secret)
    {
        var request = new HttpRequestMessage(method, new Uri(_client.BaseAddress!, path));
        var body = json is null ? [] : Encoding.UTF8.GetBytes(json);
        if (json is not null)
        {
            request.Content = new ByteArrayContent(body) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } };
        }

        RequestSigning.SignHttpRequest(request, SignatureHeaderNames.Platform, clientId, RequestSigning.KeyFromSecret(secret), body, clock ?? app.Time);
        return request;
    }

    private string Assertion(string channelUser, string phone, TimeSpan? lifetime = null, ECDsa? key = null, string? issuer = null)
    {
        var now = app.Time.GetUtcNow().UtcDateTime;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer ?? ChannelId,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + (lifetime ?? TimeSpan.FromMinutes(5)),
            Claims = new Dictionary<string, object> { ["sub"] = channelUser, ["phone"] = phone },
            SigningCredentials = new SigningCredentials(new ECDsaSecurityKey(key ?? _channelKey), SecurityAlgorithms.EcdsaSha256),
        });
    }

    private async Task<string> LinkedToken(string channelUser, string phone)
    {
        var linked = await (await _client.SendAsync(Signed(HttpMethod.Post, "/api/channels/link", ChannelId,
            JsonSerializer.Serialize(new { assertion = Assertion(channelUser, phone) })))).Json();
        return linked.GetProperty("accessToken").GetString()!;
    }

    private static string Phone(string suffix) => "135" + suffix.PadLeft(8, '0');

    [Fact]
    public async Task A_signed_request_identifies_the_client_and_its_scopes()
    {
        var me = await (await _client.SendAsync(Signed(HttpMethod.Get, "/api/clients/me?x=1", DepartmentId))).Json();
        Assert.Equal(DepartmentId, me.GetProperty("clientId").GetString());
        Assert.Equal("department-system", me.GetProperty("kind").GetString());
        Assert.Equal("bills:write", me.GetProperty("scopes")[0].GetString());
        Assert.Equal("330100", me.GetProperty("regionCode").GetString());
    }

    [Fact]
    public async Task A_replayed_request_is_a_401()
    {
        var original = Signed(HttpMethod.Get, "/api/clients/me", DepartmentId);
        var replay = new HttpRequestMessage(HttpMethod.Get, original.RequestUri);
        foreach (var header in original.Headers)
        {
            replay.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        Assert.Equal(HttpStatusCode.OK, (await _client.SendAsync(original)).StatusCode);
        await (await _client.SendAsync(replay)).AssertProblem(HttpStatusCode.Unauthorized, code: "auth.nonce-reused");
    }

    [Theory]
    [InlineData(6)]
    [InlineData(-6)]
    public async Task A_timestamp_more_than_five_minutes_off_is_a_401(int minutes)
    {
        var skewed = new ManualTime();
        skewed.Advance(app.Time.GetUtcNow() - skewed.GetUtcNow() + TimeSpan.FromMinutes(minutes));
        await (await _client.SendAsync(Signed(HttpMethod.Get, "/api/clients/me", DepartmentId, clock: skewed)))
            .AssertProblem(HttpStatusCode.Unauthorized, code: "auth.timestamp-out-of-range");
    }

    [Fact]
    public async Task A_wrong_secret_unknown_client_or_missing_header_is_a_401_naming_the_problem()
    {
        await (await _client.SendAsync(Signed(HttpMethod.Get, "/api/clients/me", DepartmentId, secret: "wrong")))
            .AssertProblem(HttpStatusCode.Unauthorized, code: "auth.signature-invalid");
        await (await _client.SendAsync(Signed(HttpMethod.Get, "/api/clients/me", "nobody")))
            .AssertProblem(HttpStatusCode.Unauthorized, code: "auth.client-unknown");
        var partial = Signed(HttpMethod.Get, "/api/clients/me", DepartmentId);
        partial.Headers.Remove("X-CS-Nonce");
        await (await _client.SendAsync(partial)).AssertProblem(HttpStatusCode.Unauthorized, code: "auth.signature-headers");
        await (await _client.GetAsync("/api/clients/me")).AssertProblem(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_body_changed_after_signing_is_a_401()
    {
        var request = Signed(HttpMethod.Post, "/api/channels/link", ChannelId, "{\"assertion\":\"a\"}");
        request.Content = new StringContent("{\"assertion\":\"b\"}", Encoding.UTF8, "application/json");
        await (await _client.SendAsync(request)).AssertProblem(HttpStatusCode.Unauthorized, code: "auth.signature-invalid");
    }

    [Fact]
    public async Task A_channel_links_its_user_and_gets_a_token_for_that_citizen_within_its_scopes()
    {
        var phone = Phone(_suffix + "1");
        var token = await LinkedToken("user-" + _suffix, phone);
        var citizen = app.Client();
        citizen.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

        var me = await (await citizen.GetAsync("/api/me")).Json(); // profile:read is granted
        Assert.Equal("L1", me.GetProperty("assuranceLevel").GetString());
        Assert.Equal(phone[..3] + "****" + phone[^4..], me.GetProperty("phoneMasked").GetString());

        // Outside the channel's scopes: no services:start, and identity verification is never delegated.
        await (await citizen.GetAsync("/api/regions/330100/services/TR-0001/eligibility")).AssertProblem(HttpStatusCode.Forbidden);
        await (await citizen.PostAsync("/api/me/verification/face/challenge", null)).AssertProblem(HttpStatusCode.Forbidden);

        var again = await LinkedToken("user-" + _suffix, phone);
        var second = app.Client();
        second.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", again);
        Assert.Equal(me.GetProperty("id").GetString(), (await (await second.GetAsync("/api/me")).Json()).GetProperty("id").GetString());
    }

    [Fact]
    public async Task A_channel_user_with_the_phone_of_an_existing_citizen_links_to_that_account()
    {
        var phone = Phone(_suffix + "2");
        (await _client.PostAsync("/api/auth/otp", JsonContent(new { phone }))).EnsureSuccessStatusCode();
        var own = await (await _client.PostAsync("/api/auth/otp/verify", JsonContent(new { phone, code = app.Sms.LastCodeFor(phone) }))).Json();
        var ownClient = app.Client();
        ownClient.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", own.GetProperty("accessToken").GetString());
        var ownId = (await (await ownClient.GetAsync("/api/me")).Json()).GetProperty("id").GetString();

        var channelClient = app.Client();
        channelClient.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await LinkedToken("other-" + _suffix, phone));
        Assert.Equal(ownId, (await (await channelClient.GetAsync("/api/me")).Json()).GetProperty("id").GetString());
    }

    [Fact]
    public async Task Expired_long_lived_or_foreign_assertions_are_400s()
    {
        using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var cases = new (string Assertion, string Code)[]
        {
            (Assertion("u", Phone("9"), lifetime: TimeSpan.FromMinutes(-1)), "channel.assertion-expired"),
            (Assertion("u", Phone("9"), lifetime: TimeSpan.FromHours(1)), "channel.assertion-expired"),
            (Assertion("u", Phone("9"), key: otherKey), "channel.assertion-invalid"),
            (Assertion("u", Phone("9"), issuer: "someone-else"), "channel.assertion-invalid"),
            ("not.a.jwt", "channel.assertion-invalid"),
            (Assertion("u", "12345"), "phone.malformed"),
        };
        foreach (var (assertion, code) in cases)
        {
            await (await _client.SendAsync(Signed(HttpMethod.Post, "/api/channels/link", ChannelId, JsonSerializer.Serialize(new { assertion }))))
                .AssertProblem(HttpStatusCode.BadRequest, "assertion", code);
        }
    }

    [Fact]
    public async Task Only_partner_channels_may_link_users()
    {
        await (await _client.SendAsync(Signed(HttpMethod.Post, "/api/channels/link", DepartmentId,
            JsonSerializer.Serialize(new { assertion = Assertion("u", Phone("8")) })))).AssertProblem(HttpStatusCode.Forbidden);
    }

    private static StringContent JsonContent(object value) => new(JsonSerializer.Serialize(value), Encoding.UTF8, "application/json");
}

public sealed class ApiClientTests_Sqlite(SqliteApp app) : ApiClientTests(app), IClassFixture<SqliteApp>;

public sealed class ApiClientTests_Postgres(PostgresApp app) : ApiClientTests(app), IClassFixture<PostgresApp>;
