using System.Security.Cryptography;
using System.Text;

namespace CityService.Core.Identity;

/// <summary>Keys for personal data: AES-256 keys with ids (for rotation) and a separate key for blind indexes.</summary>
public sealed record PersonalDataKeys(string ActiveKeyId, IReadOnlyDictionary<string, byte[]> Keys, byte[] BlindIndexKey)
{
    public static PersonalDataKeys FromBase64(string activeKeyId, IReadOnlyDictionary<string, string> keys, string blindIndexKey)
    {
        var decoded = keys.ToDictionary(k => k.Key, k => Decode(k.Value, $"key '{k.Key}'"), StringComparer.Ordinal);
        if (!decoded.ContainsKey(activeKeyId))
        {
            throw new InvalidOperationException($"The active personal-data key '{activeKeyId}' is not among the configured keys.");
        }

        if (decoded.Keys.Any(id => id.Length == 0 || id.Contains('.', StringComparison.Ordinal)))
        {
            throw new InvalidOperationException("Personal-data key ids must be non-empty and contain no '.'.");
        }

        return new PersonalDataKeys(activeKeyId, decoded, Decode(blindIndexKey, "blind-index key"));
    }

    private static byte[] Decode(string base64, string what)
    {
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(base64);
        }
        catch (FormatException)
        {
            throw new InvalidOperationException($"The personal-data {what} is not base64.");
        }

        return bytes.Length == 32 ? bytes : throw new InvalidOperationException($"The personal-data {what} must be 32 bytes (256 bits).");
    }
}

/// <summary>
/// Encrypts personal data at rest (resident ID numbers, phone numbers) with AES-256-GCM and computes keyed
/// blind indexes (HMAC-SHA256) so rows can be found by value without storing it in clear.
/// Ciphertext format: <c>v1.&lt;keyId&gt;.&lt;base64url(nonce ‖ ciphertext ‖ tag)&gt;</c>; the purpose
/// (e.g. "phone") is bound as associated data, so a phone ciphertext cannot be passed off as an ID number.
/// </summary>
public sealed class PersonalDataProtector(PersonalDataKeys keys)
{
    private const int NonceSize = 12;
    private const int TagSize = 16;

    public string Encrypt(string plaintext, string purpose)
    {
        var key = keys.Keys[keys.ActiveKeyId];
        var data = Encoding.UTF8.GetBytes(plaintext);
        var output = new byte[NonceSize + data.Length + TagSize];
        var nonce = output.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(key, TagSize);
        aes.Encrypt(nonce, data, output.AsSpan(NonceSize, data.Length), output.AsSpan(NonceSize + data.Length), Encoding.UTF8.GetBytes(purpose));
        return $"v1.{keys.ActiveKeyId}.{Base64Url.Encode(output)}";
    }

    public string Decrypt(string ciphertext, string purpose)
    {
        var parts = ciphertext.Split('.');
        if (parts.Length != 3 || parts[0] != "v1" || !keys.Keys.TryGetValue(parts[1], out var key))
        {
            throw new CryptographicException("Unknown personal-data ciphertext format or key id.");
        }

        var bytes = Base64Url.Decode(parts[2]);
        if (bytes.Length < NonceSize + TagSize)
        {
            throw new CryptographicException("Personal-data ciphertext is truncated.");
        }

        var length = bytes.Length - NonceSize - TagSize;
        var plain = new byte[length];
        using var aes = new AesGcm(key, TagSize);
        aes.Decrypt(bytes.AsSpan(0, NonceSize), bytes.AsSpan(NonceSize, length), bytes.AsSpan(NonceSize + length), plain, Encoding.UTF8.GetBytes(purpose));
        return Encoding.UTF8.GetString(plain);
    }

    /// <summary>Whether a ciphertext was made with an older key and should be re-encrypted.</summary>
    public bool NeedsRotation(string ciphertext) => !ciphertext.StartsWith($"v1.{keys.ActiveKeyId}.", StringComparison.Ordinal);

    /// <summary>A deterministic, keyed, one-way index of a value: equal values give equal indexes, nothing more.</summary>
    public string BlindIndex(string value, string purpose)
    {
        var mac = HMACSHA256.HashData(keys.BlindIndexKey, Encoding.UTF8.GetBytes(purpose + "\n" + value));
        return Convert.ToHexStringLower(mac); // hex: safe where Identity upper-cases names for lookup
    }
}

public static class Base64Url
{
    public static string Encode(ReadOnlySpan<byte> bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static byte[] Decode(string text)
    {
        var s = text.Replace('-', '+').Replace('_', '/');
        s += (s.Length % 4) switch { 2 => "==", 3 => "=", _ => string.Empty };
        try
        {
            return Convert.FromBase64String(s);
        }
        catch (FormatException e)
        {
            throw new CryptographicException("Not base64url.", e);
        }
    }
}
