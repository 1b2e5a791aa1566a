using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace CityService.Core.Audit;

/// <summary>
/// The canonical serialisation of an entry and its hash (docs/decisions/020-audit-log.md). The bytes are the ASCII tag
/// <c>cityservice-audit-v1</c> followed by these fields in this order, each as a 4-byte big-endian length and its UTF-8
/// bytes, a null field as the length 0xFFFFFFFF and no bytes: region_code, sequence (decimal), at (unix milliseconds,
/// decimal), actor_kind, actor_id, action, object_type, object_id, outcome, request_id, details, prev_hash. The hash is
/// the lower-case hex SHA-256 of those bytes. Length prefixes make the encoding unambiguous without escaping rules, so a
/// verifier in any language can rebuild it.
/// </summary>
public static class AuditHash
{
    /// <summary>The <see cref="AuditEntry.PrevHash"/> of a chain's first entry.</summary>
    public static readonly string Genesis = new('0', 64);

    private static readonly byte[] Tag = "cityservice-audit-v1"u8.ToArray();

    public static string Of(AuditEntry e) => Of(e, e.Sequence);

    /// <summary>The hash the entry would have at <paramref name="sequence"/> (the verifier's test for moved entries).</summary>
    public static string Of(AuditEntry e, long sequence)
    {
        using var buffer = new MemoryStream(256);
        buffer.Write(Tag);
        Field(buffer, e.RegionCode);
        Field(buffer, sequence.ToString(CultureInfo.InvariantCulture));
        Field(buffer, e.At.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture));
        Field(buffer, e.ActorKind);
        Field(buffer, e.ActorId);
        Field(buffer, e.Action);
        Field(buffer, e.ObjectType);
        Field(buffer, e.ObjectId);
        Field(buffer, e.Outcome);
        Field(buffer, e.RequestId);
        Field(buffer, e.Details);
        Field(buffer, e.PrevHash);
        return Convert.ToHexStringLower(SHA256.HashData(buffer.GetBuffer().AsSpan(0, (int)buffer.Length)));
    }

    private static void Field(MemoryStream buffer, string? value)
    {
        Span<byte> length = stackalloc byte[4];
        if (value is null)
        {
            BinaryPrimitives.WriteUInt32BigEndian(length, uint.MaxValue);
            buffer.Write(length);
            return;
        }

        var bytes = Encoding.UTF8.GetBytes(value);
        BinaryPrimitives.WriteUInt32BigEndian(length, (uint)bytes.Length);
        buffer.Write(length);
        buffer.Write(bytes);
    }
}
