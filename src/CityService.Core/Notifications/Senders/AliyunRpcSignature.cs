using System.Security.Cryptography;
using System.Text;

namespace CityService.Core.Notifications.Senders;

/// <summary>
/// Alibaba Cloud's RPC request signature, version 1.0 (HMAC-SHA1), as the SMS API (dysmsapi 2017-05-25) uses it:
/// <list type="number">
/// <item>every parameter except <c>Signature</c>, sorted by name (ordinal), name and value percent-encoded
/// (<see cref="PercentEncode"/>), joined as <c>name=value</c> with <c>&amp;</c> — the canonicalized query;</item>
/// <item>StringToSign = <c>METHOD&amp;%2F&amp;</c> + percentEncode(canonicalized query);</item>
/// <item>Signature = Base64(HMAC-SHA1(key = AccessKeySecret + "&amp;", UTF-8(StringToSign))).</item>
/// </list>
/// Used by the gateway adapter to sign and by the gateway simulator to verify.
/// </summary>
public static class AliyunRpcSignature
{
    /// <summary>RFC 3986 percent-encoding of the UTF-8 bytes: only A–Z a–z 0–9 - _ . ~ stay; a space is %20, upper-case hex.</summary>
    public static string PercentEncode(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var text = new StringBuilder(value.Length * 2);
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            if (b is (>= (byte)'A' and <= (byte)'Z') or (>= (byte)'a' and <= (byte)'z') or (>= (byte)'0' and <= (byte)'9')
                or (byte)'-' or (byte)'_' or (byte)'.' or (byte)'~')
            {
                text.Append((char)b);
            }
            else
            {
                text.Append('%').Append(Hex[b >> 4]).Append(Hex[b & 0xF]);
            }
        }

        return text.ToString();
    }

    /// <summary>The sorted, encoded <c>name=value&amp;…</c> of every parameter but <c>Signature</c>.</summary>
    public static string CanonicalizedQuery(IEnumerable<KeyValuePair<string, string>> parameters) =>
        string.Join('&', parameters
            .Where(p => !string.Equals(p.Key, "Signature", StringComparison.Ordinal))
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => PercentEncode(p.Key) + "=" + PercentEncode(p.Value)));

    public static string StringToSign(string method, IEnumerable<KeyValuePair<string, string>> parameters) =>
        method.ToUpperInvariant() + "&" + PercentEncode("/") + "&" + PercentEncode(CanonicalizedQuery(parameters));

    public static string Sign(string method, IEnumerable<KeyValuePair<string, string>> parameters, string accessKeySecret)
    {
        ArgumentException.ThrowIfNullOrEmpty(accessKeySecret);
#pragma warning disable CA5350 // the provider's protocol prescribes HMAC-SHA1 (its V1 signature); not our choice of MAC
        var mac = HMACSHA1.HashData(Encoding.UTF8.GetBytes(accessKeySecret + "&"), Encoding.UTF8.GetBytes(StringToSign(method, parameters)));
#pragma warning restore CA5350
        return Convert.ToBase64String(mac);
    }

    /// <summary>True when <paramref name="signature"/> is the signature of the parameters under the secret (constant time).</summary>
    public static bool Verify(string method, IEnumerable<KeyValuePair<string, string>> parameters, string accessKeySecret, string? signature)
    {
        if (string.IsNullOrEmpty(signature))
        {
            return false;
        }

        var expected = Encoding.ASCII.GetBytes(Sign(method, parameters, accessKeySecret));
        return CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(signature));
    }

    private const string Hex = "0123456789ABCDEF";
}
