namespace CityService.Core.Documents;

public static partial class DocumentErrors
{
    /// <summary>Checking a signed document: /api/verify, the /v/ page and the offline <c>verify</c> command (issue 11).</summary>
    public static class Verify
    {
        /// <summary>Not a JWS compact of this format (empty, too long, not three base64url parts, not our header or payload).</summary>
        public const string Malformed = "document.malformed";

        /// <summary>A JWS, but not ES256 (alg none, HS256, …): nothing this platform signs.</summary>
        public const string UnsupportedAlgorithm = "document.unsupported-algorithm";

        /// <summary>The hard copy is served only for a document that verifies and names an invoice here.</summary>
        public const string HardCopyNotFound = "document.hard-copy-not-found";

        public const string RateLimited = "document.verify-rate-limited";

        /// <summary>The offline command's input: no such file, an image without a QR code, a PDF without a document.</summary>
        public const string InputUnreadable = "document.input-unreadable";
    }
}
