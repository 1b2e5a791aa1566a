using CityService.Core.Catalog;
using CityService.Core.Common;

namespace CityService.Core.LifeEvents;

/// <summary>
/// Something that happens in a citizen's life (a birth, a marriage, a move) and the services it involves, in the order a
/// citizen usually needs them (一件事). As a region sees it: its ancestors' and its own overrides applied.
/// </summary>
public sealed record LifeEvent(string Code, LocalizedText Name, LocalizedText Description, IReadOnlyList<string> Synonyms, IReadOnlyList<string> Services)
{
    /// <summary>
    /// Whether one of the terms (a query and its synonym variants) is part of the event's names, description or synonyms,
    /// or the query names the event in a longer sentence (我要生孩子).
    /// </summary>
    public bool MatchesAny(IReadOnlyList<string> terms) => terms.Any(t =>
        Contains(Name.Zh, t) || Contains(Name.En, t) || Contains(Description.Zh, t) || Contains(Description.En, t)
        || Synonyms.Any(s => Contains(s, t))
        || Contains(t, Name.Zh) || Contains(t, Name.En));

    /// <summary>The event's services the region offers, in the event's order (codes the region does not offer are skipped).</summary>
    public IReadOnlyList<EffectiveServiceItem> OfferedIn(IReadOnlyList<EffectiveServiceItem> catalog)
    {
        var byCode = catalog.ToDictionary(i => i.Code, StringComparer.OrdinalIgnoreCase);
        return Services.Select(c => byCode.GetValueOrDefault(c)).OfType<EffectiveServiceItem>().ToList();
    }

    private static bool Contains(string text, string part) => text.Contains(part, StringComparison.OrdinalIgnoreCase);
}

/// <summary>
/// A region's change to an event, for itself and every region below it: <see cref="Enabled"/> is tri-state like the
/// catalog's overrides (null inherits, false disables, true enables again below a disabling ancestor); <see cref="Remove"/>
/// drops services, <see cref="Add"/> appends them.
/// </summary>
public sealed record LifeEventOverride(string Region, string Event, bool? Enabled = null, IReadOnlyList<string>? Add = null, IReadOnlyList<string>? Remove = null);
