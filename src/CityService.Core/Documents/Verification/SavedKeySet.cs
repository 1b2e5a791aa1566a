using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text.Json;
using CityService.Core.Common;

namespace CityService.Core.Documents.Verification;

/// <summary>
/// A JWKS saved from <c>/.well-known/cityservice/keys</c> (or by <c>keys export</c>), read for offline verification:
/// EC P-256 keys with <c>kid</c>, <c>iss</c>, <c>created_at</c> and the optional <c>retired_at</c> / <c>revoked_at</c>
/// (unix seconds). A key of another type or curve is skipped, not trusted.
/// </summary>
public static class SavedKeySet
{
    public static Result<Func<string, VerificationKey?>> Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        var keys = new Dictionary<string, VerificationKey>(StringComparer.Ordinal);
        try
        {
            using var document = JsonDocument.Parse(json);
            if (document.RootElement.ValueKind != JsonValueKind.Object || !document.RootElement.TryGetProperty("keys", out var list) || list.ValueKind != JsonValueKind.Array)
            {
                return Unreadable();
            }

            foreach (var key in list.EnumerateArray())
            {
                if (Read(key) is { } read)
                {
                    keys[read.KeyId] = read;
                }
            }
        }
        catch (JsonException)
        {
            return Unreadable();
        }

        return keys.Count == 0 ? Unreadable() : Result<Func<string, VerificationKey?>>.Ok(kid => keys.GetValueOrDefault(kid));
    }

    private static VerificationKey? Read(JsonElement key)
    {
        if (key.ValueKind != JsonValueKind.Object || Text(key, "kty") != "EC" || Text(key, "crv") != "P-256"
            || Text(key, "kid") is not { Length: > 0 } kid || Text(key, "iss") is not { Length: > 0 } issuer
            || Text(key, "x") is not { } x || Text(key, "y") is not { } y || !Base64Url.IsValid(x) || !Base64Url.IsValid(y))
        {
            return null;
        }

        try
        {
            using var ecdsa = ECDsa.Create(new ECParameters
            {
                Curve = ECCurve.NamedCurves.nistP256,
                Q = new ECPoint { X = Base64Url.DecodeFromChars(x), Y = Base64Url.DecodeFromChars(y) },
            });
            return new VerificationKey(kid, issuer, ecdsa.ExportSubjectPublicKeyInfo(), Seconds(key, "created_at") ?? DateTimeOffset.UnixEpoch,
                Seconds(key, "retired_at"), Seconds(key, "revoked_at"));
        }
        catch (CryptographicException)
        {
            return null; // not a point on the curve
        }
    }

    private static string? Text(JsonElement key, string name) =>
        key.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static DateTimeOffset? Seconds(JsonElement key, string name) =>
        key.TryGetProperty(name, out var value) && value.TryGetInt64(out var seconds) && seconds is >= 0 and <= 253402300799
            ? DateTimeOffset.FromUnixTimeSeconds(seconds) : null;

    private static Error Unreadable() => new(ErrorKind.Invalid, DocumentErrors.Verify.KeysUnreadable,
        new("密钥文件不是可用的 JWKS（须含 P-256 公钥）。", "The key file is not a usable JWKS (it needs P-256 public keys)."), "keys");
}
