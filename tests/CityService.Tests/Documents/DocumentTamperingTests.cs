using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using CityService.Core.Documents;

namespace CityService.Tests.Documents;

/// <summary>
/// The envelope against every kind of change: each payload member, the header, the signature, the key's issuer and
/// revocation, and input that is not a JWS at all (which never throws). The JWKS reader beside it.
/// </summary>
public sealed class DocumentTamperingTests : IDisposable
{
    private const string Issuer = "330100-PSB";
    private static readonly DateTimeOffset IssuedAt = DateTimeOffset.FromUnixTimeSeconds(1_795_000_000);
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly DocumentClaims _claims = new(DocumentKinds.Invoice, Guid.CreateVersion7(), Issuer, IssuedAt,
        new Dictionary<string, string>(StringComparer.Ordinal) { ["amt"] = "20000", ["no"] = "0000000001", ["payer"] = "张*三", ["chk"] = "123456" });

    private string Kid => IssuerKeys.KeyIdOf(_key.ExportSubjectPublicKeyInfo());

    private VerificationKey Published(string issuer = Issuer, DateTimeOffset? revokedAt = null) =>
        new(Kid, issuer, _key.ExportSubjectPublicKeyInfo(), IssuedAt.AddDays(-1), null, revokedAt);

    private VerificationResult Verify(string compact, VerificationKey? key = null)
    {
        var k = key ?? Published();
        return DocumentEnvelope.Verify(compact, kid => kid == k.KeyId ? k : null);
    }

    private static string Part(JsonNode json) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(json.ToJsonString()));

    private static JsonObject Decode(string part) => JsonNode.Parse(Base64Url.DecodeFromChars(part))!.AsObject();

    [Fact]
    public void Every_payload_member_changed_is_a_bad_signature()
    {
        var compact = DocumentEnvelope.Sign(_key, Kid, _claims);
        Assert.True(Verify(compact).Valid);
        var parts = compact.Split('.');
        var changes = new List<Action<JsonObject>>
        {
            p => p["iss"] = "330100-HZWATER",
            p => p["iat"] = p["iat"]!.GetValue<long>() + 1,
            p => p["jti"] = Guid.CreateVersion7().ToString("N"),
            p => p["knd"] = DocumentKinds.Certificate,
            p => p["d"]!["extra"] = "1",
            p => p["d"]!.AsObject().Remove("chk"),
        };
        changes.AddRange(_claims.Fields.Keys.Select(name => (Action<JsonObject>)(p => p["d"]![name] = p["d"]![name]!.GetValue<string>() + "0")));

        foreach (var change in changes)
        {
            var payload = Decode(parts[1]);
            change(payload);
            var result = Verify($"{parts[0]}.{Part(payload)}.{parts[2]}");
            Assert.False(result.Valid, payload.ToJsonString());
            Assert.Equal(VerificationReasons.BadSignature, result.Reason);
            Assert.NotNull(result.Document); // the page still shows what the forged document claims
        }
    }

    [Fact]
    public void A_changed_header_or_signature_does_not_verify()
    {
        var compact = DocumentEnvelope.Sign(_key, Kid, _claims);
        var parts = compact.Split('.');
        var signature = Base64Url.DecodeFromChars(parts[2]);

        var extra = Decode(parts[0]);
        extra["typ"] = "JWT";
        Assert.Equal(VerificationReasons.BadSignature, Verify($"{Part(extra)}.{parts[1]}.{parts[2]}").Reason);
        var es384 = Decode(parts[0]);
        es384["alg"] = "ES384";
        Assert.Equal(VerificationReasons.UnsupportedAlgorithm, Verify($"{Part(es384)}.{parts[1]}.{parts[2]}").Reason);
        var none = Decode(parts[0]);
        none["alg"] = "none";
        Assert.Equal(VerificationReasons.UnsupportedAlgorithm, Verify($"{Part(none)}.{parts[1]}.{parts[2]}").Reason);
        var otherKid = Decode(parts[0]);
        otherKid["kid"] = "0123456789abcdef";
        Assert.Equal(VerificationReasons.UnknownKey, Verify($"{Part(otherKid)}.{parts[1]}.{parts[2]}").Reason);

        for (var i = 0; i < signature.Length; i += 7)
        {
            var flipped = (byte[])signature.Clone();
            flipped[i] ^= 0x01;
            Assert.Equal(VerificationReasons.BadSignature, Verify($"{parts[0]}.{parts[1]}.{Base64Url.EncodeToString(flipped)}").Reason);
        }

        Assert.Equal(VerificationReasons.BadSignature, Verify($"{parts[0]}.{parts[1]}.{Base64Url.EncodeToString(signature.AsSpan(0, 63))}").Reason);
        Assert.Equal(VerificationReasons.BadSignature, Verify($"{parts[0]}.{parts[1]}.{Base64Url.EncodeToString([.. signature, 0])}").Reason);
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        Assert.Equal(VerificationReasons.BadSignature, Verify(DocumentEnvelope.Sign(other, Kid, _claims)).Reason); // right kid, wrong key
    }

    [Fact]
    public void Unknown_key_issuer_mismatch_and_revocation_are_told_apart()
    {
        var compact = DocumentEnvelope.Sign(_key, Kid, _claims);
        Assert.Equal(VerificationReasons.UnknownKey, DocumentEnvelope.Verify(compact, _ => null).Reason);
        Assert.Equal(VerificationReasons.IssuerMismatch, Verify(compact, Published("330100-HZWATER")).Reason);

        Assert.True(Verify(compact, Published(revokedAt: IssuedAt.AddSeconds(1))).Valid); // signed before the revocation
        Assert.Equal(VerificationReasons.KeyRevoked, Verify(compact, Published(revokedAt: IssuedAt)).Reason); // at it
        Assert.Equal(VerificationReasons.KeyRevoked, Verify(compact, Published(revokedAt: IssuedAt.AddMilliseconds(500))).Reason); // within its second
        Assert.Equal(VerificationReasons.KeyRevoked, Verify(compact, Published(revokedAt: IssuedAt.AddDays(-1))).Reason);
    }

    [Theory]
    [InlineData("")]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("a.b")]
    [InlineData("a.b.c.d")]
    [InlineData("a!.b.c")]
    [InlineData("eyJ=.eyJ.c")]
    [InlineData("a.b.c\u0000")]
    [InlineData("\u0007.\u001b.\n")]
    [InlineData("票据.票据.票据")]
    public void Malformed_input_is_malformed_and_never_throws(string compact) =>
        Assert.Equal(VerificationReasons.Malformed, Verify(compact).Reason);

    [Fact]
    public void Structurally_wrong_jws_is_malformed()
    {
        var compact = DocumentEnvelope.Sign(_key, Kid, _claims);
        var parts = compact.Split('.');
        string Raw(string json) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(json));
        var kid = $"\"kid\":\"{Kid}\"";
        var cases = new[]
        {
            new string('a', 3000),
            compact + new string('A', 3000),
            $"{Raw("[]")}.{parts[1]}.{parts[2]}",
            $"{Raw("\"ES256\"")}.{parts[1]}.{parts[2]}",
            $"{Raw("{\"alg\":\"ES256\"")}.{parts[1]}.{parts[2]}",
            $"{Raw($"{{\"alg\":\"none\",\"alg\":\"ES256\",{kid}}}")}.{parts[1]}.{parts[2]}", // duplicate member
            $"{Raw($"{{\"alg\":\"ES256\",{kid},\"crit\":[\"exp\"]}}")}.{parts[1]}.{parts[2]}",
            $"{Raw($"{{\"alg\":\"ES256\",\"kid\":7}}")}.{parts[1]}.{parts[2]}",
            $"{parts[0]}.{Raw("[1,2]")}.{parts[2]}",
            $"{parts[0]}.{Raw("null")}.{parts[2]}",
            $"{parts[0]}.{Raw("{\"iss\":\"a\",\"iss\":\"b\",\"iat\":1,\"jti\":\"00000000000000000000000000000000\",\"knd\":\"invoice\",\"d\":{}}")}.{parts[2]}",
            $"{parts[0]}.{Raw("{\"iss\":\"a\",\"iat\":1,\"jti\":\"00000000000000000000000000000000\",\"knd\":\"invoice\",\"d\":{\"x\":\"1\",\"x\":\"2\"}}")}.{parts[2]}",
            $"{parts[0]}.{Raw("{\"iss\":\"a\",\"iat\":1,\"jti\":\"00000000000000000000000000000000\",\"knd\":\"invoice\",\"d\":{\"amt\":20000}}")}.{parts[2]}",
            $"{parts[0]}.{Raw("{\"iss\":\"a\",\"iat\":-1,\"jti\":\"00000000000000000000000000000000\",\"knd\":\"invoice\",\"d\":{}}")}.{parts[2]}",
            $"{parts[0]}.{Raw("{\"iss\":\"a\",\"iat\":1.5,\"jti\":\"00000000000000000000000000000000\",\"knd\":\"invoice\",\"d\":{}}")}.{parts[2]}",
            $"{parts[0]}.{Raw("{\"iss\":\"a\",\"iat\":1,\"jti\":\"not-hex\",\"knd\":\"invoice\",\"d\":{}}")}.{parts[2]}",
            $"{parts[0]}.{Raw(new string('[', 5000))}.{parts[2]}",
            $"{parts[0]}.{Raw("{\"iss\":")}.{parts[2]}",
        };

        foreach (var input in cases)
        {
            var result = Verify(input);
            Assert.False(result.Valid, input);
            Assert.True(result.Reason == VerificationReasons.Malformed, $"{result.Reason}: {input[..Math.Min(input.Length, 120)]}");
        }
    }

    [Fact]
    public void A_key_set_round_trips_and_refuses_keys_it_does_not_use()
    {
        using var second = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var secondKid = IssuerKeys.KeyIdOf(second.ExportSubjectPublicKeyInfo());
        var json = Encoding.UTF8.GetString(DocumentKeySet.ToJson([
            Published(),
            new VerificationKey(secondKid, "platform", second.ExportSubjectPublicKeyInfo(), IssuedAt, IssuedAt.AddDays(1), IssuedAt.AddDays(2)),
        ]));
        var set = JsonNode.Parse(json)!["keys"]!.AsArray();
        Assert.Equal(["kty", "crv", "x", "y", "kid", "use", "alg", "iss", "created_at"], set[0]!.AsObject().Select(p => p.Key));
        Assert.Equal(IssuedAt.AddDays(2).ToUnixTimeSeconds(), set[1]!["revoked_at"]!.GetValue<long>());

        var keyOf = DocumentKeySet.Parse(json);
        Assert.True(DocumentEnvelope.Verify(DocumentEnvelope.Sign(_key, Kid, _claims), keyOf).Valid);
        Assert.Equal(IssuedAt.AddDays(2), keyOf(secondKid)!.RevokedAt);
        Assert.Equal(second.ExportSubjectPublicKeyInfo(), keyOf(secondKid)!.SubjectPublicKeyInfo);

        JsonObject Changed(Action<JsonObject> change)
        {
            var jwk = set[0]!.DeepClone().AsObject();
            change(jwk);
            return jwk;
        }

        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        var q = p384.ExportParameters(false).Q;
        var refused = new JsonArray(
            Changed(k => k["crv"] = "P-384"),
            Changed(k => { k["crv"] = "P-384"; k["x"] = Base64Url.EncodeToString(q.X); k["y"] = Base64Url.EncodeToString(q.Y); }),
            Changed(k => k["kty"] = "RSA"),
            Changed(k => k["alg"] = "ES384"),
            Changed(k => k["use"] = "enc"),
            Changed(k => k["d"] = k["x"]!.GetValue<string>()), // a private key has no business here
            Changed(k => k["x"] = k["y"]!.GetValue<string>()), // not on the curve
            Changed(k => k["x"] = "AAAA"),
            Changed(k => k["kid"] = secondKid[..15] + "0"), // kid is not the key's fingerprint
            Changed(k => k.Remove("iss")),
            Changed(k => k["created_at"] = "yesterday"));
        foreach (var jwk in refused)
        {
            var alone = DocumentKeySet.Parse(new JsonObject { ["keys"] = new JsonArray(jwk!.DeepClone()) }.ToJsonString());
            Assert.True(alone(jwk["kid"]!.GetValue<string>()) is null, jwk.ToJsonString());
        }

        Assert.NotNull(DocumentKeySet.Parse(new JsonObject { ["keys"] = new JsonArray(Changed(_ => { })) }.ToJsonString())(Kid)); // the unchanged one is taken

        Assert.Empty(DocumentKeySet.Read("{\"keys\":[]}"));
        foreach (var bad in new[] { "", "[]", "{}", "{\"keys\":{}}", "{\"keys\":[1]}", "not json", $"{{\"keys\":[{set[0]!.ToJsonString()},{set[0]!.ToJsonString()}]}}" })
        {
            Assert.Throws<FormatException>(() => DocumentKeySet.Read(bad));
        }
    }

    public void Dispose() => _key.Dispose();
}
