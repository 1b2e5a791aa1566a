using CityService.Core.Common;
using CityService.Core.Jobs;

namespace CityService.Core.Outbox;

/// <summary>What operators do to the outbox.</summary>
public static class OutboxAdmin
{
    /// <summary>
    /// Puts a dead message back to pending, due now, with a fresh round of attempts (its last error kept), and records in
    /// the audit log which operator did so — in the same transaction.
    /// </summary>
    public static async Task<Error?> RetryAsync(CityDbContext db, Audit.AuditLog audit, Guid operatorId, Guid id, DateTimeOffset now, BackgroundWorkSignal signal, CancellationToken ct)
    {
        await using var tx = await db.BeginSerialisedAsync(ct);
        var changed = await db.OutboxMessages.Where(m => m.Id == id && m.State == OutboxState.Dead)
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.State, OutboxState.Pending).SetProperty(m => m.Attempts, 0).SetProperty(m => m.NextAttemptAt, now)
                .SetProperty(m => m.LeaseOwner, (string?)null).SetProperty(m => m.LeaseUntil, (DateTimeOffset?)null), ct);
        if (changed == 1)
        {
            await audit.RecordAsync(db, new Audit.AuditRecord(Audit.AuditActions.OutboxRetried, Audit.AuditActor.Account(operatorId), "outbox-message", id.ToString()), ct);
            await tx.CommitAsync(ct);
            signal.Outbox.Signal();
            return null;
        }

        return await db.OutboxMessages.AnyAsync(m => m.Id == id, ct)
            ? new Error(ErrorKind.Conflict, OutboxErrors.NotDead, new("只有已放弃投递的消息才能重试。", "Only a dead message can be retried."), "id")
            : Error.NotFound(OutboxErrors.MessageNotFound, "没有这条消息。", "There is no such message.", "id");
    }
}
