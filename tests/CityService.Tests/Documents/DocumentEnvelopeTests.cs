using System.Security.Cryptography;
using CityService.Core.Documents;

namespace CityService.Tests.Documents;

/// <summary>The envelope on its own: what it signs verifies, and a changed byte or another key does not.</summary>
public sealed class DocumentEnvelopeTests
{
    private static readonly DocumentClaims Claims = new(DocumentKinds.Invoice, Guid.CreateVersion7(), "330100-HZPSB", DateTimeOffset.FromUnixTimeSeconds(1_790_000_000),
        new Dictionary<string, string> { ["no"] = "0000000001", ["amt"] = "20000", ["payer"] = "张*" });

    [Fact]
    public void What_it_signs_verifies_and_says_what_was_signed()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var verification = Key("k1", key, "330100-HZPSB");
        var compact = DocumentEnvelope.Sign(key, "k1", Claims);

        var result = DocumentEnvelope.Verify(compact, kid => kid == "k1" ? verification : null);

        Assert.True(result.Valid, result.Reason);
        Assert.Equal(Claims.Id, result.Document!.Id);
        Assert.Equal("张*", result.Document.Field("payer"));
        Assert.Equal(Claims.IssuedAt, result.Document.IssuedAt);
    }

    [Fact]
    public void A_changed_payload_another_issuer_or_an_unknown_key_do_not()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var compact = DocumentEnvelope.Sign(key, "k1", Claims);
        var parts = compact.Split('.');
        var forged = DocumentEnvelope.PayloadBytes(Claims with { Fields = new Dictionary<string, string>(Claims.Fields) { ["amt"] = "2000" } });
        var tampered = $"{parts[0]}.{System.Buffers.Text.Base64Url.EncodeToString(forged)}.{parts[2]}";

        Assert.Equal(VerificationReasons.BadSignature, DocumentEnvelope.Verify(tampered, _ => Key("k1", key, "330100-HZPSB")).Reason);
        Assert.Equal(VerificationReasons.IssuerMismatch, DocumentEnvelope.Verify(compact, _ => Key("k1", key, "330100-HZWATER")).Reason);
        Assert.Equal(VerificationReasons.UnknownKey, DocumentEnvelope.Verify(compact, _ => null).Reason);
        Assert.Equal(VerificationReasons.Malformed, DocumentEnvelope.Verify("not.a.jws!", _ => null).Reason);
    }

    private static VerificationKey Key(string kid, ECDsa key, string issuer) =>
        new(kid, issuer, key.ExportSubjectPublicKeyInfo(), DateTimeOffset.UnixEpoch, null, null);
}
