using CityService.Core.Catalog;
using CityService.Core.LifeEvents;
using CityService.Web.Features.Catalog;

namespace CityService.Web.Features.LifeEvents;

public sealed record LifeEventSummaryDto(string Code, string NameZh, string NameEn, string DescriptionZh, string DescriptionEn, int ServiceCount)
{
    public static LifeEventSummaryDto From(LifeEvent e, int offered) =>
        new(e.Code, e.Name.Zh, e.Name.En, e.Description.Zh, e.Description.En, offered);
}

public sealed record LifeEventListDto(IReadOnlyList<LifeEventSummaryDto> Items, int Total);

/// <summary>A life event as a region sees it: its services in order, only those the region offers.</summary>
public sealed record LifeEventDto(
    string Code,
    string RegionCode,
    string NameZh,
    string NameEn,
    string DescriptionZh,
    string DescriptionEn,
    IReadOnlyList<string> Synonyms,
    IReadOnlyList<ServiceSummaryDto> Services)
{
    public static LifeEventDto From(string regionCode, LifeEvent e, IReadOnlyList<EffectiveServiceItem> offered) => new(
        e.Code, regionCode, e.Name.Zh, e.Name.En, e.Description.Zh, e.Description.En, e.Synonyms, offered.Select(ServiceSummaryDto.From).ToList());
}

/// <summary>The model of the search results' life-event group (<c>_FoundEvents.cshtml</c>): the events and where each links to.</summary>
public sealed record FoundEvents(IReadOnlyList<LifeEvent> Events, Func<LifeEvent, string> Href);
