using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using CityService.Core.Identity;
using CityService.Core.Identity.SignIn;
using CityService.Tests.Infrastructure;

namespace CityService.Tests.Identity.SignIn;

/// <summary>
/// Limits under parallel attack, each asserted exactly. Every request comes from the same TestServer client
/// (no remote address, so one client key for all): each test first moves the clock past every limit's window.
/// </summary>
public abstract class SignInLimitTests(AppFixture app)
{
    private static int _next;
    private readonly HttpClient _client = app.Client();

    private static string NewPhone() => "132" + Interlocked.Increment(ref _next).ToString("00000000", System.Globalization.CultureInfo.InvariantCulture);

    private void FreshWindows() => app.Time.Advance(TimeSpan.FromHours(2));

    private static async Task<(HttpStatusCode Status, string? Code, string Body, TimeSpan? RetryAfter)> Read(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        string? code = null;
        if (response.Content.Headers.ContentType?.MediaType == "application/problem+json")
        {
            code = JsonDocument.Parse(body).RootElement.GetProperty("code").GetString();
        }

        return (response.StatusCode, code, body, response.Headers.RetryAfter?.Delta);
    }

    private async Task<(HttpStatusCode Status, string? Code, string Body, TimeSpan? RetryAfter)[]> Parallel(int count, Func<int, object> body, string path) =>
        await Task.WhenAll(Enumerable.Range(0, count).Select(async i => await Read(await app.Client().PostAsJsonAsync(path, body(i)))));

    private async Task<string> AccountWithPassword(string password)
    {
        var phone = NewPhone();
        (await _client.PostAsJsonAsync("/api/auth/otp", new { phone })).EnsureSuccessStatusCode();
        var verified = await (await _client.PostAsJsonAsync("/api/auth/otp/verify", new { agreed = TestConsents.Agreed, phone, code = app.Sms.LastCodeFor(phone) })).Json();
        var session = app.Client();
        session.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", verified.GetProperty("accessToken").GetString());
        Assert.Equal(HttpStatusCode.NoContent, (await session.PutAsJsonAsync("/api/me/password", new { password })).StatusCode);
        return phone;
    }

    [Fact]
    public async Task Sixty_parallel_codes_for_sixty_phones_from_one_address_send_exactly_thirty()
    {
        FreshWindows();
        var phones = Enumerable.Range(0, 60).Select(_ => NewPhone()).ToArray();
        var answers = await Parallel(60, i => new { phone = phones[i] }, "/api/auth/otp");
        Assert.Equal(OtpService.ClientPerHour, answers.Count(a => a.Status == HttpStatusCode.Accepted));
        var refused = answers.Where(a => a.Status == HttpStatusCode.TooManyRequests).ToList();
        Assert.Equal(60 - OtpService.ClientPerHour, refused.Count);
        Assert.All(refused, a =>
        {
            Assert.Equal("otp.too-many", a.Code);
            Assert.InRange(a.RetryAfter!.Value.TotalSeconds, 1, 3600);
        });
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Fifty_parallel_wrong_passwords_get_exactly_five_comparisons_with_or_without_an_account(bool hasAccount)
    {
        FreshWindows();
        var phone = hasAccount ? await AccountWithPassword("a-good-passw0rd") : NewPhone();
        var answers = await Parallel(50, _ => new { agreed = TestConsents.Agreed, phone, password = "wrong-passw0rd" }, "/api/auth/password");
        Assert.Equal(5, answers.Count(a => a is { Status: HttpStatusCode.BadRequest, Code: "auth.password-invalid" }));
        Assert.Equal(45, answers.Count(a => a is { Status: HttpStatusCode.TooManyRequests, Code: "auth.locked-out" }));

        await (await _client.PostAsJsonAsync("/api/auth/password", new { agreed = TestConsents.Agreed, phone, password = "a-good-passw0rd" })).AssertProblem(HttpStatusCode.TooManyRequests, code: "auth.locked-out");
        app.Time.Advance(TimeSpan.FromMinutes(16));
        var after = await _client.PostAsJsonAsync("/api/auth/password", new { agreed = TestConsents.Agreed, phone, password = "a-good-passw0rd" });
        if (hasAccount)
        {
            Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        }
        else
        {
            await after.AssertProblem(HttpStatusCode.BadRequest, "password", "auth.password-invalid");
        }
    }

    [Fact]
    public async Task A_phone_without_an_account_locks_after_five_wrong_passwords_exactly_like_one_with_an_account()
    {
        FreshWindows();
        var withAccount = await AccountWithPassword("a-good-passw0rd");
        var withoutAccount = NewPhone();
        foreach (var phone in new[] { withAccount, withoutAccount })
        {
            for (var i = 0; i < 5; i++)
            {
                await (await _client.PostAsJsonAsync("/api/auth/password", new { agreed = TestConsents.Agreed, phone, password = "wrong-passw0rd" })).AssertProblem(HttpStatusCode.BadRequest, "password", "auth.password-invalid");
            }
        }

        var answers = new List<(HttpStatusCode Status, string? Code, string Body, TimeSpan? RetryAfter)>();
        foreach (var phone in new[] { withAccount, withoutAccount })
        {
            var response = await _client.PostAsJsonAsync("/api/auth/password", new { agreed = TestConsents.Agreed, phone, password = "wrong-passw0rd" });
            answers.Add(await Read(response));
        }

        Assert.All(answers, a => Assert.Equal((HttpStatusCode.TooManyRequests, "auth.locked-out"), (a.Status, a.Code)));
        Assert.Equal(WithoutTraceId(answers[0].Body), WithoutTraceId(answers[1].Body)); // word for word, apart from the request's trace id
        Assert.Equal(answers[0].RetryAfter, answers[1].RetryAfter);
        Assert.NotNull(answers[0].RetryAfter);
    }

    [Fact]
    public async Task Password_tries_from_one_address_beyond_the_limit_answer_429_exactly_at_the_limit()
    {
        FreshWindows();
        var limit = AddressLimit;
        var phone = NewPhone(); // locks after five tries, so the rest cost no hashing
        var answers = await Parallel(limit + 20, _ => new { agreed = TestConsents.Agreed, phone, password = "wrong-passw0rd" }, "/api/auth/password");
        Assert.Equal(20, answers.Count(a => a is { Status: HttpStatusCode.TooManyRequests, Code: "auth.too-many" }));
        Assert.Equal(limit, answers.Count(a => a.Code is "auth.password-invalid" or "auth.locked-out"));
        Assert.All(answers.Where(a => a.Code == "auth.too-many"), a => Assert.InRange(a.RetryAfter!.Value.TotalMinutes, 0.01, 15));

        // Other phones from that address wait too, until the window has passed.
        await (await _client.PostAsJsonAsync("/api/auth/password", new { agreed = TestConsents.Agreed, phone = NewPhone(), password = "wrong-passw0rd" })).AssertProblem(HttpStatusCode.TooManyRequests, code: "auth.too-many");
        app.Time.Advance(TimeSpan.FromMinutes(16));
        await (await _client.PostAsJsonAsync("/api/auth/password", new { agreed = TestConsents.Agreed, phone = NewPhone(), password = "wrong-passw0rd" })).AssertProblem(HttpStatusCode.BadRequest, "password", "auth.password-invalid");
    }

    [Fact]
    public async Task Twenty_parallel_checks_of_the_right_code_sign_in_once_and_tell_the_others_it_was_used()
    {
        FreshWindows();
        var phone = NewPhone();
        (await _client.PostAsJsonAsync("/api/auth/otp", new { phone })).EnsureSuccessStatusCode();
        var code = app.Sms.LastCodeFor(phone);
        var answers = await Parallel(20, _ => new { agreed = TestConsents.Agreed, phone, code }, "/api/auth/otp/verify");
        Assert.Equal(1, answers.Count(a => a.Status == HttpStatusCode.OK));
        var losers = answers.Where(a => a.Status != HttpStatusCode.OK).ToList();
        Assert.Equal(19, losers.Count);
        Assert.All(losers, a =>
        {
            Assert.Equal((HttpStatusCode.BadRequest, "otp.expired"), (a.Status, a.Code));
            Assert.Contains("已使用", a.Body, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task A_refused_code_is_answered_while_a_send_holds_the_lock()
    {
        FreshWindows();
        var phone = NewPhone();
        Assert.Equal(HttpStatusCode.Accepted, (await _client.PostAsJsonAsync("/api/auth/otp", new { phone })).StatusCode);

        // Another writer holds what a send locks: SQLite's write lock, or PostgreSQL's advisory lock on this phone.
        await using var holder = app.Storage.CreateConnection();
        await holder.OpenAsync();
        await using var hold = holder.CreateCommand();
        if (app.Provider == Core.Storage.StorageProvider.Postgres)
        {
            hold.CommandText = "BEGIN; SELECT pg_advisory_xact_lock(hashtextextended(@key, 0));";
            var key = hold.CreateParameter();
            key.ParameterName = "key";
            key.Value = app.Service<PersonalDataProtector>().BlindIndex(phone, "phone");
            hold.Parameters.Add(key);
        }
        else
        {
            hold.CommandText = "BEGIN IMMEDIATE;";
        }

        await hold.ExecuteNonQueryAsync();
        try
        {
            var again = await Read(await _client.PostAsJsonAsync("/api/auth/otp", new { phone }).WaitAsync(TimeSpan.FromSeconds(10)));
            Assert.Equal((HttpStatusCode.TooManyRequests, "otp.too-many"), (again.Status, again.Code));
        }
        finally
        {
            await using var release = holder.CreateCommand();
            release.CommandText = "ROLLBACK;";
            await release.ExecuteNonQueryAsync();
        }
    }

    private static string WithoutTraceId(string body) =>
        System.Text.RegularExpressions.Regex.Replace(body, "\"traceId\":\"[^\"]*\"", string.Empty);

    private static int AddressLimit => PasswordSignIn.ClientPerWindow;
}

public sealed class SignInLimitTests_Sqlite(SqliteApp app) : SignInLimitTests(app), IClassFixture<SqliteApp>;

public sealed class SignInLimitTests_Postgres(PostgresApp app) : SignInLimitTests(app), IClassFixture<PostgresApp>;
