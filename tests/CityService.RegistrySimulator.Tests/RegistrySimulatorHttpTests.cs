using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using CityService.Core.Common;
using CityService.Core.Identity.Verification.Registry;
using CityService.Testing;
using Microsoft.Extensions.Logging.Testing;

namespace CityService.RegistrySimulator.Tests;

/// <summary>
/// The HTTP adapter against the simulator over real HTTP on a loopback port, plus the simulator's own guards
/// (signatures, replay, limits, malformed input) exercised with hand-made requests.
/// </summary>
public sealed class RegistrySimulatorHttpTests(RegistrySimulatorFixture fixture) : IClassFixture<RegistrySimulatorFixture>
{
    private static readonly SimulatedPerson Person = SimulatedPersons.All[0];
    private static readonly SimulatedPerson Other = SimulatedPersons.All[1];
    private static CancellationToken Ct => CancellationToken.None;

    [Fact]
    public async Task A_registered_person_with_the_right_name_is_a_match()
    {
        using var http = new HttpClient();
        var result = await Registry(http).VerifyIdentityAsync(Person.Name, Person.IdNumber, Ct);

        Assert.Equal(RegistryIdentityOutcome.Match, result.Outcome);
        Assert.True(result.IsMatch);
        Assert.Equal("ok", result.Reason);
        Assert.StartsWith("SIMREG-ID-", result.Reference, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_lower_case_check_character_and_surrounding_spaces_still_match()
    {
        var person = SimulatedPersons.All.FirstOrDefault(p => p.IdNumber.EndsWith('X')) ?? Person;
        using var http = new HttpClient();
        var result = await Registry(http).VerifyIdentityAsync($" {person.Name} ", person.IdNumber.ToLowerInvariant(), Ct);

        Assert.Equal(RegistryIdentityOutcome.Match, result.Outcome);
    }

    [Fact]
    public async Task A_wrong_name_is_a_name_mismatch()
    {
        using var http = new HttpClient();
        var result = await Registry(http).VerifyIdentityAsync(Other.Name, Person.IdNumber, Ct);

        Assert.Equal(RegistryIdentityOutcome.NameMismatch, result.Outcome);
        Assert.Equal("name-mismatch", result.Reason);
        Assert.False(result.IsMatch);
        Assert.NotNull(result.Reference);
    }

    [Fact]
    public async Task An_unknown_valid_id_number_is_not_found()
    {
        using var http = new HttpClient();
        var result = await Registry(http).VerifyIdentityAsync(Person.Name, SimulatedPersons.UnregisteredIdNumber, Ct);

        Assert.Equal(RegistryIdentityOutcome.NotFound, result.Outcome);
        Assert.Equal("not-found", result.Reason);
    }

    [Fact]
    public async Task A_live_snapshot_of_the_person_scores_at_least_0_9()
    {
        using var http = new HttpClient();
        var result = await Registry(http).CompareFaceAsync(Person.IdNumber, "challenge-1", Person.LiveSnapshotPng(seed: 42, size: 128), Ct);

        Assert.Equal(RegistryFaceOutcome.Compared, result.Outcome);
        Assert.True(result.Score >= 0.9, result.Score.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(result.IsMatchAt(RegistryFaceResult.DefaultMatchThreshold));
        Assert.StartsWith("SIMREG-FACE-", result.Reference, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Another_persons_face_scores_low()
    {
        using var http = new HttpClient();
        var result = await Registry(http).CompareFaceAsync(Person.IdNumber, "challenge-2", Other.LiveSnapshotPng(seed: 7), Ct);

        Assert.Equal(RegistryFaceOutcome.Compared, result.Outcome);
        Assert.True(result.Score <= 0.6, result.Score.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.False(result.IsMatchAt(RegistryFaceResult.DefaultMatchThreshold));
    }

    [Fact]
    public async Task A_face_compare_for_an_unknown_id_number_is_not_found()
    {
        using var http = new HttpClient();
        var result = await Registry(http).CompareFaceAsync(SimulatedPersons.UnregisteredIdNumber, "challenge-3", Person.LiveSnapshotPng(seed: 1), Ct);

        Assert.Equal(RegistryFaceOutcome.NotFound, result.Outcome);
    }

    [Fact]
    public async Task A_photo_that_is_not_a_readable_png_is_rejected_with_the_registrys_code()
    {
        using var http = new HttpClient();
        var registry = Registry(http);

        var notPng = await registry.CompareFaceAsync(Person.IdNumber, "challenge-4", "GIF89a not a png"u8.ToArray(), Ct);
        Assert.Equal(RegistryFaceOutcome.Rejected, notPng.Outcome);
        Assert.Equal("image-invalid", notPng.Detail);

        var tiny = await registry.CompareFaceAsync(Person.IdNumber, "challenge-5", PngCodecTests.Gradient(8, 8).ToPng(), Ct);
        Assert.Equal(RegistryFaceOutcome.Rejected, tiny.Outcome);
        Assert.Equal("image-too-small", tiny.Detail);
    }

    [Fact]
    public async Task A_photo_over_the_size_limit_is_rejected()
    {
        using var http = new HttpClient();
        var result = await Registry(http).CompareFaceAsync(Person.IdNumber, "challenge-6", new byte[600 * 1024], Ct);

        Assert.Equal(RegistryFaceOutcome.Rejected, result.Outcome);
        Assert.Equal("payload-too-large", result.Detail);
    }

    [Fact]
    public async Task An_identity_request_the_registry_refuses_is_unavailable_with_its_code()
    {
        using var http = new HttpClient();
        var result = await Registry(http).VerifyIdentityAsync(new string('张', 65), Person.IdNumber, Ct);

        Assert.Equal(RegistryIdentityOutcome.Unavailable, result.Outcome);
        Assert.Equal("request rejected (invalid-request)", result.Detail);
    }

    [Fact]
    public async Task A_wrong_secret_is_unavailable()
    {
        using var http = new HttpClient();
        var registry = new HttpPopulationRegistry(http, fixture.Options with { Secret = "not-the-secret" });

        var identity = await registry.VerifyIdentityAsync(Person.Name, Person.IdNumber, Ct);
        var face = await registry.CompareFaceAsync(Person.IdNumber, "challenge-7", Person.LiveSnapshotPng(seed: 1), Ct);

        Assert.Equal(RegistryIdentityOutcome.Unavailable, identity.Outcome);
        Assert.Contains("401", identity.Detail, StringComparison.Ordinal);
        Assert.Equal(RegistryFaceOutcome.Unavailable, face.Outcome);
    }

    [Fact]
    public async Task An_unknown_client_is_unavailable()
    {
        using var http = new HttpClient();
        var result = await new HttpPopulationRegistry(http, fixture.Options with { ClientId = "someone-else" }).VerifyIdentityAsync(Person.Name, Person.IdNumber, Ct);

        Assert.Equal(RegistryIdentityOutcome.Unavailable, result.Outcome);
    }

    [Fact]
    public async Task A_response_altered_in_transit_is_unavailable_not_a_match()
    {
        using var http = new HttpClient(new TamperingHandler(body => body.Replace("\"match\":false", "\"match\":true", StringComparison.Ordinal).Replace("name-mismatch", "ok", StringComparison.Ordinal)));
        var result = await Registry(http).VerifyIdentityAsync(Other.Name, Person.IdNumber, Ct);

        Assert.Equal(RegistryIdentityOutcome.Unavailable, result.Outcome);
        Assert.Contains("BadSignature", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_response_with_a_tampered_signature_is_unavailable()
    {
        using var http = new HttpClient(new TamperingHandler(signature: s => (s[0] == 'A' ? "B" : "A") + s[1..]));
        var result = await Registry(http).CompareFaceAsync(Person.IdNumber, "challenge-8", Person.LiveSnapshotPng(seed: 1), Ct);

        Assert.Equal(RegistryFaceOutcome.Unavailable, result.Outcome);
    }

    [Fact]
    public async Task A_response_verified_with_another_secret_is_unavailable()
    {
        // The simulator knows the same client under another secret: requests pass, its answers fail our check.
        await using var other = await RegistrySimulatorHost.StartAsync(RegistrySimulatorOptions.ForClient(RegistrySimulatorFixture.ClientId, "the-registrys-idea-of-the-secret"));
        using var http = new HttpClient(new ResigningHandler(RequestSigning.KeyFromSecret("the-registrys-idea-of-the-secret")));
        var result = await new HttpPopulationRegistry(http, other.ClientOptions(RegistrySimulatorFixture.ClientId) with { Secret = fixture.Secret }).VerifyIdentityAsync(Person.Name, Person.IdNumber, Ct);

        Assert.Equal(RegistryIdentityOutcome.Unavailable, result.Outcome);
        Assert.Contains("signature", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unsigned_answer_from_an_impostor_is_unavailable()
    {
        using var http = new HttpClient(new FakeRegistry(_ => Json(HttpStatusCode.OK, """{"match":true,"reason":"ok","reference":"FAKE"}""")));
        var result = await Registry(http).VerifyIdentityAsync(Person.Name, Person.IdNumber, Ct);

        Assert.Equal(RegistryIdentityOutcome.Unavailable, result.Outcome);
        Assert.Contains("Missing", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_correctly_signed_answer_for_another_challenge_is_unavailable()
    {
        var key = RequestSigning.KeyFromSecret(fixture.Secret);
        using var http = new HttpClient(new FakeRegistry(request =>
        {
            var nonce = request.Headers.GetValues(SignatureHeaderNames.Registry.Nonce).Single();
            var body = """{"score":0.99,"reference":"R","nonce":"some-other-challenge"}""";
            return Signed(Json(HttpStatusCode.OK, body), key, nonce, body);
        }));
        var result = await Registry(http).CompareFaceAsync(Person.IdNumber, "challenge-9", Person.LiveSnapshotPng(seed: 1), Ct);

        Assert.Equal(RegistryFaceOutcome.Unavailable, result.Outcome);
    }

    [Fact]
    public async Task A_signed_answer_replayed_for_a_new_request_is_unavailable()
    {
        var key = RequestSigning.KeyFromSecret(fixture.Secret);
        const string body = """{"match":true,"reason":"ok","reference":"R"}""";
        using var http = new HttpClient(new FakeRegistry(_ => Signed(Json(HttpStatusCode.OK, body), key, "0123456789abcdef0123456789abcdef", body)));
        var result = await Registry(http).VerifyIdentityAsync(Person.Name, Person.IdNumber, Ct);

        Assert.Equal(RegistryIdentityOutcome.Unavailable, result.Outcome);
    }

    [Theory]
    [InlineData(HttpStatusCode.InternalServerError)]
    [InlineData(HttpStatusCode.BadGateway)]
    [InlineData(HttpStatusCode.ServiceUnavailable)]
    public async Task A_server_error_is_unavailable(HttpStatusCode status)
    {
        using var http = new HttpClient(new FakeRegistry(_ => Json(status, """{"error":"down"}""")));
        var result = await Registry(http).VerifyIdentityAsync(Person.Name, Person.IdNumber, Ct);

        Assert.Equal(RegistryIdentityOutcome.Unavailable, result.Outcome);
    }

    [Fact]
    public async Task A_registry_that_cannot_be_reached_is_unavailable()
    {
        var stopped = await RegistrySimulatorHost.StartAsync(RegistrySimulatorOptions.ForClient("x", "y"));
        var address = stopped.BaseAddress;
        await stopped.DisposeAsync();
        using var http = new HttpClient();
        var result = await new HttpPopulationRegistry(http, new PopulationRegistryOptions(address, "x", "y")).VerifyIdentityAsync(Person.Name, Person.IdNumber, Ct);

        Assert.Equal(RegistryIdentityOutcome.Unavailable, result.Outcome);
        Assert.Contains("network", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_registry_slower_than_the_timeout_is_unavailable()
    {
        using var http = new HttpClient(new FakeRegistry(_ => Json(HttpStatusCode.OK, "{}"), delay: TimeSpan.FromSeconds(30)));
        var registry = new HttpPopulationRegistry(http, fixture.Options with { Timeout = TimeSpan.FromMilliseconds(200) });

        var result = await registry.CompareFaceAsync(Person.IdNumber, "challenge-10", Person.LiveSnapshotPng(seed: 1), Ct);

        Assert.Equal(RegistryFaceOutcome.Unavailable, result.Outcome);
        Assert.Equal("timeout", result.Detail);
    }

    [Fact]
    public async Task Cancelling_a_call_throws_instead_of_reporting_unavailable()
    {
        using var http = new HttpClient(new FakeRegistry(_ => Json(HttpStatusCode.OK, "{}"), delay: TimeSpan.FromSeconds(30)));
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Registry(http).VerifyIdentityAsync(Person.Name, Person.IdNumber, cancel.Token));
    }

    [Fact]
    public async Task Unavailable_outcomes_are_logged_without_names_or_id_numbers()
    {
        var logger = new FakeLogger<HttpPopulationRegistry>();
        using var http = new HttpClient();
        var registry = new HttpPopulationRegistry(http, fixture.Options with { Secret = "wrong" }, null, logger);

        await registry.VerifyIdentityAsync(Person.Name, Person.IdNumber, Ct);
        await registry.CompareFaceAsync(Person.IdNumber, "challenge-11", Person.LiveSnapshotPng(seed: 1), Ct);

        var messages = logger.Collector.GetSnapshot().Select(r => r.Message + " " + r.Exception).ToList();
        Assert.NotEmpty(messages);
        Assert.All(messages, m =>
        {
            Assert.DoesNotContain(Person.IdNumber, m, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(Person.Name, m, StringComparison.Ordinal);
        });
    }

    // --- the simulator's own guards, with hand-made requests -------------------------------------------------------

    [Fact]
    public async Task Answers_are_signed_for_the_request_nonce()
    {
        using var http = new HttpClient();
        var body = IdentityBody(Person.Name, Person.IdNumber);
        var nonce = RequestSigning.NewNonce();
        using var response = await SendAsync(http, PopulationRegistryApi.IdentityVerifyPath, body, nonce: nonce);
        var content = await response.Content.ReadAsByteArrayAsync(Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var verdict = new SignatureVerifier(TimeProvider.System).VerifyResponse(
            RequestSigning.KeyFromSecret(fixture.Secret),
            nonce,
            response.Headers.GetValues("X-Registry-Timestamp").Single(),
            response.Headers.GetValues("X-Registry-Signature").Single(),
            content);
        Assert.Equal(SignatureVerdict.Valid, verdict);
        using var json = JsonDocument.Parse(content);
        Assert.True(json.RootElement.GetProperty("match").GetBoolean());
        Assert.Equal("ok", json.RootElement.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task A_replayed_request_is_rejected_by_the_simulator()
    {
        using var http = new HttpClient();
        var body = IdentityBody(Person.Name, Person.IdNumber);
        var nonce = RequestSigning.NewNonce();
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        using var first = await SendAsync(http, PopulationRegistryApi.IdentityVerifyPath, body, nonce: nonce, timestamp: timestamp);
        using var replay = await SendAsync(http, PopulationRegistryApi.IdentityVerifyPath, body, nonce: nonce, timestamp: timestamp);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        await AssertErrorAsync(replay, HttpStatusCode.Unauthorized, "nonce-reused");
        Assert.False(replay.Headers.Contains("X-Registry-Signature"));
    }

    [Theory]
    [InlineData(-303)]
    [InlineData(303)] // a few seconds past the limit: this test runs on the system clock, and a busy machine takes a second or two
    public async Task A_timestamp_more_than_five_minutes_off_is_rejected(int offsetSeconds)
    {
        using var http = new HttpClient();
        using var response = await SendAsync(http, PopulationRegistryApi.IdentityVerifyPath, IdentityBody(Person.Name, Person.IdNumber), timestamp: DateTimeOffset.UtcNow.ToUnixTimeSeconds() + offsetSeconds);

        await AssertErrorAsync(response, HttpStatusCode.Unauthorized, "timestamp-out-of-range");
    }

    [Fact]
    public async Task A_request_signed_for_another_path_is_rejected()
    {
        using var http = new HttpClient();
        using var response = await SendAsync(http, PopulationRegistryApi.IdentityVerifyPath, IdentityBody(Person.Name, Person.IdNumber), signedPath: PopulationRegistryApi.FaceComparePath);

        await AssertErrorAsync(response, HttpStatusCode.Unauthorized, "signature-invalid");
    }

    [Fact]
    public async Task An_unsigned_request_is_rejected()
    {
        using var http = new HttpClient();
        using var content = new ByteArrayContent(IdentityBody(Person.Name, Person.IdNumber));
        using var response = await http.PostAsync(new Uri(fixture.Host.BaseAddress, PopulationRegistryApi.IdentityVerifyPath), content, Ct);

        await AssertErrorAsync(response, HttpStatusCode.Unauthorized, "unknown-client");
    }

    [Fact]
    public async Task A_body_over_512_kib_is_413()
    {
        using var http = new HttpClient();
        using var response = await SendAsync(http, PopulationRegistryApi.FaceComparePath, new byte[(512 * 1024) + 1]);

        await AssertErrorAsync(response, HttpStatusCode.RequestEntityTooLarge, "payload-too-large");
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("[]")]
    [InlineData("""{"name":1,"idNumber":"x"}""")]
    [InlineData("""{"name":"a","name":"b","idNumber":"x"}""")]
    [InlineData("""{"idNumber":"11010519491231002X"}""")]
    public async Task Malformed_identity_requests_are_400_and_still_signed(string json)
    {
        using var http = new HttpClient();
        using var response = await SendAsync(http, PopulationRegistryApi.IdentityVerifyPath, Encoding.UTF8.GetBytes(json));

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, null);
        Assert.True(response.Headers.Contains("X-Registry-Signature"));
    }

    [Theory]
    [InlineData("%%%not-base64%%%", "image-not-base64")]
    [InlineData("R0lGODlhAQABAAAAACw=", "image-invalid")]
    public async Task Malformed_images_are_400(string image, string code)
    {
        using var http = new HttpClient();
        var body = JsonSerializer.SerializeToUtf8Bytes(new { idNumber = Person.IdNumber, nonce = "n", image });
        using var response = await SendAsync(http, PopulationRegistryApi.FaceComparePath, body);

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, code);
    }

    [Fact]
    public async Task A_jpeg_snapshot_is_compared_like_a_png()
    {
        using var http = new HttpClient();
        var registry = Registry(http);

        var same = await registry.CompareFaceAsync(Person.IdNumber, "challenge-13", Person.LiveSnapshotJpeg(seed: 13, size: 128), Ct);
        var other = await registry.CompareFaceAsync(Person.IdNumber, "challenge-14", Other.LiveSnapshotJpeg(seed: 13), Ct);

        Assert.Equal(RegistryFaceOutcome.Compared, same.Outcome);
        Assert.True(same.Score >= 0.95, $"same person: {same.Score}");
        Assert.True(other.Score < 0.85, $"another person: {other.Score}");
    }

    [Fact]
    public async Task A_colour_snapshot_is_compared_by_its_luminance()
    {
        var face = Person.LiveSnapshot(seed: 9);
        var rgb = new byte[64 * 64 * 3];
        for (var i = 0; i < 64 * 64; i++)
        {
            rgb[i * 3] = rgb[(i * 3) + 1] = rgb[(i * 3) + 2] = face.Pixels[i];
        }

        using var http = new HttpClient();
        var result = await Registry(http).CompareFaceAsync(Person.IdNumber, "challenge-12", Photo.EncodePng(rgb, 64, 64, 3), Ct);

        Assert.True(result.Score >= 0.9);
    }

    // --- helpers ---------------------------------------------------------------------------------------------------

    private HttpPopulationRegistry Registry(HttpClient http) => new(http, fixture.Options);

    private static byte[] IdentityBody(string name, string idNumber) => JsonSerializer.SerializeToUtf8Bytes(new { name, idNumber });

    private async Task<HttpResponseMessage> SendAsync(HttpClient http, string path, byte[] body, string? nonce = null, long? timestamp = null, string? signedPath = null)
    {
        var ts = timestamp ?? DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        nonce ??= RequestSigning.NewNonce();
        var key = RequestSigning.KeyFromSecret(fixture.Secret);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(fixture.Host.BaseAddress, path.TrimStart('/')));
        request.Content = new ByteArrayContent(body);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Add("X-Registry-Client", RegistrySimulatorFixture.ClientId);
        request.Headers.Add("X-Registry-Timestamp", RequestSigning.FormatTimestamp(ts));
        request.Headers.Add("X-Registry-Nonce", nonce);
        request.Headers.Add("X-Registry-Signature", RequestSigning.SignRequest(key, "POST", signedPath ?? path, ts, nonce, body));
        return await http.SendAsync(request, Ct);
    }

    private static async Task AssertErrorAsync(HttpResponseMessage response, HttpStatusCode status, string? code)
    {
        Assert.Equal(status, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        var error = json.RootElement.GetProperty("error").GetString();
        Assert.False(string.IsNullOrEmpty(json.RootElement.GetProperty("message").GetString()));
        if (code is not null)
        {
            Assert.Equal(code, error);
        }
    }

    private static HttpResponseMessage Json(HttpStatusCode status, string body) =>
        new(status) { Content = new StringContent(body, Encoding.UTF8, "application/json") };

    private static HttpResponseMessage Signed(HttpResponseMessage response, byte[] key, string nonce, string body)
    {
        var ts = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        response.Headers.Add("X-Registry-Timestamp", RequestSigning.FormatTimestamp(ts));
        response.Headers.Add("X-Registry-Signature", RequestSigning.SignResponse(key, ts, nonce, Encoding.UTF8.GetBytes(body)));
        return response;
    }

    /// <summary>A stand-in registry that answers without any network.</summary>
    private sealed class FakeRegistry(Func<HttpRequestMessage, HttpResponseMessage> answer, TimeSpan? delay = null) : HttpMessageHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (delay is { } d)
            {
                await Task.Delay(d, cancellationToken);
            }

            return answer(request);
        }
    }

    /// <summary>A man in the middle: passes requests to the real simulator and alters its answers.</summary>
    private sealed class TamperingHandler(Func<string, string>? body = null, Func<string, string>? signature = null) : DelegatingHandler(new SocketsHttpHandler())
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            if (body is not null)
            {
                var text = await response.Content.ReadAsStringAsync(cancellationToken);
                var altered = body(text);
                Assert.NotEqual(text, altered);
                var headers = response.Content.Headers.ContentType;
                response.Content = new StringContent(altered, Encoding.UTF8);
                response.Content.Headers.ContentType = headers;
            }

            if (signature is not null && response.Headers.TryGetValues("X-Registry-Signature", out var values))
            {
                var original = values.Single();
                response.Headers.Remove("X-Registry-Signature");
                response.Headers.Add("X-Registry-Signature", signature(original));
            }

            return response;
        }
    }

    /// <summary>Re-signs requests (same timestamp and nonce) with another key, as a client configured with that secret would.</summary>
    private sealed class ResigningHandler(byte[] key) : DelegatingHandler(new SocketsHttpHandler())
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(cancellationToken);
            var timestamp = long.Parse(request.Headers.GetValues("X-Registry-Timestamp").Single(), System.Globalization.CultureInfo.InvariantCulture);
            var nonce = request.Headers.GetValues("X-Registry-Nonce").Single();
            request.Headers.Remove("X-Registry-Signature");
            request.Headers.Add("X-Registry-Signature", RequestSigning.SignRequest(key, "POST", request.RequestUri!.PathAndQuery, timestamp, nonce, body));
            return await base.SendAsync(request, cancellationToken);
        }
    }
}
