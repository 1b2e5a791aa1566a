using System.Text;
using CityService.Core.Common;
using CityService.Core.Identity.Verification.Registry;

using Microsoft.Extensions.Time.Testing;

namespace CityService.Tests.Identity.Verification;

public sealed class RequestSigningTests
{
    // Known vector, computed independently (Python: hmac.new(key, canonical, hashlib.sha256), base64).
    private static readonly byte[] Key = Encoding.UTF8.GetBytes("registry-test-secret");
    private static readonly byte[] Body = Encoding.UTF8.GetBytes("""{"name":"张伟","idNumber":"11010519491231002X"}""");
    private const string Path = "/registry/v1/identity/verify?trace=1";
    private const long Timestamp = 1_764_000_000;
    private const string Nonce = "0123456789abcdef0123456789abcdef";
    private const string BodyHash = "891a6fc7a6022183dd5659fb0f4bf4d291ed875c9162ce0dbc7a354a87a81ff7";
    private const string ExpectedSignature = "6SRzN08LMAgqpsnKekcfF+NGAzchCnWE/Q9ENdbOJvc=";
    private const string ExpectedResponseSignature = "jOiW/HIAedzUlFbxk/igwpkZZLXOOvlqunLhaYe9WG4=";

    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(Timestamp);

    [Fact]
    public void The_request_signature_matches_a_known_vector()
    {
        var canonical = RequestSigning.CanonicalRequest("post", Path, Timestamp, Nonce, Body);

        Assert.Equal($"POST\n{Path}\n1764000000\n{Nonce}\n{BodyHash}", canonical);
        Assert.Equal(ExpectedSignature, RequestSigning.Sign(Key, canonical));
        Assert.Equal(ExpectedSignature, RequestSigning.SignRequest(Key, "POST", Path, Timestamp, Nonce, Body));
        Assert.True(RequestSigning.Verify(Key, canonical, ExpectedSignature));
    }

    [Fact]
    public void The_response_signature_matches_a_known_vector()
    {
        var body = """{"match":true}"""u8;

        Assert.Equal(ExpectedResponseSignature, RequestSigning.SignResponse(Key, Timestamp, Nonce, body));
        Assert.Equal(SignatureVerdict.Valid, new SignatureVerifier(new FakeTimeProvider(Now)).VerifyResponse(Key, Nonce, "1764000000", ExpectedResponseSignature, body));
    }

    [Fact]
    public void An_empty_body_hashes_as_the_sha256_of_nothing()
    {
        Assert.Equal("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", RequestSigning.HexSha256([]));
        Assert.EndsWith("\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", RequestSigning.CanonicalRequest("get", "/x", 1, Nonce, []), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("method")]
    [InlineData("path")]
    [InlineData("query")]
    [InlineData("timestamp")]
    [InlineData("nonce")]
    [InlineData("body")]
    [InlineData("key")]
    public void Changing_any_signed_part_fails_verification(string part)
    {
        var verifier = new SignatureVerifier(new FakeTimeProvider(Now));
        var body = (byte[])Body.Clone();
        var key = (byte[])Key.Clone();
        string method = "POST", path = Path, nonce = Nonce, timestamp = "1764000000";
        switch (part)
        {
            case "method": method = "PUT"; break;
            case "path": path = "/registry/v1/face/compare?trace=1"; break;
            case "query": path = "/registry/v1/identity/verify?trace=2"; break;
            case "timestamp": timestamp = "1764000001"; break;
            case "nonce": nonce = "0123456789abcdef0123456789abcdee"; break;
            case "body": body[^3] ^= 1; break;
            case "key": key[0] ^= 1; break;
        }

        Assert.Equal(SignatureVerdict.Valid, verifier.VerifyRequest(Key, "POST", Path, "1764000000", Nonce, ExpectedSignature, Body));
        Assert.Equal(SignatureVerdict.BadSignature, verifier.VerifyRequest(key, method, path, timestamp, nonce, ExpectedSignature, body));
    }

    [Theory]
    [InlineData("")]
    [InlineData("not base64!")]
    [InlineData("6SRzN08LMAgqpsnKekcfF+NGAzchCnWE")]
    [InlineData("6SRzN08LMAgqpsnKekcfF+NGAzchCnWE/Q9ENdbOJvcA")]
    [InlineData("7SRzN08LMAgqpsnKekcfF+NGAzchCnWE/Q9ENdbOJvc=")]
    public void Malformed_or_wrong_signatures_are_refused_without_throwing(string signature)
    {
        var canonical = RequestSigning.CanonicalRequest("POST", Path, Timestamp, Nonce, Body);
        Assert.False(RequestSigning.Verify(Key, canonical, signature));
        Assert.False(RequestSigning.Verify(Key, canonical, null));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-300)]
    [InlineData(300)]
    public void Timestamps_within_five_minutes_either_way_are_accepted(int offsetSeconds)
    {
        var verifier = new SignatureVerifier(new FakeTimeProvider(Now.AddSeconds(offsetSeconds)));
        Assert.Equal(SignatureVerdict.Valid, verifier.VerifyRequest(Key, "POST", Path, "1764000000", Nonce, ExpectedSignature, Body));
    }

    [Theory]
    [InlineData(-301)]
    [InlineData(301)]
    [InlineData(-86_400)]
    public void Timestamps_more_than_five_minutes_away_are_refused(int offsetSeconds)
    {
        var verifier = new SignatureVerifier(new FakeTimeProvider(Now.AddSeconds(offsetSeconds)));
        Assert.Equal(SignatureVerdict.TimestampOutOfRange, verifier.VerifyRequest(Key, "POST", Path, "1764000000", Nonce, ExpectedSignature, Body));
    }

    [Theory]
    [InlineData(null, Nonce, ExpectedSignature, SignatureVerdict.Missing)]
    [InlineData("1764000000", "", ExpectedSignature, SignatureVerdict.Missing)]
    [InlineData("1764000000", Nonce, null, SignatureVerdict.Missing)]
    [InlineData("+1764000000", Nonce, ExpectedSignature, SignatureVerdict.MalformedTimestamp)]
    [InlineData("1764000000.0", Nonce, ExpectedSignature, SignatureVerdict.MalformedTimestamp)]
    [InlineData("١٧٦٤٠٠٠٠٠٠", Nonce, ExpectedSignature, SignatureVerdict.MalformedTimestamp)]
    [InlineData("1764000000", "short", ExpectedSignature, SignatureVerdict.MalformedNonce)]
    [InlineData("1764000000", "0123456789abcdef\n0123456789abcdef", ExpectedSignature, SignatureVerdict.MalformedNonce)]
    public void Missing_or_malformed_headers_are_named(string? timestamp, string nonce, string? signature, SignatureVerdict expected)
    {
        var verifier = new SignatureVerifier(new FakeTimeProvider(Now));
        Assert.Equal(expected, verifier.VerifyRequest(Key, "POST", Path, timestamp, nonce, signature, Body));
    }

    [Fact]
    public void Signing_an_http_request_sets_the_four_headers_with_the_path_as_sent()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("http://127.0.0.1:5000/api/x%20y?b=2&a=1"));
        var nonce = RequestSigning.SignHttpRequest(request, SignatureHeaderNames.Platform, "partner-1", Key, Body, new FakeTimeProvider(Now));

        string H(string name) => request.Headers.GetValues(name).Single();
        Assert.Equal("partner-1", H("X-CS-Client"));
        Assert.Equal("1764000000", H("X-CS-Timestamp"));
        Assert.Equal(nonce, H("X-CS-Nonce"));
        Assert.True(RequestSigning.IsWellFormedNonce(nonce));
        Assert.Equal(
            SignatureVerdict.Valid,
            new SignatureVerifier(new FakeTimeProvider(Now)).VerifyRequest(Key, "POST", "/api/x%20y?b=2&a=1", H("X-CS-Timestamp"), nonce, H("X-CS-Signature"), Body));
    }

    [Fact]
    public void Each_signed_request_gets_a_fresh_nonce()
    {
        var nonces = Enumerable.Range(0, 100).Select(_ => RequestSigning.NewNonce()).ToHashSet();
        Assert.Equal(100, nonces.Count);
    }

    [Fact]
    public void A_nonce_is_accepted_once_per_client_until_it_expires()
    {
        var time = new FakeTimeProvider(Now);
        var cache = new NonceReplayCache(time);

        Assert.True(cache.TryUse("a", Nonce));
        Assert.False(cache.TryUse("a", Nonce));
        Assert.True(cache.TryUse("b", Nonce));

        time.SetUtcNow(Now.AddMinutes(9));
        Assert.False(cache.TryUse("a", Nonce));
        time.SetUtcNow(Now.AddMinutes(11)); // past twice the allowed skew: its timestamp is refused anyway
        Assert.True(cache.TryUse("a", Nonce));
    }

    [Fact]
    public void Expired_nonces_are_swept()
    {
        var time = new FakeTimeProvider(Now);
        var cache = new NonceReplayCache(time);
        for (var i = 0; i < 50; i++)
        {
            cache.TryUse("a", RequestSigning.NewNonce());
        }

        time.SetUtcNow(Now.AddHours(1));
        cache.TryUse("a", RequestSigning.NewNonce());
        Assert.Equal(1, cache.Count);
    }

    [Fact]
    public void Registry_options_do_not_print_the_secret()
    {
        var options = new PopulationRegistryOptions(new Uri("http://127.0.0.1:1/"), "platform", "s3cr3t-value");
        Assert.DoesNotContain("s3cr3t-value", options.ToString(), StringComparison.Ordinal);
    }
}
