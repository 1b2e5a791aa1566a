namespace CityService.Core.Identity.Verification.Registry;

/// <summary>
/// The public-security population registry (人口信息库), an external system. L2 assurance: the registry confirms a
/// name with a resident ID number. L3 assurance: the registry compares a live photo with its reference photo.
/// The platform keeps only the outcome, level, time and the registry's reference, never the photo.
/// Implementations return <c>Unavailable</c> outcomes for network errors, timeouts, 5xx and bad signatures instead
/// of throwing; only cancellation by the caller throws (<see cref="OperationCanceledException"/>).
/// </summary>
public interface IPopulationRegistry
{
    /// <summary>Whether the registry holds <paramref name="idNumber"/> under <paramref name="name"/>.</summary>
    Task<RegistryIdentityResult> VerifyIdentityAsync(string name, string idNumber, CancellationToken cancellationToken);

    /// <summary>
    /// Compares a live photo (PNG) with the registry's reference photo of <paramref name="idNumber"/>. The registry echoes
    /// <paramref name="challengeNonce"/>, binding its answer to this liveness challenge.
    /// </summary>
    Task<RegistryFaceResult> CompareFaceAsync(string idNumber, string challengeNonce, ReadOnlyMemory<byte> png, CancellationToken cancellationToken);
}
