namespace CityService.Core.Common;

public enum ErrorKind
{
    Invalid,
    NotFound,
    Conflict,
    Forbidden,
    RateLimited,
    Unavailable,

    /// <summary>The input is larger than accepted (413).</summary>
    TooLarge,

    /// <summary>The input is of a kind (file format, media type) not accepted (415).</summary>
    UnsupportedType,

    /// <summary>Well-formed but not acceptable by the rules, e.g. an amount beyond what may be refunded (422).</summary>
    Unprocessable,

    /// <summary>The caller's copy of a value is stale (412), e.g. a refund's <c>refundAmountAvailable</c>.</summary>
    PreconditionFailed,

    /// <summary>A system we depend on (a payment channel) refused or could not be reached for this request (502).</summary>
    UpstreamFailed,
}

/// <summary>
/// An expected failure, returned as a value and turned into an RFC 9457 problem detail in one place.
/// <paramref name="Code"/> is a stable machine-readable name; <paramref name="Parameter"/> names the offending input.
/// </summary>
public sealed record Error(ErrorKind Kind, string Code, LocalizedText Message, string? Parameter = null)
{
    /// <summary>For <see cref="ErrorKind.RateLimited"/>: when the caller may try again.</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>Extra machine-readable facts for the problem detail (e.g. the assurance level required).</summary>
    public IReadOnlyDictionary<string, object>? Extensions { get; init; }

    public static Error Invalid(string parameter, string code, string zh, string en) =>
        new(ErrorKind.Invalid, code, new LocalizedText(zh, en), parameter);

    /// <summary>A refusal whose message and Retry-After name the same whole number of seconds (at least 1).</summary>
    public static Error RateLimited(string code, TimeSpan wait, Func<int, LocalizedText> message)
    {
        var seconds = WholeSeconds(wait);
        return new(ErrorKind.RateLimited, code, message(seconds)) { RetryAfter = TimeSpan.FromSeconds(seconds) };
    }

    /// <summary>A wait as the whole seconds a Retry-After header carries: rounded up, at least 1.</summary>
    public static int WholeSeconds(TimeSpan wait) => Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));

    public static Error RateLimited(string code, string zh, string en, TimeSpan retryAfter) =>
        new(ErrorKind.RateLimited, code, new LocalizedText(zh, en)) { RetryAfter = retryAfter };

    public static Error NotFound(string code, string zh, string en, string? parameter = null) =>
        new(ErrorKind.NotFound, code, new LocalizedText(zh, en), parameter);
}
