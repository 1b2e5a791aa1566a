using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using CityService.Core.Storage;
using CityService.RegistrySimulator;
using CityService.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CityService.Tests.Identity.Verification;

/// <summary>Assurance levels through the registry simulator, reached over signed HTTP as a separate endpoint.</summary>
public abstract class VerificationApiTests(AppFixture app)
{
    private static int _phone;
    private static int _person;

    private readonly HttpClient _client = app.Client();

    private static SimulatedPerson NextPerson() => TestPersons.Next(ref _person);

    private async Task<HttpClient> SignedInCitizen()
    {
        var phone = "132" + Interlocked.Increment(ref _phone).ToString("00000000", System.Globalization.CultureInfo.InvariantCulture);
        (await _client.PostAsJsonAsync("/api/auth/otp", new { phone })).EnsureSuccessStatusCode();
        var token = (await (await _client.PostAsJsonAsync("/api/auth/otp/verify", new { agreed = TestConsents.Agreed, phone, code = app.Sms.LastCodeFor(phone) })).Json())
            .GetProperty("accessToken").GetString();
        var client = app.Client();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private static async Task<JsonElement> VerifyId(HttpClient citizen, SimulatedPerson person) =>
        await (await citizen.PostAsJsonAsync("/api/me/verification/id", new { consent = TestConsents.Version, name = person.Name, idNumber = person.IdNumber })).Json();

    private static async Task<string> Challenge(HttpClient citizen) =>
        (await (await citizen.PostAsync("/api/me/verification/face/challenge", null)).Json()).GetProperty("nonce").GetString()!;

    [Fact]
    public async Task Name_and_id_number_confirmed_by_the_registry_raise_the_level_to_2()
    {
        var citizen = await SignedInCitizen();
        var person = NextPerson();
        var profile = await VerifyId(citizen, person);
        Assert.Equal("L2", profile.GetProperty("assuranceLevel").GetString());
        Assert.Equal(person.IdNumber[..3] + "***********" + person.IdNumber[^4..], profile.GetProperty("idNumberMasked").GetString());
        Assert.DoesNotContain(person.IdNumber, profile.GetRawText(), StringComparison.Ordinal);
        Assert.DoesNotContain(person.Name, profile.GetRawText(), StringComparison.Ordinal);
        Assert.Equal("L2", (await (await citizen.GetAsync("/api/me")).Json()).GetProperty("assuranceLevel").GetString());
    }

    [Fact]
    public async Task A_live_face_matched_by_the_registry_raises_the_level_to_3_and_only_the_result_is_kept()
    {
        var citizen = await SignedInCitizen();
        var person = NextPerson();
        await VerifyId(citizen, person);
        var nonce = await Challenge(citizen);
        var profile = await (await citizen.PostAsJsonAsync("/api/me/verification/face", new { nonce, image = Convert.ToBase64String(person.LiveSnapshotPng(seed: 7)) })).Json();
        Assert.Equal("L3", profile.GetProperty("assuranceLevel").GetString());

        await using var scope = app.App.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CityDbContext>();
        var id = profile.GetProperty("id").GetGuid();
        var checks = await db.IdentityVerifications.AsNoTracking().Where(v => v.AccountId == id).ToListAsync();
        Assert.Equal(["ok", "match"], checks.OrderBy(c => c.At).ThenBy(c => c.Kind).Select(c => c.Outcome));
        Assert.All(checks, c => Assert.False(string.IsNullOrEmpty(c.RegistryReference)));
        var account = await db.Accounts.AsNoTracking().SingleAsync(a => a.Id == id);
        Assert.DoesNotContain(person.IdNumber, account.IdNumberCipher!, StringComparison.Ordinal);
        Assert.DoesNotContain(person.IdNumber, account.IdNumberIndex!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Another_persons_face_does_not_match()
    {
        var citizen = await SignedInCitizen();
        var person = NextPerson();
        await VerifyId(citizen, person);
        var stranger = SimulatedPersons.All.First(p => p.IdNumber != person.IdNumber);
        var response = await citizen.PostAsJsonAsync("/api/me/verification/face", new { nonce = await Challenge(citizen), image = Convert.ToBase64String(stranger.LiveSnapshotPng()) });
        await response.AssertProblem(HttpStatusCode.BadRequest, "image", "identity.face-no-match");
    }

    [Fact]
    public async Task A_face_challenge_is_single_use_and_expires()
    {
        var citizen = await SignedInCitizen();
        var person = NextPerson();
        await VerifyId(citizen, person);
        var stranger = Convert.ToBase64String(SimulatedPersons.All.First(p => p.IdNumber != person.IdNumber).LiveSnapshotPng());
        var nonce = await Challenge(citizen);
        await citizen.PostAsJsonAsync("/api/me/verification/face", new { nonce, image = stranger });
        await (await citizen.PostAsJsonAsync("/api/me/verification/face", new { nonce, image = Convert.ToBase64String(person.LiveSnapshotPng()) }))
            .AssertProblem(HttpStatusCode.BadRequest, "nonce", "identity.face-challenge-invalid");

        var late = await Challenge(citizen);
        app.Time.Advance(TimeSpan.FromMinutes(4));
        await (await citizen.PostAsJsonAsync("/api/me/verification/face", new { nonce = late, image = Convert.ToBase64String(person.LiveSnapshotPng()) }))
            .AssertProblem(HttpStatusCode.BadRequest, "nonce", "identity.face-challenge-invalid");
    }

    [Fact]
    public async Task A_face_check_needs_level_2_first()
    {
        var citizen = await SignedInCitizen();
        var problem = await (await citizen.PostAsync("/api/me/verification/face/challenge", null)).AssertProblem(HttpStatusCode.Forbidden, code: "identity.level-required");
        Assert.Equal("L2", problem.GetProperty("requiredLevel").GetString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("not base64!")]
    public async Task A_photo_that_is_not_base64_is_a_400_naming_the_image(string image)
    {
        var citizen = await SignedInCitizen();
        await VerifyId(citizen, NextPerson());
        await (await citizen.PostAsJsonAsync("/api/me/verification/face", new { nonce = await Challenge(citizen), image }))
            .AssertProblem(HttpStatusCode.BadRequest, "image", "identity.image-invalid");
    }

    [Fact]
    public async Task A_phone_jpeg_of_8_MB_stored_on_its_side_verifies()
    {
        var citizen = await SignedInCitizen();
        var person = NextPerson();
        await VerifyId(citizen, person);
        var photo = PhonePhotos.Jpeg(person, width: 3024, height: 4032, exifOrientation: 6, padTo: 8 * 1024 * 1024);

        var response = await citizen.PostAsJsonAsync("/api/me/verification/face", new { nonce = await Challenge(citizen), image = Convert.ToBase64String(photo) });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("L3", (await response.Json()).GetProperty("assuranceLevel").GetString());
    }

    [Fact]
    public async Task HEIC_or_another_format_is_a_415_and_a_damaged_photo_a_400()
    {
        var citizen = await SignedInCitizen();
        var person = NextPerson();
        await VerifyId(citizen, person);
        var nonce = await Challenge(citizen);

        var heic = await (await citizen.PostAsJsonAsync("/api/me/verification/face", new { nonce, image = Convert.ToBase64String(PhonePhotos.Heic()) }))
            .AssertProblem(HttpStatusCode.UnsupportedMediaType, "image", "photo.heic");
        Assert.Contains("HEIC", heic.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await (await citizen.PostAsJsonAsync("/api/me/verification/face", new { nonce, image = Convert.ToBase64String("hello world"u8) }))
            .AssertProblem(HttpStatusCode.UnsupportedMediaType, "image", "photo.unsupported-type");
        await (await citizen.PostAsJsonAsync("/api/me/verification/face", new { nonce, image = Convert.ToBase64String(PhonePhotos.Jpeg(NextPerson())[..300]) }))
            .AssertProblem(HttpStatusCode.BadRequest, "image", "photo.unreadable");

        var english = app.Client("en");
        english.DefaultRequestHeaders.Authorization = citizen.DefaultRequestHeaders.Authorization;
        var problem = await (await english.PostAsJsonAsync("/api/me/verification/face", new { nonce, image = Convert.ToBase64String(PhonePhotos.Heic()) }))
            .AssertProblem(HttpStatusCode.UnsupportedMediaType, "image", "photo.heic");
        Assert.StartsWith("HEIC/HEIF photos are not supported", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        // None of these used the challenge or a try: a good photo still verifies with it.
        var verified = await citizen.PostAsJsonAsync("/api/me/verification/face", new { nonce, image = Convert.ToBase64String(PhonePhotos.Jpeg(person)) });
        Assert.Equal("L3", (await verified.Json()).GetProperty("assuranceLevel").GetString());
    }

    [Fact]
    public async Task A_photo_over_10_MB_is_a_413_naming_the_limit_and_so_is_a_body_over_15_MB()
    {
        var citizen = await SignedInCitizen();
        await VerifyId(citizen, NextPerson());
        var nonce = await Challenge(citizen);

        var photo = await (await citizen.PostAsJsonAsync("/api/me/verification/face", new { nonce, image = Convert.ToBase64String(new byte[(10 * 1024 * 1024) + 1]) }))
            .AssertProblem(HttpStatusCode.RequestEntityTooLarge, "image", "photo.too-large");
        Assert.Contains("10 MB", photo.GetProperty("detail").GetString(), StringComparison.Ordinal);

        using var oversized = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(new { nonce, image = new string('A', 16 * 1024 * 1024) }));
        oversized.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        var body = await (await citizen.PostAsync("/api/me/verification/face", oversized))
            .AssertProblem(HttpStatusCode.RequestEntityTooLarge, code: "http.body-too-large");
        Assert.Contains("15360 KB", body.GetProperty("detail").GetString(), StringComparison.Ordinal);

        // Other operations keep the ordinary 1 MB limit.
        using var largeId = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(new { name = new string('x', 1_100_000), idNumber = "1" }));
        largeId.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        await (await citizen.PostAsync("/api/me/verification/id", largeId))
            .AssertProblem(HttpStatusCode.RequestEntityTooLarge, code: "http.body-too-large");
    }

    [Fact]
    public async Task A_name_that_does_not_match_the_registry_is_a_400_naming_the_name()
    {
        var citizen = await SignedInCitizen();
        var person = NextPerson();
        await (await citizen.PostAsJsonAsync("/api/me/verification/id", new { consent = TestConsents.Version, name = person.Name + "甲", idNumber = person.IdNumber }))
            .AssertProblem(HttpStatusCode.BadRequest, "name", "identity.name-mismatch");
    }

    [Fact]
    public async Task An_id_number_the_registry_does_not_know_is_a_400()
    {
        var citizen = await SignedInCitizen();
        await (await citizen.PostAsJsonAsync("/api/me/verification/id", new { consent = TestConsents.Version, name = "王小明", idNumber = SimulatedPersons.UnregisteredIdNumber }))
            .AssertProblem(HttpStatusCode.BadRequest, "idNumber", "identity.not-registered");
    }

    [Theory]
    [InlineData("33010619900307123", "id-number.length")]
    [InlineData("33010619900307A234", "id-number.characters")]
    [InlineData("990106199003071234", "id-number.region")]
    [InlineData("330106199002301234", "id-number.birth-date")]
    [InlineData("11010519491231002Y", "id-number.characters")]
    [InlineData("110105194912310021", "id-number.checksum")]
    public async Task Malformed_id_numbers_are_400s_with_their_own_message(string idNumber, string code)
    {
        var citizen = await SignedInCitizen();
        await (await citizen.PostAsJsonAsync("/api/me/verification/id", new { consent = TestConsents.Version, name = "王小明", idNumber }))
            .AssertProblem(HttpStatusCode.BadRequest, "idNumber", code);
    }

    [Fact]
    public async Task An_id_number_bound_to_another_account_is_a_409_and_the_first_account_keeps_it()
    {
        var person = NextPerson();
        var first = await SignedInCitizen();
        await VerifyId(first, person);
        var second = await SignedInCitizen();
        await (await second.PostAsJsonAsync("/api/me/verification/id", new { consent = TestConsents.Version, name = person.Name, idNumber = person.IdNumber }))
            .AssertProblem(HttpStatusCode.Conflict, "idNumber", "identity.id-number-in-use");
        Assert.Equal("L2", (await (await first.GetAsync("/api/me")).Json()).GetProperty("assuranceLevel").GetString());
    }

    [Fact]
    public async Task A_verified_identity_cannot_be_swapped_for_another_persons()
    {
        var citizen = await SignedInCitizen();
        var person = NextPerson();
        await VerifyId(citizen, person);
        await citizen.PostAsJsonAsync("/api/me/verification/face", new { nonce = await Challenge(citizen), image = Convert.ToBase64String(person.LiveSnapshotPng()) });
        var other = NextPerson();
        await (await citizen.PostAsJsonAsync("/api/me/verification/id", new { consent = TestConsents.Version, name = other.Name, idNumber = other.IdNumber }))
            .AssertProblem(HttpStatusCode.Conflict, "idNumber", "identity.already-verified");
        var me = await (await citizen.GetAsync("/api/me")).Json();
        Assert.Equal("L3", me.GetProperty("assuranceLevel").GetString());
        Assert.EndsWith(person.IdNumber[^4..], me.GetProperty("idNumberMasked").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Asking_about_id_numbers_bound_elsewhere_counts_against_the_daily_tries()
    {
        var owner = await SignedInCitizen();
        var person = NextPerson();
        await VerifyId(owner, person);
        var prober = await SignedInCitizen();
        for (var i = 0; i < 5; i++)
        {
            await (await prober.PostAsJsonAsync("/api/me/verification/id", new { consent = TestConsents.Version, name = "任意", idNumber = person.IdNumber })).AssertProblem(HttpStatusCode.Conflict);
        }

        await (await prober.PostAsJsonAsync("/api/me/verification/id", new { consent = TestConsents.Version, name = "任意", idNumber = person.IdNumber }))
            .AssertProblem(HttpStatusCode.TooManyRequests, code: "identity.too-many-tries");
    }

    [Fact]
    public async Task Five_registry_checks_a_day_then_429()
    {
        var citizen = await SignedInCitizen();
        var person = NextPerson();
        for (var i = 0; i < 5; i++)
        {
            await (await citizen.PostAsJsonAsync("/api/me/verification/id", new { consent = TestConsents.Version, name = person.Name + "乙", idNumber = person.IdNumber }))
                .AssertProblem(HttpStatusCode.BadRequest, "name");
        }

        var limited = await citizen.PostAsJsonAsync("/api/me/verification/id", new { consent = TestConsents.Version, name = person.Name, idNumber = person.IdNumber });
        await limited.AssertProblem(HttpStatusCode.TooManyRequests, code: "identity.too-many-tries");
        Assert.NotNull(limited.Headers.RetryAfter);
    }

    [Fact]
    public async Task Starting_a_service_below_its_level_is_a_403_naming_the_level()
    {
        var citizen = await SignedInCitizen();
        Assert.True((await (await citizen.GetAsync("/api/regions/330100/services/TR-0001/eligibility")).Json()).GetProperty("allowed").GetBoolean());

        var problem = await (await citizen.GetAsync("/api/regions/330100/services/HF-0002/eligibility")).AssertProblem(HttpStatusCode.Forbidden, code: "identity.level-required");
        Assert.Equal("L2", problem.GetProperty("requiredLevel").GetString());
        Assert.Equal("L1", problem.GetProperty("currentLevel").GetString());

        await VerifyId(citizen, NextPerson());
        Assert.True((await (await citizen.GetAsync("/api/regions/330100/services/HF-0002/eligibility")).Json()).GetProperty("allowed").GetBoolean());
        var passport = await (await citizen.GetAsync("/api/regions/330100/services/EE-0001/eligibility")).AssertProblem(HttpStatusCode.Forbidden);
        Assert.Equal("L3", passport.GetProperty("requiredLevel").GetString());
        Assert.Equal("/api/me/verification/face", passport.GetProperty("verify").GetString());
    }

    [Fact]
    public async Task Verification_and_eligibility_need_a_signed_in_citizen()
    {
        await (await _client.PostAsJsonAsync("/api/me/verification/id", new { consent = TestConsents.Version, name = "王小明", idNumber = "11010519491231002X" })).AssertProblem(HttpStatusCode.Unauthorized);
        await (await _client.GetAsync("/api/regions/330100/services/TR-0001/eligibility")).AssertProblem(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task The_catalog_tells_the_level_each_service_needs()
    {
        var passport = await (await _client.GetAsync("/api/regions/330100/services/EE-0001")).Json();
        Assert.Equal("L3", passport.GetProperty("requiredLevel").GetString());
    }
}

public sealed class VerificationApiTests_Sqlite(SqliteApp app) : VerificationApiTests(app), IClassFixture<SqliteApp>;

public sealed class VerificationApiTests_Postgres(PostgresApp app) : VerificationApiTests(app), IClassFixture<PostgresApp>;
