using System.Net;
using System.Security.Cryptography;
using System.Text;
using CityService.Web.Infrastructure;

namespace CityService.Web.Features.Metrics;

/// <summary>
/// Who may read /metrics: a client whose address is in <c>Metrics:AllowedNetworks</c> (CIDR list, default loopback), or
/// one that presents <c>Metrics:ScrapeToken</c> as a bearer token. The address is the connection's, as resolved from the
/// configured proxies' X-Forwarded-For (ADR 013), so a forwarded header from anyone else changes nothing.
/// </summary>
public sealed class MetricsAccess
{
    public const int MinimumTokenLength = 32;

    /// <summary>Loopback only: a Prometheus (or agent) on the same machine.</summary>
    public static readonly IReadOnlyList<IPNetwork> Loopback = [IPNetwork.Parse("127.0.0.0/8"), IPNetwork.Parse("::1/128")];

    private readonly byte[]? _tokenHash;

    public MetricsAccess(IReadOnlyList<IPNetwork> networks, string? token)
    {
        Networks = networks;
        _tokenHash = string.IsNullOrEmpty(token) ? null : SHA256.HashData(Encoding.UTF8.GetBytes(token));
    }

    public IReadOnlyList<IPNetwork> Networks { get; }

    /// <summary>Reads and checks the settings; a wrong one stops the start, naming it.</summary>
    public static MetricsAccess From(IConfiguration configuration)
    {
        var networks = new List<IPNetwork>();
        foreach (var value in HttpConventions.Values(configuration.GetSection("Metrics:AllowedNetworks")))
        {
            networks.Add(IPNetwork.TryParse(value, out var network)
                ? network
                : throw new InvalidOperationException($"Metrics:AllowedNetworks: '{value}' is not a network in CIDR notation (e.g. 10.0.0.0/8). See docs/operations.md."));
        }

        var token = configuration["Metrics:ScrapeToken"];
        if (!string.IsNullOrEmpty(token) && token.Length < MinimumTokenLength)
        {
            throw new InvalidOperationException($"Metrics:ScrapeToken is shorter than {MinimumTokenLength} characters. See docs/operations.md.");
        }

        return new MetricsAccess(networks.Count > 0 ? networks : Loopback, token);
    }

    public bool Allows(HttpContext http) => AddressAllowed(http.Connection.RemoteIpAddress) || TokenMatches(http.Request.Headers.Authorization.ToString());

    private bool AddressAllowed(IPAddress? address)
    {
        if (address is null)
        {
            return false; // no network peer (TestServer, a Unix socket): only the token lets it in
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        foreach (var network in Networks)
        {
            if (network.Contains(address))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Compares SHA-256 hashes in constant time: neither the token's length nor its first wrong byte shows in the timing.</summary>
    private bool TokenMatches(string authorization)
    {
        const string Scheme = "Bearer ";
        if (_tokenHash is null || !authorization.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var presented = SHA256.HashData(Encoding.UTF8.GetBytes(authorization[Scheme.Length..].Trim()));
        return CryptographicOperations.FixedTimeEquals(presented, _tokenHash);
    }
}
