using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace CityService.Core.Common;

/// <summary>The four header names that carry a request signature; each party (platform, registry) has its own set.</summary>
public sealed record SignatureHeaderNames(string Client, string Timestamp, string Nonce, string Signature)
{
    /// <summary>The platform's own API clients: X-CS-Client, X-CS-Timestamp, X-CS-Nonce, X-CS-Signature.</summary>
    public static SignatureHeaderNames Platform { get; } = new("X-CS-Client", "X-CS-Timestamp", "X-CS-Nonce", "X-CS-Signature");

    /// <summary>The population registry: X-Registry-Client, X-Registry-Timestamp, X-Registry-Nonce, X-Registry-Signature.</summary>
    public static SignatureHeaderNames Registry { get; } = new("X-Registry-Client", "X-Registry-Timestamp", "X-Registry-Nonce", "X-Registry-Signature");
}

/// <summary>
/// HMAC-SHA256 request signing shared by every signed HTTP API of the platform.
/// <para>Request canonical string: <c>METHOD\npath?query\ntimestamp\nnonce\nhex(sha256(body))</c> — the method in upper case,
/// the path and query exactly as sent on the request line, the timestamp as Unix seconds in decimal, the body hash in
/// lower-case hex. Response canonical string: <c>timestamp\nrequest-nonce\nhex(sha256(body))</c>, which binds a response
/// to the request it answers.</para>
/// <para>Signature = base64(HMAC-SHA256(key, UTF-8(canonical string))). The key of a shared secret given as text is its
/// UTF-8 bytes (<see cref="KeyFromSecret"/>).</para>
/// </summary>
public static class RequestSigning
{
    /// <summary>How far a signed timestamp may lie from the verifier's clock, either way.</summary>
    public static readonly TimeSpan AllowedClockSkew = TimeSpan.FromMinutes(5);

    private const int SignatureBytes = 32; // HMAC-SHA256
    private const int MinNonceLength = 16;
    private const int MaxNonceLength = 128;
    private const int MaxTimestampDigits = 12;

    public static byte[] KeyFromSecret(string secret)
    {
        ArgumentException.ThrowIfNullOrEmpty(secret);
        return Encoding.UTF8.GetBytes(secret);
    }

    public static string CanonicalRequest(string method, string pathAndQuery, long unixSeconds, string nonce, ReadOnlySpan<byte> body)
    {
        ArgumentException.ThrowIfNullOrEmpty(method);
        ArgumentException.ThrowIfNullOrEmpty(pathAndQuery);
        ArgumentNullException.ThrowIfNull(nonce);
        return string.Create(CultureInfo.InvariantCulture, $"{method.ToUpperInvariant()}\n{pathAndQuery}\n{unixSeconds}\n{nonce}\n{HexSha256(body)}");
    }

    public static string CanonicalResponse(long unixSeconds, string requestNonce, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(requestNonce);
        return string.Create(CultureInfo.InvariantCulture, $"{unixSeconds}\n{requestNonce}\n{HexSha256(body)}");
    }

    /// <summary>base64(HMAC-SHA256(key, UTF-8(canonical))).</summary>
    public static string Sign(ReadOnlySpan<byte> key, string canonical) => Convert.ToBase64String(Mac(key, canonical));

    /// <summary>Whether <paramref name="signature"/> is the signature of <paramref name="canonical"/>, compared in constant time.</summary>
    public static bool Verify(ReadOnlySpan<byte> key, string canonical, string? signature)
    {
        if (string.IsNullOrEmpty(signature) || signature.Length > 64)
        {
            return false;
        }

        Span<byte> given = stackalloc byte[48];
        if (!Convert.TryFromBase64String(signature, given, out var written) || written != SignatureBytes)
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(Mac(key, canonical), given[..SignatureBytes]);
    }

    public static string SignRequest(ReadOnlySpan<byte> key, string method, string pathAndQuery, long unixSeconds, string nonce, ReadOnlySpan<byte> body) =>
        Sign(key, CanonicalRequest(method, pathAndQuery, unixSeconds, nonce, body));

    public static string SignResponse(ReadOnlySpan<byte> key, long unixSeconds, string requestNonce, ReadOnlySpan<byte> body) =>
        Sign(key, CanonicalResponse(unixSeconds, requestNonce, body));

    /// <summary>Lower-case hex SHA-256 of <paramref name="data"/>.</summary>
    public static string HexSha256(ReadOnlySpan<byte> data)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(data, hash);
        return Convert.ToHexStringLower(hash);
    }

    /// <summary>A fresh random nonce: 32 lower-case hex characters (128 bits).</summary>
    public static string NewNonce() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    /// <summary>16–128 characters from <c>A–Z a–z 0–9 - _ . ~</c>, so a nonce can never break the canonical string.</summary>
    public static bool IsWellFormedNonce(string? nonce)
    {
        if (nonce is null || nonce.Length < MinNonceLength || nonce.Length > MaxNonceLength)
        {
            return false;
        }

        foreach (var c in nonce)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('-' or '_' or '.' or '~'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Parses a signed timestamp: 1–12 ASCII digits, nothing else.</summary>
    public static bool TryParseTimestamp(string? value, out long unixSeconds)
    {
        unixSeconds = 0;
        if (string.IsNullOrEmpty(value) || value.Length > MaxTimestampDigits)
        {
            return false;
        }

        foreach (var c in value)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out unixSeconds);
    }

    public static string FormatTimestamp(long unixSeconds) => unixSeconds.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// Signs <paramref name="request"/> in place: sets the client, timestamp, nonce and signature headers. The request URI must
    /// be absolute (its <see cref="Uri.PathAndQuery"/> is what goes on the request line), and <paramref name="body"/> must be
    /// exactly the bytes of the request content (empty for none). Returns the nonce, needed to verify the signed response.
    /// </summary>
    public static string SignHttpRequest(HttpRequestMessage request, SignatureHeaderNames headers, string clientId, ReadOnlySpan<byte> key, ReadOnlySpan<byte> body, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(headers);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentException.ThrowIfNullOrEmpty(clientId);
        if (request.RequestUri is not { IsAbsoluteUri: true } uri)
        {
            throw new ArgumentException("A signed request needs an absolute URI, so the signed path is the one sent.", nameof(request));
        }

        var nonce = NewNonce();
        var timestamp = time.GetUtcNow().ToUnixTimeSeconds();
        var signature = SignRequest(key, request.Method.Method, uri.PathAndQuery, timestamp, nonce, body);
        SetHeader(request, headers.Client, clientId);
        SetHeader(request, headers.Timestamp, FormatTimestamp(timestamp));
        SetHeader(request, headers.Nonce, nonce);
        SetHeader(request, headers.Signature, signature);
        return nonce;
    }

    private static void SetHeader(HttpRequestMessage request, string name, string value)
    {
        request.Headers.Remove(name);
        request.Headers.TryAddWithoutValidation(name, value);
    }

    private static byte[] Mac(ReadOnlySpan<byte> key, string canonical) => HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(canonical));
}

/// <summary>Why a signature was or was not accepted.</summary>
public enum SignatureVerdict
{
    Valid,
    Missing,
    MalformedTimestamp,
    TimestampOutOfRange,
    MalformedNonce,
    BadSignature,
}

/// <summary>
/// Verifies signed requests and responses (see <see cref="RequestSigning"/>): well-formed headers, a timestamp within
/// <see cref="RequestSigning.AllowedClockSkew"/> (or <paramref name="allowedSkew"/>) of <paramref name="time"/>'s now,
/// and the signature, compared in constant time. Replay of nonces is checked separately (<see cref="NonceReplayCache"/>),
/// and only after the signature is valid.
/// </summary>
public sealed class SignatureVerifier(TimeProvider time, TimeSpan? allowedSkew = null)
{
    private readonly TimeSpan _skew = allowedSkew ?? RequestSigning.AllowedClockSkew;

    public TimeSpan AllowedSkew => _skew;

    public SignatureVerdict VerifyRequest(ReadOnlySpan<byte> key, string method, string pathAndQuery, string? timestamp, string? nonce, string? signature, ReadOnlySpan<byte> body)
    {
        if (string.IsNullOrEmpty(timestamp) || string.IsNullOrEmpty(nonce) || string.IsNullOrEmpty(signature))
        {
            return SignatureVerdict.Missing;
        }

        if (!RequestSigning.TryParseTimestamp(timestamp, out var seconds))
        {
            return SignatureVerdict.MalformedTimestamp;
        }

        if (!RequestSigning.IsWellFormedNonce(nonce))
        {
            return SignatureVerdict.MalformedNonce;
        }

        if (!IsFresh(seconds))
        {
            return SignatureVerdict.TimestampOutOfRange;
        }

        return RequestSigning.Verify(key, RequestSigning.CanonicalRequest(method, pathAndQuery, seconds, nonce, body), signature)
            ? SignatureVerdict.Valid
            : SignatureVerdict.BadSignature;
    }

    public SignatureVerdict VerifyResponse(ReadOnlySpan<byte> key, string requestNonce, string? timestamp, string? signature, ReadOnlySpan<byte> body)
    {
        if (string.IsNullOrEmpty(timestamp) || string.IsNullOrEmpty(signature))
        {
            return SignatureVerdict.Missing;
        }

        if (!RequestSigning.TryParseTimestamp(timestamp, out var seconds))
        {
            return SignatureVerdict.MalformedTimestamp;
        }

        if (!IsFresh(seconds))
        {
            return SignatureVerdict.TimestampOutOfRange;
        }

        return RequestSigning.Verify(key, RequestSigning.CanonicalResponse(seconds, requestNonce, body), signature)
            ? SignatureVerdict.Valid
            : SignatureVerdict.BadSignature;
    }

    /// <summary>Whether a Unix-seconds timestamp lies within the allowed skew of now, either way.</summary>
    public bool IsFresh(long unixSeconds)
    {
        var now = time.GetUtcNow().ToUnixTimeSeconds();
        var skew = (long)_skew.TotalSeconds;
        return unixSeconds >= now - skew && unixSeconds <= now + skew;
    }
}

/// <summary>
/// Remembers (client, nonce) pairs long enough that a captured request cannot be replayed while its timestamp is still
/// accepted: by default twice the allowed clock skew. In memory, per process; expired entries are swept as it goes.
/// </summary>
public sealed class NonceReplayCache(TimeProvider time, TimeSpan? retention = null)
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _seen = new(StringComparer.Ordinal);
    private readonly TimeSpan _retention = retention ?? (RequestSigning.AllowedClockSkew * 2);
    private readonly Lock _sweepLock = new();
    private DateTimeOffset _nextSweep = DateTimeOffset.MinValue;

    public int Count => _seen.Count;

    /// <summary>Records the nonce; false when the same client already used it within the retention time.</summary>
    public bool TryUse(string clientId, string nonce)
    {
        var now = time.GetUtcNow();
        SweepIfDue(now);
        var key = clientId + "\n" + nonce;
        var expires = now + _retention;
        while (true)
        {
            if (_seen.TryAdd(key, expires))
            {
                return true;
            }

            if (!_seen.TryGetValue(key, out var existing))
            {
                continue; // swept meanwhile: try again
            }

            if (existing > now)
            {
                return false;
            }

            if (_seen.TryUpdate(key, expires, existing))
            {
                return true; // the earlier use has expired
            }
        }
    }

    private void SweepIfDue(DateTimeOffset now)
    {
        lock (_sweepLock)
        {
            if (now < _nextSweep)
            {
                return;
            }

            _nextSweep = now + TimeSpan.FromSeconds(30);
        }

        foreach (var entry in _seen)
        {
            if (entry.Value <= now)
            {
                _seen.TryRemove(entry);
            }
        }
    }
}
