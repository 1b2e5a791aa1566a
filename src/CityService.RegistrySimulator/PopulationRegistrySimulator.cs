using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using CityService.Core.Common;
using CityService.Core.Identity.Verification.Registry;

namespace CityService.RegistrySimulator;

/// <summary>The simulator's answer to a name + ID number check.</summary>
public sealed record SimulatedIdentityAnswer(bool Match, string Reason, string Reference);

/// <summary>The simulator's face comparison; null person means the ID number is unknown.</summary>
public sealed record SimulatedFaceAnswer(double Score, string Reference);

/// <summary>
/// The population registry simulator's state and rules: who may call (clients and their keys, nonces already used),
/// whom it knows (<see cref="RegistrySimulatorOptions.Persons"/>) and how it answers. The HTTP side is in
/// <see cref="RegistrySimulatorEndpoints"/>.
/// </summary>
public sealed class PopulationRegistrySimulator
{
    private readonly Dictionary<string, SimulatedPerson> _persons;
    private readonly Dictionary<string, byte[]> _keys;
    private readonly TimeProvider _time;

    public PopulationRegistrySimulator(RegistrySimulatorOptions options, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        _time = time ?? TimeProvider.System;
        _persons = options.Persons.ToDictionary(p => p.IdNumber, StringComparer.Ordinal);
        _keys = options.Clients.ToDictionary(c => c.Key, c => RequestSigning.KeyFromSecret(c.Value), StringComparer.Ordinal);
        Verifier = new SignatureVerifier(_time);
        Nonces = new NonceReplayCache(_time);
    }

    public RegistrySimulatorOptions Options { get; }

    public SignatureVerifier Verifier { get; }

    public NonceReplayCache Nonces { get; }

    public TimeProvider Time => _time;

    /// <summary>The HMAC key of a known client, or null.</summary>
    public byte[]? KeyOf(string? clientId) => clientId is not null && _keys.TryGetValue(clientId, out var key) ? key : null;

    public SimulatedPerson? Find(string idNumber) => _persons.GetValueOrDefault(NormaliseId(idNumber));

    public SimulatedIdentityAnswer VerifyIdentity(string name, string idNumber)
    {
        ArgumentNullException.ThrowIfNull(name);
        var reference = NewReference("ID");
        var person = Find(idNumber);
        if (person is null)
        {
            return new SimulatedIdentityAnswer(false, RegistryIdentityResult.ReasonNotFound, reference);
        }

        return string.Equals(NormaliseName(name), NormaliseName(person.Name), StringComparison.Ordinal)
            ? new SimulatedIdentityAnswer(true, RegistryIdentityResult.ReasonOk, reference)
            : new SimulatedIdentityAnswer(false, RegistryIdentityResult.ReasonNameMismatch, reference);
    }

    /// <summary>Compares <paramref name="snapshot"/> with the reference photo; null when the ID number is unknown.</summary>
    public SimulatedFaceAnswer? CompareFace(string idNumber, GrayImage snapshot)
    {
        var person = Find(idNumber);
        if (person is null)
        {
            return null;
        }

        var score = Math.Round(FaceMatcher.Score(person.ReferenceFace, snapshot), 4, MidpointRounding.ToZero);
        return new SimulatedFaceAnswer(score, NewReference("FACE"));
    }

    /// <summary>A reference for one check, as the registry would issue: <c>SIMREG-ID-20261122-3f9a…</c>.</summary>
    public string NewReference(string kind) =>
        string.Create(CultureInfo.InvariantCulture, $"SIMREG-{kind}-{_time.GetUtcNow():yyyyMMdd}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}");

    private static string NormaliseId(string idNumber) => idNumber.Trim().ToUpperInvariant();

    private static string NormaliseName(string name) => name.Trim().Normalize(NormalizationForm.FormKC);
}
