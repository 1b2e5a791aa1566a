namespace CityService.Core.Identity.Verification.Registry;

/// <summary>
/// The population registry's HTTP API (v1), spoken by <see cref="HttpPopulationRegistry"/> and the registry simulator.
/// Every request is signed (<see cref="Common.RequestSigning"/>, headers <see cref="Common.SignatureHeaderNames.Registry"/>);
/// every answer to an authenticated request carries <c>X-Registry-Timestamp</c> and <c>X-Registry-Signature</c> =
/// base64(HMAC-SHA256(secret, timestamp + "\n" + request nonce + "\n" + hex(sha256(response body)))).
/// </summary>
public static class PopulationRegistryApi
{
    /// <summary><c>POST { "name", "idNumber" }</c> → <c>{ "match", "reason", "reference" }</c>.</summary>
    public const string IdentityVerifyPath = "/registry/v1/identity/verify";

    /// <summary><c>POST { "idNumber", "nonce", "image" (base64 PNG) }</c> → <c>{ "score", "reference", "nonce" }</c>; 404 <c>{ "error": "not-found" }</c>.</summary>
    public const string FaceComparePath = "/registry/v1/face/compare";

    /// <summary>Errors are <c>{ "error": code, "message": text }</c>.</summary>
    public const string ErrorNotFound = "not-found";
}
