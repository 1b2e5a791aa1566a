namespace CityService.Core.Notifications;

/// <summary>One inbox entry as its owner sees it, in both languages (the page picks one).</summary>
public sealed record InboxItem(Guid Id, string Event, string Category, string TitleZh, string TitleEn, string BodyZh, string BodyEn, DateTimeOffset CreatedAt, DateTimeOffset? ReadAt);

/// <summary>One page of the inbox, with the totals the bell and the pager need.</summary>
public sealed record InboxPage(IReadOnlyList<InboxItem> Items, int Total, int Unread, int Page, int PageSize);

/// <summary>
/// A citizen's in-app inbox: every query names the account, so another person's entry is simply not found (404, never
/// 403). Reading marks with one conditional UPDATE each, so parallel "mark read" requests write once.
/// </summary>
public sealed class Inbox(CityDbContext db, TimeProvider time)
{
    public const int DefaultPageSize = 20;
    public const int MaxPageSize = 100;

    public async Task<InboxPage> PageAsync(Guid accountId, int page, int pageSize, CancellationToken ct)
    {
        var mine = db.InboxNotifications.AsNoTracking().Where(n => n.AccountId == accountId);
        var total = await mine.CountAsync(ct);
        var unread = await UnreadAsync(accountId, ct);
        var items = await mine.OrderByDescending(n => n.CreatedAt).ThenByDescending(n => n.Id)
            .Skip((page - 1) * pageSize).Take(pageSize)
            .Select(n => new InboxItem(n.Id, n.EventCode, n.Category, n.TitleZh, n.TitleEn, n.BodyZh, n.BodyEn, n.CreatedAt, n.ReadAt))
            .ToListAsync(ct);
        return new InboxPage(items, total, unread, page, pageSize);
    }

    /// <summary>The bell's number: one indexed COUNT.</summary>
    public Task<int> UnreadAsync(Guid accountId, CancellationToken ct) =>
        db.InboxNotifications.AsNoTracking().CountAsync(n => n.AccountId == accountId && n.ReadAt == null, ct);

    /// <summary>Marks one of the account's entries read (again: no change); false when the account has no such entry.</summary>
    public async Task<bool> MarkReadAsync(Guid accountId, Guid id, CancellationToken ct)
    {
        DateTimeOffset? now = time.GetUtcNow();
        if (await db.InboxNotifications.Where(n => n.Id == id && n.AccountId == accountId && n.ReadAt == null)
                .ExecuteUpdateAsync(u => u.SetProperty(n => n.ReadAt, now), ct) > 0)
        {
            return true;
        }

        return await db.InboxNotifications.AnyAsync(n => n.Id == id && n.AccountId == accountId, ct);
    }

    /// <summary>Marks every unread entry of the account read; returns how many.</summary>
    public Task<int> MarkAllReadAsync(Guid accountId, CancellationToken ct)
    {
        DateTimeOffset? now = time.GetUtcNow();
        return db.InboxNotifications.Where(n => n.AccountId == accountId && n.ReadAt == null)
            .ExecuteUpdateAsync(u => u.SetProperty(n => n.ReadAt, now), ct);
    }
}
