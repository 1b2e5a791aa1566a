using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using CityService.Core.Identity;
using CityService.Core.Identity.SignIn;
using CityService.Core.Storage;
using CityService.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CityService.Tests.Identity.SignIn;

public abstract class SignInApiTests(AppFixture app)
{
    private static int _next;
    private readonly HttpClient _client = app.Client();

    /// <summary>A generated test number, distinct per test so rate limits do not interfere.</summary>
    private static string NewPhone() => "131" + Interlocked.Increment(ref _next).ToString("00000000", System.Globalization.CultureInfo.InvariantCulture);

    private async Task<string> SignIn(string phone, string? typed = null)
    {
        (await _client.PostAsJsonAsync("/api/auth/otp", new { phone = typed ?? phone })).EnsureSuccessStatusCode();
        var verified = await (await _client.PostAsJsonAsync("/api/auth/otp/verify", new { agreed = TestConsents.Agreed, phone = typed ?? phone, code = app.Sms.LastCodeFor(phone) })).Json();
        Assert.Equal("Bearer", verified.GetProperty("tokenType").GetString());
        return verified.GetProperty("accessToken").GetString()!;
    }

    private async Task<JsonElement> Me(string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/me");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await (await _client.SendAsync(request)).Json();
    }

    [Fact]
    public async Task A_code_sent_to_a_phone_signs_in_at_level_1_with_masked_data()
    {
        var phone = NewPhone();
        var sent = await _client.PostAsJsonAsync("/api/auth/otp", new { phone });
        Assert.Equal(HttpStatusCode.Accepted, sent.StatusCode);
        Assert.Equal(300, (await sent.Json()).GetProperty("expiresInSeconds").GetInt32());

        var verified = await (await _client.PostAsJsonAsync("/api/auth/otp/verify", new { agreed = TestConsents.Agreed, phone, code = app.Sms.LastCodeFor(phone) })).Json();
        var me = await Me(verified.GetProperty("accessToken").GetString()!);
        Assert.Equal("L1", me.GetProperty("assuranceLevel").GetString());
        Assert.Equal(phone[..3] + "****" + phone[^4..], me.GetProperty("phoneMasked").GetString());
        Assert.Equal(JsonValueKind.Null, me.GetProperty("idNumberMasked").ValueKind);
        Assert.DoesNotContain(phone, me.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Signing_in_again_reaches_the_same_account()
    {
        var phone = NewPhone();
        var first = await Me(await SignIn(phone));
        app.Time.Advance(TimeSpan.FromMinutes(2));
        var second = await Me(await SignIn(phone, typed: "+86 " + phone[..3] + " " + phone[3..7] + " " + phone[7..]));
        Assert.Equal(first.GetProperty("id").GetString(), second.GetProperty("id").GetString());
    }

    [Fact]
    public async Task The_phone_is_stored_only_encrypted_with_a_blind_index()
    {
        var phone = NewPhone();
        var id = (await Me(await SignIn(phone))).GetProperty("id").GetGuid();
        await using var scope = app.App.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CityDbContext>();
        var account = await db.Accounts.AsNoTracking().SingleAsync(a => a.Id == id);
        Assert.DoesNotContain(phone, account.PhoneCipher, StringComparison.Ordinal);
        Assert.DoesNotContain(phone, account.PhoneIndex, StringComparison.Ordinal);
        Assert.DoesNotContain(phone, account.UserName!, StringComparison.Ordinal);
        Assert.Null(account.PhoneNumber);
        Assert.Equal(phone, app.Service<PersonalDataProtector>().Decrypt(account.PhoneCipher, "phone"));
    }

    [Fact]
    public async Task Without_a_token_the_profile_is_a_401_problem()
    {
        await (await _client.GetAsync("/api/me")).AssertProblem(HttpStatusCode.Unauthorized, code: "auth.required");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/me");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "not-a-token");
        await (await _client.SendAsync(request)).AssertProblem(HttpStatusCode.Unauthorized);
    }

    [Theory]
    [InlineData("12345")]
    [InlineData("2380013800")]
    [InlineData("12800138000")]
    [InlineData("1380013800a")]
    [InlineData("")]
    public async Task A_malformed_phone_is_a_400_naming_the_phone(string phone)
    {
        await (await _client.PostAsJsonAsync("/api/auth/otp", new { phone })).AssertProblem(HttpStatusCode.BadRequest, "phone", "phone.malformed");
        await (await _client.PostAsJsonAsync("/api/auth/otp/verify", new { agreed = TestConsents.Agreed, phone, code = "123456" })).AssertProblem(HttpStatusCode.BadRequest, "phone");
    }

    [Fact]
    public async Task A_second_code_within_a_minute_is_429_with_retry_after()
    {
        var phone = NewPhone();
        (await _client.PostAsJsonAsync("/api/auth/otp", new { phone })).EnsureSuccessStatusCode();
        var again = await _client.PostAsJsonAsync("/api/auth/otp", new { phone });
        await again.AssertProblem(HttpStatusCode.TooManyRequests, code: "otp.too-many");
        Assert.InRange(again.Headers.RetryAfter!.Delta!.Value.TotalSeconds, 1, 60);

        app.Time.Advance(TimeSpan.FromSeconds(61));
        Assert.Equal(HttpStatusCode.Accepted, (await _client.PostAsJsonAsync("/api/auth/otp", new { phone })).StatusCode);
    }

    [Fact]
    public async Task More_than_ten_codes_an_hour_for_one_phone_are_refused()
    {
        var phone = NewPhone();
        for (var i = 0; i < OtpService.PhonePerHour; i++)
        {
            Assert.Equal(HttpStatusCode.Accepted, (await _client.PostAsJsonAsync("/api/auth/otp", new { phone })).StatusCode);
            app.Time.Advance(TimeSpan.FromSeconds(61));
        }

        await (await _client.PostAsJsonAsync("/api/auth/otp", new { phone })).AssertProblem(HttpStatusCode.TooManyRequests);
        var other = NewPhone(); // someone else is not locked out
        Assert.Equal(HttpStatusCode.Accepted, (await _client.PostAsJsonAsync("/api/auth/otp", new { phone = other })).StatusCode);
    }

    [Fact]
    public async Task A_wrong_code_says_how_many_tries_are_left_and_five_wrong_tries_end_the_code()
    {
        var phone = NewPhone();
        (await _client.PostAsJsonAsync("/api/auth/otp", new { phone })).EnsureSuccessStatusCode();
        var right = app.Sms.LastCodeFor(phone);
        var wrong = right == "000000" ? "111111" : "000000";
        var first = await (await _client.PostAsJsonAsync("/api/auth/otp/verify", new { agreed = TestConsents.Agreed, phone, code = wrong })).AssertProblem(HttpStatusCode.BadRequest, "code", "otp.wrong");
        Assert.Contains("4", first.GetProperty("messages").GetProperty("en").GetString(), StringComparison.Ordinal);
        for (var i = 0; i < 4; i++)
        {
            await _client.PostAsJsonAsync("/api/auth/otp/verify", new { agreed = TestConsents.Agreed, phone, code = wrong });
        }

        await (await _client.PostAsJsonAsync("/api/auth/otp/verify", new { agreed = TestConsents.Agreed, phone, code = right })).AssertProblem(HttpStatusCode.BadRequest, "code", "otp.attempts-exhausted");
    }

    [Fact]
    public async Task Parallel_guesses_cannot_get_past_five_tries()
    {
        var phone = NewPhone();
        (await _client.PostAsJsonAsync("/api/auth/otp", new { phone })).EnsureSuccessStatusCode();
        var right = app.Sms.LastCodeFor(phone);
        var guesses = Enumerable.Range(0, 30).Select(i => ((int.Parse(right, System.Globalization.CultureInfo.InvariantCulture) + 1 + i) % 1_000_000).ToString("000000", System.Globalization.CultureInfo.InvariantCulture));
        await Task.WhenAll(guesses.Select(code => app.Client().PostAsJsonAsync("/api/auth/otp/verify", new { agreed = TestConsents.Agreed, phone, code })));
        await (await _client.PostAsJsonAsync("/api/auth/otp/verify", new { agreed = TestConsents.Agreed, phone, code = right })).AssertProblem(HttpStatusCode.BadRequest, "code", "otp.attempts-exhausted");
    }

    [Fact]
    public async Task Parallel_code_requests_send_one_code_a_minute()
    {
        var phone = NewPhone();
        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => app.Client().PostAsJsonAsync("/api/auth/otp", new { phone })));
        Assert.Equal(1, answers.Count(a => a.StatusCode == HttpStatusCode.Accepted));
        Assert.Equal(7, answers.Count(a => a.StatusCode == HttpStatusCode.TooManyRequests));
    }

    [Fact]
    public async Task A_code_is_single_use_and_expires_after_five_minutes()
    {
        var phone = NewPhone();
        await SignIn(phone);
        var used = app.Sms.LastCodeFor(phone);
        await (await _client.PostAsJsonAsync("/api/auth/otp/verify", new { agreed = TestConsents.Agreed, phone, code = used })).AssertProblem(HttpStatusCode.BadRequest, "code", "otp.expired");

        app.Time.Advance(TimeSpan.FromMinutes(2));
        (await _client.PostAsJsonAsync("/api/auth/otp", new { phone })).EnsureSuccessStatusCode();
        app.Time.Advance(TimeSpan.FromMinutes(5));
        await (await _client.PostAsJsonAsync("/api/auth/otp/verify", new { agreed = TestConsents.Agreed, phone, code = app.Sms.LastCodeFor(phone) })).AssertProblem(HttpStatusCode.BadRequest, "code", "otp.expired");
    }

    [Theory]
    [InlineData("12345")]
    [InlineData("1234567")]
    [InlineData("12a456")]
    [InlineData("")]
    public async Task A_malformed_code_is_a_400_naming_the_code(string code)
    {
        await (await _client.PostAsJsonAsync("/api/auth/otp/verify", new { agreed = TestConsents.Agreed, phone = NewPhone(), code })).AssertProblem(HttpStatusCode.BadRequest, "code", "otp.malformed");
    }

    [Theory]
    [InlineData("{")]
    [InlineData("[1,2]")]
    [InlineData("{\"phone\": 13800138000}")]
    [InlineData("not json")]
    public async Task An_unreadable_body_is_a_400_problem(string body)
    {
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        await (await _client.PostAsync("/api/auth/otp", content)).AssertProblem(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task A_body_that_is_not_json_is_a_415_problem()
    {
        using var content = new StringContent("phone=13800138000", Encoding.UTF8, "application/x-www-form-urlencoded");
        var response = await _client.PostAsync("/api/auth/otp", content);
        Assert.True(response.StatusCode is HttpStatusCode.UnsupportedMediaType or HttpStatusCode.BadRequest, response.StatusCode.ToString());
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
    private HttpClient Bearer(string token)
    {
        var client = app.Client();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    [Fact]
    public async Task Changing_the_phone_needs_a_fresh_code_and_a_code_from_the_new_phone_and_ends_other_sessions()
    {
        var phone = NewPhone();
        var session = Bearer(await SignIn(phone));
        var newPhone = NewPhone();
        (await _client.PostAsJsonAsync("/api/auth/otp", new { phone = newPhone })).EnsureSuccessStatusCode();
        await (await session.PostAsJsonAsync("/api/me/phone", new { phone = newPhone, code = "000000" }))
            .AssertProblem(HttpStatusCode.BadRequest, "code");
        var changed = await (await session.PostAsJsonAsync("/api/me/phone", new { phone = newPhone, code = app.Sms.LastCodeFor(newPhone) })).Json();
        Assert.Equal(newPhone[..3] + "****" + newPhone[^4..], changed.GetProperty("phoneMasked").GetString());

        // The old token carries the old security stamp: that session has ended.
        await (await session.GetAsync("/api/me")).AssertProblem(HttpStatusCode.Unauthorized, code: "auth.session-ended");
        await (await session.GetAsync("/api/regions/330100/services/TR-0001/eligibility")).AssertProblem(HttpStatusCode.Unauthorized, code: "auth.session-ended");
        app.Time.Advance(TimeSpan.FromMinutes(2));
        var fresh = Bearer(await SignIn(newPhone));
        Assert.Equal(changed.GetProperty("id").GetString(), (await (await fresh.GetAsync("/api/me")).Json()).GetProperty("id").GetString());
    }

    [Fact]
    public async Task Sensitive_actions_after_five_minutes_ask_for_a_fresh_code()
    {
        var session = Bearer(await SignIn(NewPhone()));
        app.Time.Advance(TimeSpan.FromMinutes(6));
        var problem = await (await session.PostAsJsonAsync("/api/me/phone", new { phone = NewPhone(), code = "123456" }))
            .AssertProblem(HttpStatusCode.Forbidden, code: "auth.reauthentication-required");
        Assert.Equal("/api/auth/otp", problem.GetProperty("reauthenticate").GetString());
        await (await session.PutAsJsonAsync("/api/me/password", new { password = "a-good-passw0rd" }))
            .AssertProblem(HttpStatusCode.Forbidden, code: "auth.reauthentication-required");
    }

    [Fact]
    public async Task A_phone_of_another_account_cannot_be_taken_over()
    {
        var taken = NewPhone();
        await SignIn(taken);
        var session = Bearer(await SignIn(NewPhone()));
        app.Time.Advance(TimeSpan.FromSeconds(61));
        (await _client.PostAsJsonAsync("/api/auth/otp", new { phone = taken })).EnsureSuccessStatusCode();
        await (await session.PostAsJsonAsync("/api/me/phone", new { phone = taken, code = app.Sms.LastCodeFor(taken) }))
            .AssertProblem(HttpStatusCode.Conflict, "phone", "phone.in-use");
    }

    [Fact]
    public async Task A_password_set_after_a_code_signs_in_and_five_wrong_passwords_lock_only_that_account()
    {
        var phone = NewPhone();
        var session = Bearer(await SignIn(phone));
        await (await session.PutAsJsonAsync("/api/me/password", new { password = "short" })).AssertProblem(HttpStatusCode.BadRequest, "password", "auth.password-weak");
        Assert.Equal(HttpStatusCode.NoContent, (await session.PutAsJsonAsync("/api/me/password", new { password = "a-good-passw0rd" })).StatusCode);
        Assert.True((await (await session.GetAsync("/api/me")).Json()).GetProperty("hasPassword").GetBoolean());

        var signedIn = await (await _client.PostAsJsonAsync("/api/auth/password", new { agreed = TestConsents.Agreed, phone, password = "a-good-passw0rd" })).Json();
        Assert.False(string.IsNullOrEmpty(signedIn.GetProperty("accessToken").GetString()));

        for (var i = 0; i < 5; i++)
        {
            await (await _client.PostAsJsonAsync("/api/auth/password", new { agreed = TestConsents.Agreed, phone, password = "wrong-passw0rd" })).AssertProblem(HttpStatusCode.BadRequest, "password", "auth.password-invalid");
        }

        await (await _client.PostAsJsonAsync("/api/auth/password", new { agreed = TestConsents.Agreed, phone, password = "a-good-passw0rd" })).AssertProblem(HttpStatusCode.TooManyRequests, code: "auth.locked-out");

        // Parallel wrong passwords after the lock ends are bounded too: the right one is refused afterwards.
        app.Time.Advance(TimeSpan.FromMinutes(16));
        await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => app.Client().PostAsJsonAsync("/api/auth/password", new { agreed = TestConsents.Agreed, phone, password = "wrong-passw0rd" })));
        await (await _client.PostAsJsonAsync("/api/auth/password", new { agreed = TestConsents.Agreed, phone, password = "a-good-passw0rd" })).AssertProblem(HttpStatusCode.TooManyRequests, code: "auth.locked-out");
        await (await _client.PostAsJsonAsync("/api/auth/password", new { agreed = TestConsents.Agreed, phone = NewPhone(), password = "whatever1" })).AssertProblem(HttpStatusCode.BadRequest, "password", "auth.password-invalid");
        app.Time.Advance(TimeSpan.FromMinutes(16));
        Assert.Equal(HttpStatusCode.OK, (await _client.PostAsJsonAsync("/api/auth/password", new { agreed = TestConsents.Agreed, phone, password = "a-good-passw0rd" })).StatusCode);
    }
}

public sealed class SignInApiTests_Sqlite(SqliteApp app) : SignInApiTests(app), IClassFixture<SqliteApp>;

public sealed class SignInApiTests_Postgres(PostgresApp app) : SignInApiTests(app), IClassFixture<PostgresApp>;
