using CityService.Core.Notifications;
using CityService.Core.Storage;
using CityService.Web.Features.Identity;
using CityService.Web.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.EntityFrameworkCore;

namespace CityService.Web.Features.Notifications;

/// <summary>The operators' list of notification events: their variables (documented, with examples) and their templates.</summary>
[Authorize(Policy = IdentitySetup.PlatformAdminPolicy)]
public sealed class TemplatesModel(CityDbContext db) : AccountPageModel
{
    public const string Path = "/admin/notifications/templates";

    /// <summary>The active version of each (event, channel, language) that has a saved one; the others are at version 1.</summary>
    public IReadOnlyDictionary<(string Event, string Channel, string Language), int> Active { get; private set; } = new Dictionary<(string, string, string), int>();

    public async Task OnGetAsync(CancellationToken ct)
    {
        var saved = await db.NotificationTemplates.AsNoTracking()
            .GroupBy(t => new { t.EventCode, t.Channel, t.Language })
            .Select(g => new { g.Key.EventCode, g.Key.Channel, g.Key.Language, Version = g.Max(t => t.Version) })
            .ToListAsync(ct);
        Active = saved.ToDictionary(s => (s.EventCode, s.Channel, s.Language), s => s.Version);
    }

    public int VersionOf(string eventCode, string channel, string language) => Active.GetValueOrDefault((eventCode, channel, language), 1);

    public static string ChannelName(Texts t, string channel) => channel switch
    {
        NotificationChannels.Sms => t["notify.channel.sms"],
        NotificationChannels.Email => t["notify.channel.email"],
        _ => t["notify.channel.inbox"],
    };

    public static string LanguageName(Texts t, string language) => language == "en" ? t["notify.language.en"] : t["notify.language.zh"];

    public static string EditUrl(string eventCode, string channel, string language) => $"{Path}/{eventCode}/{channel}/{language}";
}
