using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace CityService.Core.Payments.Channels.WeChatPay;

/// <summary>
/// WeChat Pay API v3's signatures, SHA256withRSA (PKCS#1 v1.5) over newline-terminated lines: a request's
/// <c>METHOD\nURL\ntimestamp\nnonce\nbody\n</c> in the <c>WECHATPAY2-SHA256-RSA2048</c> Authorization header (merchant key),
/// a response's or notification's <c>timestamp\nnonce\nbody\n</c> in <c>Wechatpay-Signature</c> (platform key), and the
/// JSAPI/mini-program <c>paySign</c> over <c>appId\ntimeStamp\nnonceStr\npackage\n</c> (merchant key).
/// </summary>
public static class WeChatPaySignature
{
    public const string Scheme = "WECHATPAY2-SHA256-RSA2048";

    /// <summary>How far a signed timestamp may lie from our clock.</summary>
    public static readonly TimeSpan AllowedSkew = TimeSpan.FromMinutes(5);

    public static string RequestMessage(string method, string pathAndQuery, string timestamp, string nonce, string body) =>
        $"{method}\n{pathAndQuery}\n{timestamp}\n{nonce}\n{body}\n";

    public static string ResponseMessage(string timestamp, string nonce, string body) => $"{timestamp}\n{nonce}\n{body}\n";

    public static string PaySignMessage(string appId, string timeStamp, string nonceStr, string package) =>
        $"{appId}\n{timeStamp}\n{nonceStr}\n{package}\n";

    public static string Sign(RSA key, string message) =>
        Convert.ToBase64String(key.SignData(Encoding.UTF8.GetBytes(message), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));

    public static bool Verify(RSA key, string message, string? signature)
    {
        if (string.IsNullOrEmpty(signature))
        {
            return false;
        }

        var bytes = new byte[signature.Length];
        return Convert.TryFromBase64String(signature, bytes, out var written)
            && key.VerifyData(Encoding.UTF8.GetBytes(message), bytes.AsSpan(0, written), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
    }

    /// <summary>32 upper-case hex characters, as WeChat Pay's own SDKs make them.</summary>
    public static string NewNonce() => Convert.ToHexString(RandomNumberGenerator.GetBytes(16));

    public static string UnixSeconds(DateTimeOffset at) => at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);

    /// <summary>Whether a signed Unix-seconds timestamp is within <see cref="AllowedSkew"/> of <paramref name="now"/>.</summary>
    public static bool IsFresh(string? timestamp, DateTimeOffset now) =>
        long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
        && seconds < 253_402_300_799
        && (now - DateTimeOffset.FromUnixTimeSeconds(seconds)).Duration() <= AllowedSkew;

    /// <summary>The value of the Authorization header of one request (without the body's own framing).</summary>
    public static string Authorization(string mchId, string serial, RSA merchantKey, string method, string pathAndQuery, string body, string timestamp, string nonce)
    {
        var signature = Sign(merchantKey, RequestMessage(method, pathAndQuery, timestamp, nonce, body));
        return $"{Scheme} mchid=\"{mchId}\",nonce_str=\"{nonce}\",signature=\"{signature}\",timestamp=\"{timestamp}\",serial_no=\"{serial}\"";
    }

    /// <summary>Reads an Authorization header's parameters (the simulator's check); null when it is not this scheme.</summary>
    public static IReadOnlyDictionary<string, string>? ParseAuthorization(string? header)
    {
        if (header is null || !header.StartsWith(Scheme + " ", StringComparison.Ordinal))
        {
            return null;
        }

        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var part in header[(Scheme.Length + 1)..].Split(','))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                return null;
            }

            var value = part[(eq + 1)..].Trim();
            if (value.Length < 2 || value[0] != '"' || value[^1] != '"')
            {
                return null;
            }

            values[part[..eq].Trim()] = value[1..^1];
        }

        return values;
    }

    /// <summary>The JSAPI / mini-program parameters of <c>wx.requestPayment</c> for one prepay id.</summary>
    public static IReadOnlyDictionary<string, string> JsapiParameters(string appId, string prepayId, RSA merchantKey, string timeStamp, string nonceStr)
    {
        var package = "prepay_id=" + prepayId;
        return new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["appId"] = appId,
            ["timeStamp"] = timeStamp,
            ["nonceStr"] = nonceStr,
            ["package"] = package,
            ["signType"] = "RSA",
            ["paySign"] = Sign(merchantKey, PaySignMessage(appId, timeStamp, nonceStr, package)),
        };
    }
}
