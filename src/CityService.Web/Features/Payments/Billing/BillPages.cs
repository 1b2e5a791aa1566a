using CityService.Core.Common;
using CityService.Core.Payments;
using CityService.Web.Infrastructure;

namespace CityService.Web.Features.Payments.Billing;

/// <summary>How the bills pages write amounts, dates, states and heads.</summary>
public static class BillPages
{
    public const string PayPath = "/pay";

    public static string Yuan(long fen) => new Money(fen).ToString();

    /// <summary>The payments part's pay page for these bills (<c>/pay?bills=id,id</c>).</summary>
    public static string PayUrl(IEnumerable<Guid> ids) => PayPath + "?bills=" + string.Join(',', ids.Select(i => i.ToString()));

    public static string State(Texts t, BillState state) => StateName(t, state.ToString().ToLowerInvariant());

    /// <summary>open | paid | cancelled in the reader's language.</summary>
    public static string StateName(Texts t, string slug) => t["bills.state." + slug];

    public static string Head(Texts t, string head) => t.All.ContainsKey("bills.head." + head) ? t["bills.head." + head] : head;

    public static string Channel(Texts t, string channel) => t.All.ContainsKey("bills.channel." + channel) ? t["bills.channel." + channel] : channel;

    public static string Payer(Texts t, BillPayerKind kind) => t["bills.payer." + System.Text.Json.JsonNamingPolicy.KebabCaseLower.ConvertName(kind.ToString())];
}
