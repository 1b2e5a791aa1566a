using System.Globalization;

namespace CityService.Core.Audit;

/// <summary>One thing wrong with the log, and exactly where: chain (region code), sequence, and what.</summary>
/// <param name="Kind">hash-mismatch | broken-link | forged | reordered | gap | truncated | bad-signature | checkpoint-mismatch | head-mismatch.</param>
public sealed record AuditProblem(string Chain, long? Sequence, string Kind, string Message)
{
    public override string ToString() => Sequence is { } s
        ? string.Create(CultureInfo.InvariantCulture, $"chain {Chain} sequence {s}: {Kind}: {Message}")
        : $"chain {Chain}: {Kind}: {Message}";
}

/// <summary>What a verification found: per chain the entries and the last checkpoint checked, and every problem.</summary>
public sealed record AuditVerification(IReadOnlyList<AuditChainSummary> Chains, IReadOnlyList<AuditProblem> Problems, DateTimeOffset CheckedAt)
{
    public bool Intact => Problems.Count == 0;
}

public sealed record AuditChainSummary(string Chain, long Entries, long LastSequence, long? CheckpointSequence, DateTimeOffset? CheckpointSignedAt);

/// <summary>
/// Checks every chain: each entry's hash against its canonical bytes, each link to the entry before, sequences without
/// gaps; each checkpoint's signature, and that the entry it names is there with the hash it signed (a missing one means
/// the tail was cut). Used by <c>CityService.Web audit verify</c>, the operator page and the API alike.
/// </summary>
public sealed class AuditVerifier(IDbContextFactory<CityDbContext> dbFactory, AuditKey key, TimeProvider time)
{
    /// <summary>How far a moved entry's original sequence is looked for, to name a reordering as one.</summary>
    private const int ReorderWindow = 8;

    public async Task<AuditVerification> VerifyAsync(CancellationToken ct)
    {
        var signer = await key.SignerAsync(ct);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var regions = await db.AuditEntries.AsNoTracking().Select(e => e.RegionCode)
            .Union(db.AuditCheckpoints.AsNoTracking().Select(c => c.RegionCode))
            .Union(db.AuditChainHeads.AsNoTracking().Select(h => h.RegionCode))
            .ToListAsync(ct);
        var problems = new List<AuditProblem>();
        var chains = new List<AuditChainSummary>();
        foreach (var region in regions.Order(StringComparer.Ordinal))
        {
            chains.Add(await VerifyChainAsync(db, signer, region, problems, ct));
        }

        return new AuditVerification(chains, problems, time.GetUtcNow());
    }

    private static async Task<AuditChainSummary> VerifyChainAsync(CityDbContext db, AuditCheckpointSigner signer, string region, List<AuditProblem> problems, CancellationToken ct)
    {
        var checkpoints = await db.AuditCheckpoints.AsNoTracking().Where(c => c.RegionCode == region).OrderBy(c => c.Sequence).ToListAsync(ct);
        var wanted = checkpoints.ToDictionary(c => c.Sequence);
        var seen = new Dictionary<long, string>(); // checkpointed sequence -> the entry's stored hash

        long count = 0, expected = 1;
        string? prevHash = AuditHash.Genesis;
        await foreach (var entry in db.AuditEntries.AsNoTracking().Where(e => e.RegionCode == region).OrderBy(e => e.Sequence).AsAsyncEnumerable().WithCancellation(ct))
        {
            count++;
            if (entry.Sequence > expected)
            {
                problems.Add(new(region, expected, "gap", expected == entry.Sequence - 1
                    ? $"entry {expected} is missing (deleted)"
                    : string.Create(CultureInfo.InvariantCulture, $"entries {expected}–{entry.Sequence - 1} are missing (deleted)")));
                prevHash = null; // the link of the entry after a gap cannot be checked
            }

            var recomputed = AuditHash.Of(entry);
            var hashOk = string.Equals(recomputed, entry.Hash, StringComparison.Ordinal);
            if (!hashOk)
            {
                problems.Add(MovedFrom(entry) is { } original
                    ? new(region, entry.Sequence, "reordered", string.Create(CultureInfo.InvariantCulture, $"the entry here was written as sequence {original} (sequences swapped or moved)"))
                    : new(region, entry.Sequence, "hash-mismatch", "the entry's content does not match its hash (edited)"));
            }
            else if (prevHash is not null && !string.Equals(entry.PrevHash, prevHash, StringComparison.Ordinal))
            {
                problems.Add(new(region, entry.Sequence, "broken-link", entry.Sequence == 1
                    ? "the first entry does not start from the genesis hash (forged)"
                    : string.Create(CultureInfo.InvariantCulture,
                        $"prev_hash does not match the hash of entry {entry.Sequence - 1}: this entry was forged or inserted, or the one before it re-hashed")));
            }

            if (wanted.ContainsKey(entry.Sequence))
            {
                seen[entry.Sequence] = entry.Hash;
            }

            prevHash = hashOk ? entry.Hash : null; // after a changed entry the next link says nothing more
            expected = entry.Sequence + 1;
        }

        var last = expected - 1;
        foreach (var checkpoint in checkpoints)
        {
            if (!signer.Verifies(checkpoint))
            {
                problems.Add(new(region, checkpoint.Sequence, "bad-signature", string.Equals(checkpoint.KeyId, signer.KeyId, StringComparison.Ordinal)
                    ? "the checkpoint's signature does not verify with the platform's audit key"
                    : $"the checkpoint is signed with key {checkpoint.KeyId}, not the platform's audit key {signer.KeyId}"));
                continue;
            }

            if (checkpoint.Sequence > last)
            {
                problems.Add(new(region, checkpoint.Sequence, "truncated", string.Create(CultureInfo.InvariantCulture,
                    $"the tail was truncated after sequence {last}: checkpoint {checkpoint.Sequence} (signed {checkpoint.SignedAt:u}) names entries that are gone")));
            }
            else if (seen.TryGetValue(checkpoint.Sequence, out var hash) && !string.Equals(hash, checkpoint.Hash, StringComparison.Ordinal))
            {
                problems.Add(new(region, checkpoint.Sequence, "checkpoint-mismatch",
                    "the entry's hash differs from the one checkpoint signed: the chain up to here was rewritten"));
            }
        }

        var head = await db.AuditChainHeads.AsNoTracking().Where(h => h.RegionCode == region).FirstOrDefaultAsync(ct);
        if (head is not null && head.Sequence != last)
        {
            problems.Add(new(region, head.Sequence, "head-mismatch", string.Create(CultureInfo.InvariantCulture,
                $"the chain head says sequence {head.Sequence}, the last entry is {last}")));
        }

        var lastCheckpoint = checkpoints.Count > 0 ? checkpoints[^1] : null;
        return new AuditChainSummary(region, count, last, lastCheckpoint?.Sequence, lastCheckpoint?.SignedAt);

        long? MovedFrom(AuditEntry entry)
        {
            for (var offset = 1; offset <= ReorderWindow; offset++)
            {
                foreach (var candidate in new[] { entry.Sequence - offset, entry.Sequence + offset })
                {
                    if (candidate > 0 && string.Equals(AuditHash.Of(entry, candidate), entry.Hash, StringComparison.Ordinal))
                    {
                        return candidate;
                    }
                }
            }

            return null;
        }
    }
}
