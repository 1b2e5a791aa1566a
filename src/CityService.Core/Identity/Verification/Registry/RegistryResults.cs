namespace CityService.Core.Identity.Verification.Registry;

public enum RegistryIdentityOutcome
{
    /// <summary>The registry holds the ID number under this name (reason <c>ok</c>).</summary>
    Match,

    /// <summary>The ID number exists under another name (reason <c>name-mismatch</c>).</summary>
    NameMismatch,

    /// <summary>The registry does not know the ID number (reason <c>not-found</c>).</summary>
    NotFound,

    /// <summary>No trustworthy answer: network error, timeout, 5xx, refused credentials, bad or missing signature.</summary>
    Unavailable,
}

/// <summary>
/// The registry's answer to a name + ID number check. <see cref="Reference"/> is the registry's reference for the check
/// (to keep with the result); <see cref="Detail"/> explains an <see cref="RegistryIdentityOutcome.Unavailable"/> outcome
/// and never contains personal data.
/// </summary>
public sealed record RegistryIdentityResult(RegistryIdentityOutcome Outcome, string? Reference = null, string? Detail = null)
{
    public const string ReasonOk = "ok";
    public const string ReasonNameMismatch = "name-mismatch";
    public const string ReasonNotFound = "not-found";
    public const string ReasonUnavailable = "unavailable";

    public bool IsMatch => Outcome == RegistryIdentityOutcome.Match;

    public bool IsUnavailable => Outcome == RegistryIdentityOutcome.Unavailable;

    /// <summary>The wire reason: <c>ok</c>, <c>name-mismatch</c>, <c>not-found</c>, or <c>unavailable</c>.</summary>
    public string Reason => Outcome switch
    {
        RegistryIdentityOutcome.Match => ReasonOk,
        RegistryIdentityOutcome.NameMismatch => ReasonNameMismatch,
        RegistryIdentityOutcome.NotFound => ReasonNotFound,
        _ => ReasonUnavailable,
    };

    public static RegistryIdentityResult Matched(string reference) => new(RegistryIdentityOutcome.Match, reference);

    public static RegistryIdentityResult NameMismatch(string reference) => new(RegistryIdentityOutcome.NameMismatch, reference);

    public static RegistryIdentityResult NotFound(string reference) => new(RegistryIdentityOutcome.NotFound, reference);

    public static RegistryIdentityResult Unavailable(string detail) => new(RegistryIdentityOutcome.Unavailable, null, detail);
}

public enum RegistryFaceOutcome
{
    /// <summary>The registry compared the photo with its reference photo; see the score.</summary>
    Compared,

    /// <summary>The registry has no reference photo for the ID number.</summary>
    NotFound,

    /// <summary>The registry refused the photo (not a PNG it can read, too small, too large); <c>Detail</c> has its code.</summary>
    Rejected,

    /// <summary>No trustworthy answer: network error, timeout, 5xx, refused credentials, bad or missing signature.</summary>
    Unavailable,
}

/// <summary>
/// The registry's face comparison: <see cref="Score"/> from 0 (no resemblance) to 1 (identical), the registry's
/// <see cref="Reference"/> for the comparison, and a <see cref="Detail"/> without personal data for non-compared outcomes.
/// </summary>
public sealed record RegistryFaceResult(RegistryFaceOutcome Outcome, double Score = 0, string? Reference = null, string? Detail = null)
{
    /// <summary>A score at or above which a comparison counts as the same person unless the platform configures otherwise.</summary>
    public const double DefaultMatchThreshold = 0.8;

    public bool IsUnavailable => Outcome == RegistryFaceOutcome.Unavailable;

    public bool IsMatchAt(double threshold) => Outcome == RegistryFaceOutcome.Compared && Score >= threshold;

    public static RegistryFaceResult Compared(double score, string reference) => new(RegistryFaceOutcome.Compared, score, reference);

    public static RegistryFaceResult NotFound(string? reference) => new(RegistryFaceOutcome.NotFound, 0, reference, "not-found");

    public static RegistryFaceResult Rejected(string code) => new(RegistryFaceOutcome.Rejected, 0, null, code);

    public static RegistryFaceResult Unavailable(string detail) => new(RegistryFaceOutcome.Unavailable, 0, null, detail);
}
