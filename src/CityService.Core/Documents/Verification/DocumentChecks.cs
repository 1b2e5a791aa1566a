using System.Text.RegularExpressions;
using CityService.Core.Common;

namespace CityService.Core.Documents.Verification;

/// <summary>
/// The one place a presented document is checked (docs/signed-documents.md, "Verifying"): the API, the /v/ page and the
/// offline command all go through <see cref="Verify"/>. Input that is not a JWS compact of this format at all, or one
/// signed with another algorithm than ES256, is an <see cref="Error"/> (400, exit 2); everything else is a
/// <see cref="VerificationResult"/>, valid or with its reason.
/// </summary>
public static partial class DocumentChecks
{
    /// <summary>The QR code's path: <c>{base}/v/{compact}</c>.</summary>
    public const string PathPrefix = "/v/";

    public static Result<VerificationResult> Verify(string? compact, Func<string, VerificationKey?> keyOf)
    {
        ArgumentNullException.ThrowIfNull(keyOf);
        if (string.IsNullOrEmpty(compact))
        {
            return Malformed("空的签名文件。", "The document is empty.");
        }

        if (compact.Length > DocumentEnvelope.MaxCompactLength)
        {
            return Malformed($"签名文件过长（最多 {DocumentEnvelope.MaxCompactLength} 个字符）。", $"The document is too long (at most {DocumentEnvelope.MaxCompactLength} characters).");
        }

        // Strict base64url (RFC 7515 §2: no padding, no '+' or '/'), so that no two spellings of one document exist.
        if (!Shape().IsMatch(compact))
        {
            return Malformed("签名文件须为三段 base64url 文本，以“.”分隔。", "A document is three base64url parts separated by '.'.");
        }

        var result = DocumentEnvelope.Verify(compact, keyOf);
        return result.Reason switch
        {
            VerificationReasons.Malformed => Malformed("签名文件的头部或内容不是本平台的格式。", "The document's header or payload is not of this platform's format."),
            VerificationReasons.UnsupportedAlgorithm => new Error(ErrorKind.Invalid, DocumentErrors.Verify.UnsupportedAlgorithm,
                new("签名算法不受支持：本平台只使用 ES256。", "Unsupported signature algorithm: this platform signs with ES256 only."), "compact"),
            _ => result,
        };
    }

    /// <summary>The compact in <paramref name="text"/>: the text itself, or what follows <c>/v/</c> in a URL (up to a '/', '?' or '#').</summary>
    public static string FromText(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var trimmed = text.Trim();
        var at = trimmed.LastIndexOf(PathPrefix, StringComparison.Ordinal);
        if (at < 0 || !(trimmed.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || trimmed.StartsWith("https://", StringComparison.OrdinalIgnoreCase) || trimmed.StartsWith('/')))
        {
            return trimmed;
        }

        var compact = trimmed[(at + PathPrefix.Length)..];
        var end = compact.IndexOfAny(['/', '?', '#']);
        return end < 0 ? compact : compact[..end];
    }

    /// <summary>The first <c>/v/{compact}</c> in free text (a PDF's text layer), ignoring line breaks inside it.</summary>
    public static string? FindUrl(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var match = InText().Match(string.Concat(text.Where(c => !char.IsWhiteSpace(c))));
        return match.Success ? match.Groups[1].Value : null;
    }

    private static Error Malformed(string zh, string en) => new(ErrorKind.Invalid, DocumentErrors.Verify.Malformed, new(zh, en), "compact");

    [GeneratedRegex("^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$", RegexOptions.CultureInvariant)]
    private static partial Regex Shape();

    [GeneratedRegex("/v/([A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+)", RegexOptions.CultureInvariant)]
    private static partial Regex InText();
}
