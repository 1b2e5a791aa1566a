using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CityService.Core.Common;
using CityService.Core.Identity;
using CityService.Core.Identity.Clients;
using CityService.Core.Identity.SignIn;
using CityService.Core.Storage;
using CityService.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace CityService.Tests.Identity.Clients;

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

    private string Assertion(string channelUser, string phone, TimeSpan? lifetime = null, ECDsa? key = null, string? issuer = null, string? jti = null, bool withJti = true)
    {
        var claims = new Dictionary<string, object> { ["sub"] = channelUser, ["phone"] = phone };
        if (withJti)
        {
            claims["jti"] = jti ?? Guid.NewGuid().ToString("N");
        }

        var now = app.Time.GetUtcNow().UtcDateTime;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer ?? ChannelId,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + (lifetime ?? TimeSpan.FromMinutes(5)),
            Claims = claims,
            SigningCredentials = new SigningCredentials(new ECDsaSecurityKey(key ?? _channelKey), SecurityAlgorithms.EcdsaSha256),
        });
    }

    private Task<HttpResponseMessage> Link(string assertion) =>
        _client.SendAsync(Signed(HttpMethod.Post, "/api/channels/link", ChannelId, JsonSerializer.Serialize(new { assertion })));

    private Task<HttpResponseMessage> Confirm(string? linkId, string? code) =>
        _client.SendAsync(Signed(HttpMethod.Post, "/api/channels/link/confirm", ChannelId, JsonSerializer.Serialize(new { linkId, code })));

    /// <summary>Links a channel user not linked before: 202 with a pending link, then the code texted to the phone, relayed.</summary>
    private async Task<string> LinkedToken(string channelUser, string phone)
    {
        var pending = await (await Link(Assertion(channelUser, phone))).Json(HttpStatusCode.Accepted);
        Assert.Equal("code-sent", pending.GetProperty("status").GetString());
        var confirmed = await (await Confirm(pending.GetProperty("linkId").GetString(), app.Sms.LastCodeFor(phone))).Json();
        return confirmed.GetProperty("accessToken").GetString()!;
    }

    private HttpClient Bearer(string token)
    {
        var client = app.Client();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private async Task<string> SignInByCode(string phone)
    {
        app.Time.Advance(OtpService.PhoneInterval); // one code a minute per phone
        (await _client.PostAsync("/api/auth/otp", JsonContent(new { phone }))).EnsureSuccessStatusCode();
        var own = await (await _client.PostAsync("/api/auth/otp/verify", JsonContent(new { agreed = TestConsents.Agreed, phone, code = app.Sms.LastCodeFor(phone) }))).Json();
        return own.GetProperty("accessToken").GetString()!;
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
        var skewed = new FakeTimeProvider(app.Time.GetUtcNow() + TimeSpan.FromMinutes(minutes));
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

        // The confirmed link keeps working: a new assertion gets a token at once, without a new code.
        var again = await (await Link(Assertion("user-" + _suffix, phone))).Json();
        var second = Bearer(again.GetProperty("accessToken").GetString()!);
        Assert.Equal(me.GetProperty("id").GetString(), (await (await second.GetAsync("/api/me")).Json()).GetProperty("id").GetString());
    }

    [Fact]
    public async Task A_channel_cannot_link_an_existing_citizen_without_the_code_sent_to_their_phone()
    {
        var phone = Phone(_suffix + "2");
        var ownId = (await (await Bearer(await SignInByCode(phone)).GetAsync("/api/me")).Json()).GetProperty("id").GetString();
        app.Time.Advance(OtpService.PhoneInterval);

        // Stating the phone is not enough: no token, only a pending link and a code texted to the citizen.
        var answer = await Link(Assertion("other-" + _suffix, phone));
        var pending = await answer.Json(HttpStatusCode.Accepted);
        Assert.False(pending.TryGetProperty("accessToken", out _));
        Assert.Equal(phone[..3] + "****" + phone[^4..], pending.GetProperty("phoneMasked").GetString());
        var linkId = pending.GetProperty("linkId").GetString();

        // A guessed code, the citizen's old sign-in code or an unknown link id do not link.
        await (await Confirm(linkId, "000000")).AssertProblem(HttpStatusCode.BadRequest, "code");
        await (await Confirm(Guid.CreateVersion7().ToString(), app.Sms.LastCodeFor(phone))).AssertProblem(HttpStatusCode.NotFound, "linkId", "channel.link-not-found");

        // With the citizen's code, relayed by the channel, the link is made to the citizen's own account.
        var token = (await (await Confirm(linkId, app.Sms.LastCodeFor(phone))).Json()).GetProperty("accessToken").GetString()!;
        Assert.Equal(ownId, (await (await Bearer(token).GetAsync("/api/me")).Json()).GetProperty("id").GetString());

        // The pending link is used up.
        await (await Confirm(linkId, app.Sms.LastCodeFor(phone))).AssertProblem(HttpStatusCode.BadRequest, "linkId", "channel.link-expired");
    }

    [Fact]
    public async Task A_pending_link_expires_after_ten_minutes()
    {
        var phone = Phone(_suffix + "3");
        var pending = await (await Link(Assertion("late-" + _suffix, phone))).Json(HttpStatusCode.Accepted);
        var code = app.Sms.LastCodeFor(phone);
        app.Time.Advance(ChannelLinkRequest.Lifetime);
        await (await Confirm(pending.GetProperty("linkId").GetString(), code)).AssertProblem(HttpStatusCode.BadRequest, "linkId", "channel.link-expired");
    }

    [Fact]
    public async Task A_link_code_does_not_sign_in()
    {
        var phone = Phone(_suffix + "4");
        (await Link(Assertion("u4-" + _suffix, phone))).EnsureSuccessStatusCode();
        await (await _client.PostAsync("/api/auth/otp/verify", JsonContent(new { agreed = TestConsents.Agreed, phone, code = app.Sms.LastCodeFor(phone) })))
            .AssertProblem(HttpStatusCode.BadRequest, "code");
    }

    [Fact]
    public async Task A_replayed_assertion_is_refused()
    {
        var phone = Phone(_suffix + "5");
        await LinkedToken("replay-" + _suffix, phone);
        var assertion = Assertion("replay-" + _suffix, phone);
        Assert.Equal(HttpStatusCode.OK, (await Link(assertion)).StatusCode);
        await (await Link(assertion)).AssertProblem(HttpStatusCode.Conflict, "assertion", "channel.assertion-replayed");
        await (await Link(Assertion("replay-" + _suffix, phone, withJti: false))).AssertProblem(HttpStatusCode.BadRequest, "assertion", "channel.assertion-invalid");
    }

    [Fact]
    public async Task Parallel_replays_of_one_assertion_are_accepted_exactly_once()
    {
        var phone = Phone(_suffix + "6");
        await LinkedToken("parallel-" + _suffix, phone);
        var assertion = Assertion("parallel-" + _suffix, phone);
        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Link(assertion)));
        Assert.Equal(1, answers.Count(a => a.StatusCode == HttpStatusCode.OK));
        Assert.Equal(19, answers.Count(a => a.StatusCode == HttpStatusCode.Conflict));
    }

    [Fact]
    public async Task Unlinking_ends_the_channels_access_and_a_new_link_needs_a_new_code()
    {
        var phone = Phone(_suffix + "7");
        var channelToken = Bearer(await LinkedToken("gone-" + _suffix, phone));
        Assert.Equal(HttpStatusCode.OK, (await channelToken.GetAsync("/api/me")).StatusCode);
        await (await channelToken.GetAsync("/api/me/channels")).AssertProblem(HttpStatusCode.Forbidden); // a channel cannot see or end links

        var citizen = Bearer(await SignInByCode(phone));
        var linked = await (await citizen.GetAsync("/api/me/channels")).Json();
        var channel = Assert.Single(linked.EnumerateArray());
        Assert.Equal(ChannelId, channel.GetProperty("clientId").GetString());
        Assert.Equal("A wallet", channel.GetProperty("nameEn").GetString());

        Assert.Equal(HttpStatusCode.NoContent, (await citizen.DeleteAsync("/api/me/channels/" + ChannelId)).StatusCode);
        await (await citizen.DeleteAsync("/api/me/channels/" + ChannelId)).AssertProblem(HttpStatusCode.NotFound, code: "channel.not-linked");
        Assert.Empty((await (await citizen.GetAsync("/api/me/channels")).Json()).EnumerateArray());

        await (await channelToken.GetAsync("/api/me")).AssertProblem(HttpStatusCode.Unauthorized, code: "auth.session-ended");
        app.Time.Advance(OtpService.PhoneInterval);
        Assert.Equal(HttpStatusCode.Accepted, (await Link(Assertion("gone-" + _suffix, phone))).StatusCode);
    }

    [Fact]
    public async Task The_profile_page_lists_linked_channels_and_unlinks_one()
    {
        var phone = Phone(_suffix + "8");
        var channelToken = Bearer(await LinkedToken("page-" + _suffix, phone));
        var browser = app.Browser();
        app.Time.Advance(OtpService.PhoneInterval);
        Assert.Equal("/me", await app.SignIn(browser, phone));
        var me = await HtmlForms.Page(browser, "/me");
        Assert.Equal("某钱包", HtmlForms.Text(me, $"#channel-list li[data-client='{ChannelId}'] .channel-name"));
        HtmlForms.AssertAccessibleForms(me);

        var unlinked = HtmlForms.Location(await HtmlForms.Submit(browser, me, "#unlink-" + ChannelId));
        var after = await HtmlForms.Page(browser, unlinked);
        Assert.NotNull(after.QuerySelector("#channel-unlinked"));
        Assert.NotNull(after.QuerySelector("#no-channels"));
        await (await channelToken.GetAsync("/api/me")).AssertProblem(HttpStatusCode.Unauthorized, code: "auth.session-ended");
    }

    [Fact]
    public async Task A_staff_phone_is_refused_only_after_its_holder_confirmed()
    {
        const string staffPhone = "13900000002";
        var pending = await (await Link(Assertion("staff-" + _suffix, staffPhone))).Json(HttpStatusCode.Accepted);
        await (await Confirm(pending.GetProperty("linkId").GetString(), app.Sms.LastCodeFor(staffPhone)))
            .AssertProblem(HttpStatusCode.Forbidden, code: "channel.not-a-citizen");
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
