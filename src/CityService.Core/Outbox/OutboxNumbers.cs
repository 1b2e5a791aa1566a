namespace CityService.Core.Outbox;

/// <summary>What operators and the metrics watch, per channel: waiting messages, the oldest one's age, dead ones.</summary>
public sealed record OutboxChannelNumbers(string Channel, long Pending, double OldestPendingAgeSeconds, long Dead);

public static class OutboxNumbers
{
    /// <summary>Reads the numbers (one grouped query over the (state, next_attempt_at) index's table).</summary>
    public static async Task<IReadOnlyList<OutboxChannelNumbers>> ReadAsync(CityDbContext db, DateTimeOffset now, CancellationToken ct)
    {
        var rows = await db.OutboxMessages.AsNoTracking()
            .Where(m => m.State != OutboxState.Delivered)
            .GroupBy(m => new { m.Channel, m.State })
            .Select(g => new { g.Key.Channel, g.Key.State, Count = g.LongCount(), Oldest = g.Min(m => m.CreatedAt) })
            .ToListAsync(ct);
        return [.. rows.GroupBy(r => r.Channel).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g =>
        {
            var pending = g.FirstOrDefault(r => r.State == OutboxState.Pending);
            return new OutboxChannelNumbers(
                g.Key,
                pending?.Count ?? 0,
                pending is null ? 0 : Math.Max(0, (now - pending.Oldest).TotalSeconds),
                g.FirstOrDefault(r => r.State == OutboxState.Dead)?.Count ?? 0);
        })];
    }
}
