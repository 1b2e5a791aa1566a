using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace CityService.Core.Documents;

/// <summary>One published key (RFC 7517 §4, RFC 7518 §6.2) with the issuer and its life: unix seconds.</summary>
public sealed record JsonWebKey(
    [property: JsonPropertyName("kty")] string Kty,
    [property: JsonPropertyName("crv")] string Crv,
    [property: JsonPropertyName("x")] string X,
    [property: JsonPropertyName("y")] string Y,
    [property: JsonPropertyName("kid")] string Kid,
    [property: JsonPropertyName("use")] string Use,
    [property: JsonPropertyName("alg")] string Alg,
    [property: JsonPropertyName("iss")] string Iss,
    [property: JsonPropertyName("created_at")] long CreatedAt,
    [property: JsonPropertyName("retired_at"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? RetiredAt,
    [property: JsonPropertyName("revoked_at"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? RevokedAt);

/// <summary>The published set: <c>{"keys":[…]}</c> (RFC 7517 §5).</summary>
public sealed record JsonWebKeySet([property: JsonPropertyName("keys")] IReadOnlyList<JsonWebKey> Keys);

/// <summary>
/// The issuers' public keys as a JWKS (docs/signed-documents.md, "Keys"): written for <c>/.well-known/cityservice/keys</c>
/// and <c>keys export</c>, read back by offline verifiers. Only EC P-256 keys for ES256 signatures whose <c>kid</c> is
/// the SPKI's fingerprint are taken; any other key in a set is refused (a document naming it is <c>unknown-key</c>).
/// </summary>
public static class DocumentKeySet
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

    public static JsonWebKeySet From(IEnumerable<VerificationKey> keys) => new([.. keys.Select(ToJwk)]);

    public static byte[] ToJson(IEnumerable<VerificationKey> keys) => JsonSerializer.SerializeToUtf8Bytes(From(keys), Json);

    public static JsonWebKey ToJwk(VerificationKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        using var ecdsa = ECDsa.Create();
        ecdsa.ImportSubjectPublicKeyInfo(key.SubjectPublicKeyInfo, out _);
        var point = ecdsa.ExportParameters(includePrivateParameters: false).Q;
        return new JsonWebKey("EC", "P-256", Base64Url.EncodeToString(point.X), Base64Url.EncodeToString(point.Y), key.KeyId, "sig", "ES256", key.IssuerCode,
            key.CreatedAt.ToUnixTimeSeconds(), key.RetiredAt?.ToUnixTimeSeconds(), key.RevokedAt?.ToUnixTimeSeconds());
    }

    /// <summary>The lookup <see cref="DocumentEnvelope.Verify"/> takes, from a saved JWKS; <see cref="FormatException"/> when it is not one.</summary>
    public static Func<string, VerificationKey?> Parse(string json)
    {
        var keys = Read(json).ToDictionary(k => k.KeyId, StringComparer.Ordinal);
        return kid => keys.GetValueOrDefault(kid);
    }

    /// <summary>
    /// The usable keys of a JWKS. Throws <see cref="FormatException"/> when the text is not a JWKS (not JSON, no
    /// <c>keys</c> array, a key that is not an object, a key id listed twice); skips keys this format does not use.
    /// </summary>
    public static IReadOnlyList<VerificationKey> Read(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            using var document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 8 });
            if (document.RootElement.ValueKind != JsonValueKind.Object || !document.RootElement.TryGetProperty("keys", out var list) || list.ValueKind != JsonValueKind.Array)
            {
                throw new FormatException("Not a JWKS: no \"keys\" array.");
            }

            var keys = new List<VerificationKey>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var jwk in list.EnumerateArray())
            {
                if (jwk.ValueKind != JsonValueKind.Object)
                {
                    throw new FormatException("Not a JWKS: a key that is not an object.");
                }

                if (Text(jwk, "kid") is { } kid && !seen.Add(kid))
                {
                    throw new FormatException($"Not a JWKS: key id {kid} listed twice.");
                }

                if (Usable(jwk) is { } key)
                {
                    keys.Add(key);
                }
            }

            return keys;
        }
        catch (JsonException e)
        {
            throw new FormatException("Not a JWKS: " + e.Message, e);
        }
    }

    private static VerificationKey? Usable(JsonElement jwk)
    {
        if (Text(jwk, "kty") != "EC" || Text(jwk, "crv") != "P-256" || Text(jwk, "kid") is not { } kid || Text(jwk, "iss") is not { } issuer
            || Text(jwk, "alg") is not (null or "ES256") || Text(jwk, "use") is not (null or "sig") || jwk.TryGetProperty("d", out _)
            || !TryCoordinate(jwk, "x", out var x) || !TryCoordinate(jwk, "y", out var y)
            || !TrySeconds(jwk, "created_at", out var created) || !TrySeconds(jwk, "retired_at", out var retired) || !TrySeconds(jwk, "revoked_at", out var revoked))
        {
            return null;
        }

        byte[] spki;
        try
        {
            using var ecdsa = ECDsa.Create(new ECParameters { Curve = ECCurve.NamedCurves.nistP256, Q = new ECPoint { X = x, Y = y } }); // checks the point is on the curve
            spki = ecdsa.ExportSubjectPublicKeyInfo();
        }
        catch (CryptographicException)
        {
            return null;
        }

        // The kid is the key's fingerprint: a set whose kid and key disagree has been tampered with or is not ours.
        return IssuerKeys.KeyIdOf(spki) != kid ? null
            : new VerificationKey(kid, issuer, spki, created ?? DateTimeOffset.UnixEpoch, retired, revoked);
    }

    private static string? Text(JsonElement jwk, string name) =>
        jwk.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static bool TryCoordinate(JsonElement jwk, string name, out byte[] value)
    {
        value = [];
        if (Text(jwk, name) is not { Length: 43 } text || !Base64Url.IsValid(text))
        {
            return false;
        }

        value = Base64Url.DecodeFromChars(text);
        return value.Length == 32;
    }

    private static bool TrySeconds(JsonElement jwk, string name, out DateTimeOffset? at)
    {
        at = null;
        if (!jwk.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (!value.TryGetInt64(out var seconds) || seconds < 0 || seconds > 253402300799)
        {
            return false;
        }

        at = DateTimeOffset.FromUnixTimeSeconds(seconds);
        return true;
    }
}
