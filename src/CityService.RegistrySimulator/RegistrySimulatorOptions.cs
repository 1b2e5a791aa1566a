namespace CityService.RegistrySimulator;

/// <summary>
/// The simulator's configuration: the clients it accepts (client id → shared secret; the secret's UTF-8 bytes are the
/// HMAC key), the persons it holds, and the largest request body it reads.
/// </summary>
public sealed record RegistrySimulatorOptions
{
    public RegistrySimulatorOptions(IReadOnlyDictionary<string, string> clients)
    {
        ArgumentNullException.ThrowIfNull(clients);
        if (clients.Count == 0 || clients.Any(c => string.IsNullOrEmpty(c.Key) || string.IsNullOrEmpty(c.Value)))
        {
            throw new ArgumentException("The registry simulator needs at least one client, each with an id and a secret.", nameof(clients));
        }

        Clients = clients;
    }

    public IReadOnlyDictionary<string, string> Clients { get; }

    public IReadOnlyList<SimulatedPerson> Persons { get; init; } = SimulatedPersons.All;

    /// <summary>Requests with a larger body are answered 413.</summary>
    public int MaxRequestBytes { get; init; } = 512 * 1024;

    public static RegistrySimulatorOptions ForClient(string clientId, string secret) =>
        new(new Dictionary<string, string>(StringComparer.Ordinal) { [clientId] = secret });

    public override string ToString() => $"RegistrySimulatorOptions {{ Clients = [{string.Join(", ", Clients.Keys)}], Persons = {Persons.Count}, MaxRequestBytes = {MaxRequestBytes} }}";
}
