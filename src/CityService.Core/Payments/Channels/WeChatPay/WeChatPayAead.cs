using System.Security.Cryptography;
using System.Text;

namespace CityService.Core.Payments.Channels.WeChatPay;

/// <summary>
/// AEAD_AES_256_GCM as WeChat Pay uses it for notification resources: the key is the 32-character APIv3 key's UTF-8
/// bytes, the nonce the resource's 12-character <c>nonce</c>, the associated data its <c>associated_data</c>, and
/// <c>ciphertext</c> is base64 of the ciphertext followed by the 16-byte tag.
/// </summary>
public static class WeChatPayAead
{
    public const string Algorithm = "AEAD_AES_256_GCM";
    private const int TagBytes = 16;

    public static bool IsValidKey(string? apiV3Key) => apiV3Key is not null && Encoding.UTF8.GetByteCount(apiV3Key) == 32;

    public static string Encrypt(string apiV3Key, string nonce, string associatedData, string plaintext)
    {
        var input = Encoding.UTF8.GetBytes(plaintext);
        var output = new byte[input.Length + TagBytes];
        using var aes = new AesGcm(Encoding.UTF8.GetBytes(apiV3Key), TagBytes);
        aes.Encrypt(Encoding.UTF8.GetBytes(nonce), input, output.AsSpan(0, input.Length), output.AsSpan(input.Length), Encoding.UTF8.GetBytes(associatedData));
        return Convert.ToBase64String(output);
    }

    /// <summary>The plaintext, or null when the ciphertext, nonce, associated data or key do not belong together.</summary>
    public static string? Decrypt(string apiV3Key, string? nonce, string? associatedData, string? ciphertext)
    {
        if (!IsValidKey(apiV3Key) || nonce is null || Encoding.UTF8.GetByteCount(nonce) != 12 || string.IsNullOrEmpty(ciphertext))
        {
            return null;
        }

        var bytes = new byte[ciphertext.Length];
        if (!Convert.TryFromBase64String(ciphertext, bytes, out var length) || length < TagBytes)
        {
            return null;
        }

        var plain = new byte[length - TagBytes];
        try
        {
            using var aes = new AesGcm(Encoding.UTF8.GetBytes(apiV3Key), TagBytes);
            aes.Decrypt(Encoding.UTF8.GetBytes(nonce), bytes.AsSpan(0, plain.Length), bytes.AsSpan(plain.Length, TagBytes), plain, Encoding.UTF8.GetBytes(associatedData ?? string.Empty));
        }
        catch (AuthenticationTagMismatchException)
        {
            return null;
        }

        try
        {
            return new UTF8Encoding(false, true).GetString(plain);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }
}
