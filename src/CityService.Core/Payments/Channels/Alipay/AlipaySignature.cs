using System.Security.Cryptography;
using System.Text;

namespace CityService.Core.Payments.Channels.Alipay;

/// <summary>
/// Alipay's RSA2 signatures (open platform): SHA256withRSA, PKCS#1 v1.5 padding, base64. A request's signed content is
/// its parameters sorted by name (ordinal), <c>k=v</c> joined by <c>&amp;</c>, empty values and <c>sign</c> left out; a
/// notification's likewise with <c>sign_type</c> also left out; a response's is the exact JSON text of its
/// <c>…_response</c> node.
/// </summary>
public static class AlipaySignature
{
    public static string Content(IEnumerable<KeyValuePair<string, string>> parameters, bool notification = false) =>
        string.Join('&', parameters
            .Where(p => p.Value is { Length: > 0 } && p.Key != "sign" && !(notification && p.Key == "sign_type"))
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => p.Key + "=" + p.Value));

    public static string Sign(string content, RSA privateKey) =>
        Convert.ToBase64String(privateKey.SignData(Encoding.UTF8.GetBytes(content), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));

    public static bool Verify(string content, string? sign, RSA publicKey)
    {
        if (string.IsNullOrEmpty(sign) || sign.Length > 2048)
        {
            return false;
        }

        var bytes = new byte[sign.Length];
        if (!Convert.TryFromBase64String(sign, bytes, out var length))
        {
            return false;
        }

        try
        {
            return publicKey.VerifyData(Encoding.UTF8.GetBytes(content), bytes.AsSpan(0, length), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    /// <summary>
    /// A private key as Alipay's key tool writes it: PEM (PKCS#8 or PKCS#1) or the bare base64 of either.
    /// </summary>
    public static RSA PrivateKey(string text) =>
        Read(text, (rsa, der) => rsa.ImportPkcs8PrivateKey(der, out _), (rsa, der) => rsa.ImportRSAPrivateKey(der, out _));

    /// <summary>A public key: PEM or the bare base64 of its SubjectPublicKeyInfo (as the open platform shows it) or PKCS#1.</summary>
    public static RSA PublicKey(string text) =>
        Read(text, (rsa, der) => rsa.ImportSubjectPublicKeyInfo(der, out _), (rsa, der) => rsa.ImportRSAPublicKey(der, out _));

    private static RSA Read(string text, Action<RSA, byte[]> import, Action<RSA, byte[]> otherwise)
    {
        var rsa = RSA.Create();
        if (text.Contains("-----BEGIN", StringComparison.Ordinal))
        {
            rsa.ImportFromPem(text);
            return rsa;
        }

        var der = Convert.FromBase64String(string.Concat(text.Where(c => !char.IsWhiteSpace(c))));
        try
        {
            import(rsa, der);
        }
        catch (CryptographicException)
        {
            otherwise(rsa, der);
        }

        return rsa;
    }

    /// <summary>The bare base64 of a public key's SubjectPublicKeyInfo (the form the open platform shows and takes).</summary>
    public static string PublicKeyText(RSA key) => Convert.ToBase64String(key.ExportSubjectPublicKeyInfo());

    /// <summary>The bare base64 of a private key's PKCS#8 form.</summary>
    public static string PrivateKeyText(RSA key) => Convert.ToBase64String(key.ExportPkcs8PrivateKey());
}
