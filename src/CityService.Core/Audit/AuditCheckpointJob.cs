using CityService.Core.Jobs;
using Microsoft.Extensions.Logging;

namespace CityService.Core.Audit;

/// <summary>
/// Signs each chain's head that moved since its last checkpoint (recurring, <c>Audit:CheckpointInterval</c>). A tail cut
/// off after a checkpoint is then missing entries the checkpoint names, which verify reports.
/// </summary>
public sealed partial class AuditCheckpointJob(IDbContextFactory<CityDbContext> dbFactory, AuditKey key, TimeProvider time, ILogger<AuditCheckpointJob> logger) : IJob
{
    public const string Name = "audit-checkpoint";

    public async Task RunAsync(JobRunContext context, CancellationToken ct) => await CheckpointAsync(ct);

    /// <summary>Returns how many chains got a new checkpoint.</summary>
    public async Task<int> CheckpointAsync(CancellationToken ct)
    {
        var signer = await key.SignerAsync(ct);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var heads = await db.AuditChainHeads.AsNoTracking().Where(h => h.Sequence > 0).ToListAsync(ct);
        var signed = await db.AuditCheckpoints.AsNoTracking().GroupBy(c => c.RegionCode)
            .Select(g => new { Region = g.Key, Sequence = g.Max(c => c.Sequence) }).ToDictionaryAsync(x => x.Region, x => x.Sequence, ct);
        var now = time.GetUtcNow();
        var added = 0;
        foreach (var head in heads.Where(h => !signed.TryGetValue(h.RegionCode, out var last) || last < h.Sequence))
        {
            db.AuditCheckpoints.Add(signer.Sign(head.RegionCode, head.Sequence, head.Hash, now));
            added++;
        }

        if (added > 0 && !await db.TrySaveChangesAsync(ct))
        {
            return 0; // another instance signed the same heads first
        }

        LogCheckpoints(added, signer.KeyId);
        return added;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Audit checkpoints: {Chains} chain head(s) signed with key {KeyId}")]
    private partial void LogCheckpoints(int chains, string keyId);
}
