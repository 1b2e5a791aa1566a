using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace CityService.Core.Documents;

public static class DocumentKinds
{
    /// <summary>A fiscal e-invoice (财政电子票据), red-letter ones included.</summary>
    public const string Invoice = "invoice";

    /// <summary>An e-certificate (电子证照), issued by the applications capability.</summary>
    public const string Certificate = "certificate";
}

/// <summary>
/// What a signed document says: its kind, id, issuer, issue time and the essential fields, all strings (amounts in fen as
/// decimal digits), so the payload has one canonical form. The JWS payload is
/// <c>{"iss":…,"iat":unix seconds,"jti":id as 32 hex,"knd":kind,"d":{fields, keys in ordinal order}}</c>.
/// </summary>
public sealed record DocumentClaims(string Kind, Guid Id, string Issuer, DateTimeOffset IssuedAt, IReadOnlyDictionary<string, string> Fields)
{
    public string? Field(string name) => Fields.TryGetValue(name, out var value) ? value : null;
}

/// <summary>A public key as a verifier holds it (from the database online, from a saved JWKS offline).</summary>
public sealed record VerificationKey(string KeyId, string IssuerCode, byte[] SubjectPublicKeyInfo, DateTimeOffset CreatedAt, DateTimeOffset? RetiredAt, DateTimeOffset? RevokedAt);

/// <summary>Why a document does not verify; stable codes that the API, page and command show.</summary>
public static class VerificationReasons
{
    /// <summary>Not a JWS compact of this format at all (the API answers 400).</summary>
    public const string Malformed = "malformed";
    public const string UnsupportedAlgorithm = "unsupported-algorithm";
    public const string UnknownKey = "unknown-key";
    public const string BadSignature = "bad-signature";

    /// <summary>The key belongs to another issuer than the one the document names.</summary>
    public const string IssuerMismatch = "issuer-mismatch";

    /// <summary>Signed at or after the key's revocation.</summary>
    public const string KeyRevoked = "key-revoked";
}

/// <summary>Valid, or the first reason it is not; the claims whenever the payload could be read (even if invalid).</summary>
public sealed record VerificationResult(bool Valid, string? Reason, DocumentClaims? Document, string? KeyId)
{
    public static VerificationResult Invalid(string reason, DocumentClaims? document = null, string? keyId = null) => new(false, reason, document, keyId);
}

/// <summary>
/// The envelope (docs/signed-documents.md): JWS compact serialisation (RFC 7515), ES256 (RFC 7518 §3.4: ECDSA P-256,
/// SHA-256, r‖s), protected header exactly <c>{"alg":"ES256","kid":"…"}</c>. Any JOSE library verifies it with the JWKS
/// at <c>/.well-known/cityservice/keys</c>.
/// </summary>
public static class DocumentEnvelope
{
    /// <summary>Longer input is malformed without being parsed.</summary>
    public const int MaxCompactLength = 2048;

    private static readonly JsonWriterOptions Compact = new() { Indented = false };

    /// <summary>A member named twice (<c>{"alg":"none","alg":"ES256"}</c>) means different things to different parsers: malformed.</summary>
    private static readonly JsonDocumentOptions StrictJson = new() { AllowDuplicateProperties = false, MaxDepth = 8 };

    public static string Sign(ECDsa key, string keyId, DocumentClaims claims)
    {
        var header = Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"{{\"alg\":\"ES256\",\"kid\":{JsonSerializer.Serialize(keyId)}}}"));
        var payload = Base64Url.EncodeToString(PayloadBytes(claims));
        var signingInput = $"{header}.{payload}";
        var signature = key.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return $"{signingInput}.{Base64Url.EncodeToString(signature)}";
    }

    public static byte[] PayloadBytes(DocumentClaims claims)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, Compact))
        {
            json.WriteStartObject();
            json.WriteString("iss", claims.Issuer);
            json.WriteNumber("iat", claims.IssuedAt.ToUnixTimeSeconds());
            json.WriteString("jti", claims.Id.ToString("N"));
            json.WriteString("knd", claims.Kind);
            json.WriteStartObject("d");
            foreach (var (name, value) in claims.Fields.OrderBy(f => f.Key, StringComparer.Ordinal))
            {
                json.WriteString(name, value);
            }

            json.WriteEndObject();
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>Checks <paramref name="compact"/> against the keys <paramref name="keyOf"/> knows; never throws on any input.</summary>
    public static VerificationResult Verify(string? compact, Func<string, VerificationKey?> keyOf)
    {
        ArgumentNullException.ThrowIfNull(keyOf);
        if (string.IsNullOrEmpty(compact) || compact.Length > MaxCompactLength)
        {
            return VerificationResult.Invalid(VerificationReasons.Malformed);
        }

        var parts = compact.Split('.');
        if (parts.Length != 3 || !TryDecode(parts[0], out var headerBytes) || !TryDecode(parts[1], out var payloadBytes) || !TryDecode(parts[2], out var signature))
        {
            return VerificationResult.Invalid(VerificationReasons.Malformed);
        }

        if (!TryReadHeader(headerBytes, out var alg, out var keyId) || !TryReadClaims(payloadBytes, out var claims))
        {
            return VerificationResult.Invalid(VerificationReasons.Malformed);
        }

        if (alg != "ES256")
        {
            return VerificationResult.Invalid(VerificationReasons.UnsupportedAlgorithm, claims, keyId);
        }

        var key = keyOf(keyId);
        if (key is null)
        {
            return VerificationResult.Invalid(VerificationReasons.UnknownKey, claims, keyId);
        }

        using (var ecdsa = ECDsa.Create())
        {
            try
            {
                ecdsa.ImportSubjectPublicKeyInfo(key.SubjectPublicKeyInfo, out _);
            }
            catch (CryptographicException)
            {
                return VerificationResult.Invalid(VerificationReasons.UnknownKey, claims, keyId);
            }

            if (signature.Length != 64 || !ecdsa.VerifyData(Encoding.ASCII.GetBytes($"{parts[0]}.{parts[1]}"), signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation))
            {
                return VerificationResult.Invalid(VerificationReasons.BadSignature, claims, keyId);
            }
        }

        if (!string.Equals(key.IssuerCode, claims.Issuer, StringComparison.Ordinal))
        {
            return VerificationResult.Invalid(VerificationReasons.IssuerMismatch, claims, keyId);
        }

        if (key.RevokedAt is { } revoked && claims.IssuedAt >= revoked.AddTicks(-(revoked.UtcTicks % TimeSpan.TicksPerSecond)))
        {
            return VerificationResult.Invalid(VerificationReasons.KeyRevoked, claims, keyId);
        }

        return new VerificationResult(true, null, claims, keyId);
    }

    private static bool TryDecode(string part, out byte[] bytes)
    {
        bytes = [];
        if (part.Length == 0 || !Base64Url.IsValid(part))
        {
            return false;
        }

        try
        {
            bytes = Base64Url.DecodeFromChars(part);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private static bool TryReadHeader(byte[] header, out string alg, out string keyId)
    {
        alg = keyId = string.Empty;
        try
        {
            using var json = JsonDocument.Parse(header, StrictJson);
            if (json.RootElement.ValueKind != JsonValueKind.Object
                || !json.RootElement.TryGetProperty("alg", out var a) || a.ValueKind != JsonValueKind.String
                || !json.RootElement.TryGetProperty("kid", out var k) || k.ValueKind != JsonValueKind.String)
            {
                return false;
            }

            // RFC 7515 §4.1.11: a critical extension this verifier does not know makes the JWS invalid.
            if (json.RootElement.TryGetProperty("crit", out _))
            {
                return false;
            }

            alg = a.GetString()!;
            keyId = k.GetString()!;
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static bool TryReadClaims(byte[] payload, out DocumentClaims claims)
    {
        claims = null!;
        try
        {
            using var json = JsonDocument.Parse(payload, StrictJson);
            var root = json.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("iss", out var iss) || iss.ValueKind != JsonValueKind.String
                || !root.TryGetProperty("iat", out var iat) || !iat.TryGetInt64(out var seconds) || seconds < 0 || seconds > 253402300799
                || !root.TryGetProperty("jti", out var jti) || jti.ValueKind != JsonValueKind.String || !Guid.TryParseExact(jti.GetString(), "N", out var id)
                || !root.TryGetProperty("knd", out var kind) || kind.ValueKind != JsonValueKind.String
                || !root.TryGetProperty("d", out var d) || d.ValueKind != JsonValueKind.Object)
            {
                return false;
            }

            var fields = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var field in d.EnumerateObject())
            {
                if (field.Value.ValueKind != JsonValueKind.String || !fields.TryAdd(field.Name, field.Value.GetString()!))
                {
                    return false;
                }
            }

            claims = new DocumentClaims(kind.GetString()!, id, iss.GetString()!, DateTimeOffset.FromUnixTimeSeconds(seconds), fields);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
