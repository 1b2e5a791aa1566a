using System.Globalization;
using CityService.Core.Common;
using CityService.Core.Identity;
using CityService.Core.Outbox;

namespace CityService.Core.Notifications;

/// <summary>
/// Tells a citizen about something: the inbox entry, and an outbox message for each outside channel the citizen wants
/// for the event's category (or every channel of a mandatory event), all added to the caller's context so they are
/// written by the caller's own SaveChanges — in the same transaction as the change they tell of, or not at all.
/// </summary>
public sealed class NotificationService(NotificationTemplates templates, TimeProvider time)
{
    /// <summary>The region code of the platform's own notifications (identity belongs to no region).</summary>
    public const string PlatformRegion = Regions.Region.PlatformCode;

    /// <summary>
    /// Adds the notification of <paramref name="eventCode"/> to <paramref name="db"/>'s pending changes. The variables
    /// must be the event's (never personal data in clear: masked values only); the outside channels' texts are rendered
    /// when they are sent, in the citizen's current language, with the template version active now.
    /// </summary>
    public async Task<InboxNotification?> NotifyAsync(
        CityDbContext db, Guid accountId, string eventCode, IReadOnlyDictionary<string, string> variables, string regionCode, CancellationToken ct)
    {
        var what = NotificationEvents.Find(eventCode) ?? throw new ArgumentException($"Unknown notification event '{eventCode}'.", nameof(eventCode));
        var now = time.GetUtcNow();
        InboxNotification? inbox = null;
        if (what.Channels.Contains(NotificationChannels.Inbox))
        {
            var zh = templates.Render(await NotificationTemplates.ActiveAsync(db, what.Code, NotificationChannels.Inbox, "zh", ct), variables);
            var en = templates.Render(await NotificationTemplates.ActiveAsync(db, what.Code, NotificationChannels.Inbox, "en", ct), variables);
            inbox = InboxNotification.Create(accountId, what, regionCode, zh, en, now);
            db.InboxNotifications.Add(inbox);
            PlatformMetrics.Notifications.Add(1, new("event", what.Code), new("channel", NotificationChannels.Inbox));
        }

        var outside = what.Channels.Where(c => c != NotificationChannels.Inbox).ToList();
        if (outside.Count == 0)
        {
            return inbox;
        }

        var wanted = what.Mandatory ? (Sms: true, Email: true) : await NotificationPreferences.ForAsync(db, accountId, what.Category, ct);
        if (outside.Contains(NotificationChannels.Email) && wanted.Email)
        {
            // E-mail is optional on an account: without an address there is nothing to send.
            wanted.Email = await db.Accounts.AnyAsync(a => a.Id == accountId && a.EmailCipher != null, ct);
        }

        var language = Language();
        foreach (var channel in outside.Where(c => c == NotificationChannels.Sms ? wanted.Sms : wanted.Email))
        {
            var version = await NotificationTemplates.ActiveAsync(db, what.Code, channel, language, ct);
            var envelope = new NotificationEnvelope(accountId, what.Code, version.Version, language, variables);
            db.Enqueue(channel, regionCode, NotificationPayload.Write(envelope), now);
            PlatformMetrics.Notifications.Add(1, new("event", what.Code), new("channel", channel));
        }

        return inbox;
    }

    /// <summary>"en" when the request is in English, else "zh" (Chinese is the default).</summary>
    public static string Language() => CultureInfo.CurrentUICulture.TwoLetterISOLanguageName == "en" ? "en" : "zh";
}

/// <summary>Renders an outbox envelope's text with the template version it names (the senders call this at send time).</summary>
public sealed class NotificationRenderer(IDbContextFactory<CityDbContext> dbFactory, NotificationTemplates templates) : INotificationRenderer
{
    public async Task<RenderedNotification> RenderAsync(string eventCode, string channel, string language, int templateVersion,
        IReadOnlyDictionary<string, string> variables, CancellationToken ct)
    {
        if (NotificationTemplates.Target(eventCode, channel, language) is { } missing)
        {
            throw new ArgumentException(missing.Message.En);
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var template = await NotificationTemplates.VersionAsync(db, eventCode, channel, language, templateVersion, ct)
            ?? await NotificationTemplates.ActiveAsync(db, eventCode, channel, language, ct);
        return templates.Render(template, variables);
    }
}

/// <summary>One category's channels as the citizen chose them (or its defaults).</summary>
public sealed record CategoryChoice(string Category, bool Sms, bool Email);

/// <summary>The citizen's choice of channels per category. The inbox is always on; mandatory events ignore the choice.</summary>
public static class NotificationPreferences
{
    public static async Task<(bool Sms, bool Email)> ForAsync(CityDbContext db, Guid accountId, string category, CancellationToken ct)
    {
        var row = await db.NotificationPreferences.AsNoTracking()
            .Where(p => p.AccountId == accountId && p.Category == category)
            .Select(p => new { p.Sms, p.Email })
            .FirstOrDefaultAsync(ct);
        return row is null ? (NotificationCategories.Find(category)?.SmsByDefault ?? false, false) : (row.Sms, row.Email);
    }

    /// <summary>Every category with the account's choice or the default, in the catalogue's order.</summary>
    public static async Task<IReadOnlyList<CategoryChoice>> ListAsync(CityDbContext db, Guid accountId, CancellationToken ct)
    {
        var rows = await db.NotificationPreferences.AsNoTracking().Where(p => p.AccountId == accountId).ToListAsync(ct);
        return [.. NotificationCategories.All.Select(c => rows.FirstOrDefault(r => r.Category == c.Code) is { } r
            ? new CategoryChoice(c.Code, r.Sms, r.Email)
            : new CategoryChoice(c.Code, c.SmsByDefault, false))];
    }

    /// <summary>Sets the given categories (others keep theirs); an unknown category is a 400 naming it, and nothing changes.</summary>
    public static async Task<Result<IReadOnlyList<CategoryChoice>>> SetAsync(CityDbContext db, Guid accountId, IReadOnlyList<CategoryChoice> choices, DateTimeOffset now, CancellationToken ct)
    {
        if (choices.FirstOrDefault(c => NotificationCategories.Find(c.Category) is null) is { } unknown)
        {
            return Error.Invalid("category", NotificationErrors.UnknownCategory,
                $"没有通知类别“{unknown.Category}”。", $"There is no notification category '{unknown.Category}'.");
        }

        var rows = await db.NotificationPreferences.Where(p => p.AccountId == accountId).ToListAsync(ct);
        foreach (var choice in choices.DistinctBy(c => c.Category))
        {
            if (rows.FirstOrDefault(r => r.Category == choice.Category) is { } row)
            {
                row.Change(choice.Sms, choice.Email, now);
            }
            else
            {
                db.NotificationPreferences.Add(NotificationPreference.Choose(accountId, choice.Category, choice.Sms, choice.Email, now));
            }
        }

        if (!await db.TrySaveChangesAsync(ct))
        {
            // Another request of the same citizen added a row a moment ago: apply this choice over it once.
            return await SetAsync(db, accountId, choices, now, ct);
        }

        return Result<IReadOnlyList<CategoryChoice>>.Ok(await ListAsync(db, accountId, ct));
    }
}
