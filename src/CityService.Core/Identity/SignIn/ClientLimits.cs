using CityService.Core.Storage;
using Microsoft.EntityFrameworkCore;

namespace CityService.Core.Identity.SignIn;

/// <summary>One counted use of a limited action by a client address (blind index), kept until its window has passed.</summary>
public sealed class ClientLimitHit
{
    private ClientLimitHit()
    {
        Purpose = ClientIndex = string.Empty;
    }

    public Guid Id { get; private set; }

    public string Purpose { get; private set; }

    public string ClientIndex { get; private set; }

    public DateTimeOffset At { get; private set; }

    public static ClientLimitHit Record(string purpose, string clientIndex, DateTimeOffset at) =>
        new() { Id = Guid.CreateVersion7(at), Purpose = purpose, ClientIndex = clientIndex, At = at };
}

/// <summary>
/// Per-client-address limits over a sliding window, counted in the database so every instance enforces the same
/// (codes sent, password sign-in tries). Counting and recording happen under a lock on the purpose and address, so
/// parallel requests cannot all see room for one more. See docs/decisions/006-identity.md.
/// </summary>
public sealed class ClientLimits(CityDbContext db, TimeProvider time)
{
    /// <summary>
    /// Takes one use of <paramref name="purpose"/> for the address, or returns how long to wait when
    /// <paramref name="limit"/> uses were counted in the last <paramref name="window"/>. Joins the caller's transaction
    /// (begun with <see cref="Serialisation.BeginSerialisedAsync"/>; the caller commits) or runs in its own.
    /// </summary>
    public async Task<TimeSpan?> TryTakeAsync(string purpose, string clientIndex, int limit, TimeSpan window, CancellationToken ct)
    {
        var own = db.Database.CurrentTransaction is null ? await db.BeginSerialisedAsync(ct) : null;
        await using (own)
        {
            await db.LockAsync("client-limit:" + purpose + ":" + clientIndex, ct);
            var now = time.GetUtcNow();
            var since = now - window;
            var hits = db.Set<ClientLimitHit>().Where(h => h.Purpose == purpose && h.ClientIndex == clientIndex);
            var counted = await hits.AsNoTracking().Where(h => h.At > since).Select(h => h.At).ToListAsync(ct);
            if (counted.Count >= limit)
            {
                return counted.Min() + window - now;
            }

            await hits.Where(h => h.At <= since).ExecuteDeleteAsync(ct); // what has left the window
            db.Add(ClientLimitHit.Record(purpose, clientIndex, now));
            await db.SaveChangesAsync(ct);
            if (own is not null)
            {
                await own.CommitAsync(ct);
            }

            return null;
        }
    }
}

public sealed class ClientLimitHitConfiguration : IEntityTypeConfiguration<ClientLimitHit>
{
    public void Configure(EntityTypeBuilder<ClientLimitHit> builder)
    {
        builder.ToTable("client_limit_hits");
        builder.HasKey(h => h.Id);
        builder.HasIndex(h => new { h.Purpose, h.ClientIndex, h.At }).HasDatabaseName("ix_client_limit_hits_purpose_client_at");
    }
}
