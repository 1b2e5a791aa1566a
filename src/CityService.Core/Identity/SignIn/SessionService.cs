using Microsoft.EntityFrameworkCore;

namespace CityService.Core.Identity.SignIn;

/// <summary>What a session shows its owner: never the phone, never the id of another account's session.</summary>
public sealed record SessionSummary(string Id, SessionKind Kind, SignInMethod Method, string? ChannelId, string? Device, DateTimeOffset CreatedAt, DateTimeOffset LastSeenAt, DateTimeOffset ExpiresAt);

/// <summary>
/// Server-side sessions (see docs/decisions/008-server-side-sessions.md): opened by every sign-in, checked on every
/// authorized request with one query, ended by signing out, by "sign out everywhere else", or by rotating the
/// account's security stamp.
/// </summary>
public sealed class SessionService(IDbContextFactory<CityDbContext> dbFactory, Notifications.NotificationService notifications, TimeProvider time, Audit.AuditLog audit)
{
    /// <summary>How often "last seen" is written at most: a request within this time of the last write writes nothing.</summary>
    public static readonly TimeSpan LastSeenGranularity = TimeSpan.FromMinutes(5);

    /// <summary>A page session ends after this long without a request (the cookie's sliding idle timeout).</summary>
    public static readonly TimeSpan PageIdleTimeout = TimeSpan.FromMinutes(30);

    /// <summary>An API session lives as long as its bearer token (no refresh).</summary>
    public static readonly TimeSpan ApiLifetime = TimeSpan.FromHours(1);

    public async Task<AccountSession> OpenAsync(Account account, SessionKind kind, SignInMethod method, string? channelId, string? userAgent, CancellationToken ct)
    {
        // A page session's row outlives the idle timeout by the last-seen granularity, so it never ends before the cookie does.
        var session = AccountSession.Open(account, kind, method, channelId, userAgent, time.GetUtcNow(),
            kind == SessionKind.Page ? PageIdleTimeout + LastSeenGranularity : ApiLifetime);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        db.Sessions.Add(session);
        if (session.Device is { } device)
        {
            // "A new device signed in": a device summary this account has not signed in from before (not its first sign-in).
            var known = await db.Sessions.AsNoTracking().Where(s => s.AccountId == account.Id).Select(s => s.Device).Distinct().ToListAsync(ct);
            if (known.Count > 0 && !known.Contains(device))
            {
                await notifications.NotifyAsync(db, account.Id, Notifications.NotificationEvents.NewDevice, new Dictionary<string, string>
                {
                    ["device"] = device,
                    ["at"] = Notifications.NotificationEvents.Time(session.CreatedAt),
                }, Notifications.NotificationService.PlatformRegion, ct);
            }
        }

        await audit.SaveWithAsync(db, [new(Audit.AuditActions.SignIn, Audit.AuditActor.Account(account.Id), Audit.AuditRecord.AccountObject, account.Id.ToString(),
            Details: Audit.AuditRecord.DetailsOf(new { method = method.ToString().ToLowerInvariant(), device = session.Device, channel = channelId }))], ct);
        return session;
    }

    /// <summary>
    /// True when the session is open, unexpired and of the account's current security stamp: one indexed query. At most
    /// once per <see cref="LastSeenGranularity"/> it also notes "last seen" (and moves a page session's expiry on).
    /// </summary>
    public async Task<bool> IsCurrentAsync(string sessionId, Guid accountId, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        // Not a compiled query: one process may hold models of both providers (tests), which compiled queries do not allow;
        // EF's query cache makes the difference small (docs/benchmarks.md).
        var state = await db.Sessions.AsNoTracking()
            .Where(s => s.Id == sessionId && s.AccountId == accountId && s.EndedAt == null && s.ExpiresAt > now)
            .Join(db.Accounts, s => s.AccountId, a => a.Id, (s, a) => new { s, a })
            .Where(x => x.a.SecurityStamp == x.s.SecurityStamp)
            .Select(x => new SessionState(x.s.Kind, x.s.LastSeenAt))
            .FirstOrDefaultAsync(ct);
        if (state is null)
        {
            return false;
        }

        if (now - state.LastSeenAt >= LastSeenGranularity)
        {
            var seen = state.LastSeenAt;
            var query = db.Sessions.Where(s => s.Id == sessionId && s.LastSeenAt == seen); // parallel requests write once
            if (state.Kind == SessionKind.Page)
            {
                var expires = now + PageIdleTimeout + LastSeenGranularity;
                await query.ExecuteUpdateAsync(u => u.SetProperty(s => s.LastSeenAt, now).SetProperty(s => s.ExpiresAt, expires), ct);
            }
            else
            {
                await query.ExecuteUpdateAsync(u => u.SetProperty(s => s.LastSeenAt, now), ct);
            }
        }

        return true;
    }

    /// <summary>The account's open sessions, most recently seen first.</summary>
    public async Task<IReadOnlyList<SessionSummary>> ListAsync(Guid accountId, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var stamp = await db.Accounts.AsNoTracking().Where(a => a.Id == accountId).Select(a => a.SecurityStamp).SingleOrDefaultAsync(ct);
        var sessions = await db.Sessions.AsNoTracking()
            .Where(s => s.AccountId == accountId && s.EndedAt == null && s.ExpiresAt > now && s.SecurityStamp == stamp)
            .Select(s => new SessionSummary(s.Id, s.Kind, s.Method, s.ChannelId, s.Device, s.CreatedAt, s.LastSeenAt, s.ExpiresAt))
            .ToListAsync(ct);
        return [.. sessions.OrderByDescending(s => s.LastSeenAt).ThenByDescending(s => s.CreatedAt)];
    }

    /// <summary>Ends one of the account's open sessions; false when the account has no such open session.</summary>
    public async Task<bool> EndAsync(Guid accountId, string sessionId, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        DateTimeOffset? ended = now;
        return await db.Sessions.Where(s => s.Id == sessionId && s.AccountId == accountId && s.EndedAt == null && s.ExpiresAt > now)
            .ExecuteUpdateAsync(u => u.SetProperty(s => s.EndedAt, ended), ct) > 0;
    }

    /// <summary>Ends every open session of the account except <paramref name="keep"/> (this device); returns how many ended.</summary>
    public async Task<int> EndOthersAsync(Guid accountId, string? keep, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        DateTimeOffset? ended = now;
        return await db.Sessions.Where(s => s.AccountId == accountId && s.EndedAt == null && s.Id != keep)
            .ExecuteUpdateAsync(u => u.SetProperty(s => s.EndedAt, ended), ct);
    }

    private sealed record SessionState(SessionKind Kind, DateTimeOffset LastSeenAt);
}
