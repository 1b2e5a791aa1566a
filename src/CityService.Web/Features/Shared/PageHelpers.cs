using CityService.Core.Catalog;
using CityService.Core.Regions;
using CityService.Web.Infrastructure;

namespace CityService.Web.Features.Shared;

/// <summary>Display helpers shared by the pages (one rule for names, fees, visits and links).</summary>
public static class PageHelpers
{
    public const string CityCookie = "cs-city";

    public static string Name(Region region) => Texts.Pick(region.NameZh, region.NameEn);

    public static string Name(EffectiveServiceItem item) => Texts.Pick(item.Name);

    public static string ServicesUrl(string city, ServiceField? field = null, string? q = null, int page = 1)
    {
        var query = new List<string>();
        if (field is { } f)
        {
            query.Add("field=" + f.Slug());
        }

        if (!string.IsNullOrWhiteSpace(q))
        {
            query.Add("q=" + Uri.EscapeDataString(q));
        }

        if (page > 1)
        {
            query.Add("page=" + page.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        return $"/city/{city}/services" + (query.Count > 0 ? "?" + string.Join('&', query) : string.Empty);
    }

    public static string Fee(Texts t, Fee fee) => fee.Kind switch
    {
        FeeKind.Free => t["guide.fee.free"],
        FeeKind.ByBill => t["guide.fee.bill"],
        _ => fee.Amount?.ToString() ?? t["guide.fee.bill"],
    };

    public static string Visits(Texts t, Visits visits) => t["guide.visits." + visits.ToString().ToLowerInvariant()];

    public static string Days(Texts t, int days) => days == 0 ? t["guide.days.spot"] : t.Format("guide.days.value", days);

    public static string Online(Texts t, OnlineMode mode) => t["guide.online." + System.Text.Json.JsonNamingPolicy.KebabCaseLower.ConvertName(mode.ToString())];
}
