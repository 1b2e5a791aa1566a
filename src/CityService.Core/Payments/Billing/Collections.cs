using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;

namespace CityService.Core.Payments.Billing;

/// <summary>What a department collected on one day (Asia/Shanghai) under one revenue head through one channel.</summary>
public sealed record CollectionRow(DateOnly Day, string RevenueHead, string Channel, int Payments, long AmountFen);

/// <summary>
/// A department's collections, from the ledger: the revenue credits of payment postings (account
/// <c>revenue:{region}:{department}:{head}</c>) joined with their payment order's channel, summed per day, revenue head
/// and channel. Refunds are their own postings and are not netted here (the refunds pages show them).
/// </summary>
public sealed class Collections(CityDbContext db)
{
    /// <summary>The longest range one report covers.</summary>
    public const int MaxDays = 366;

    public async Task<IReadOnlyList<CollectionRow>> ForAsync(string regionCode, string departmentCode, DateOnly from, DateOnly to, CancellationToken ct)
    {
        var prefix = LedgerAccounts.Revenue(regionCode, departmentCode, string.Empty);
        var start = new DateTimeOffset(from.ToDateTime(TimeOnly.MinValue), BillDates.Offset);
        var end = new DateTimeOffset(to.AddDays(1).ToDateTime(TimeOnly.MinValue), BillDates.Offset);
        var credits = await (
            from e in db.LedgerEntries.AsNoTracking()
            join o in db.PaymentOrders.AsNoTracking() on e.PaymentId equals o.Id
            where e.RegionCode == regionCode && e.Kind == LedgerKinds.Payment && e.Account.StartsWith(prefix) && e.CreditFen > 0
                && e.CreatedAt >= start && e.CreatedAt < end
            select new { e.Account, e.CreditFen, e.CreatedAt, e.PaymentId, o.Channel })
            .ToListAsync(ct);
        return [.. credits
            .GroupBy(c => (Day: BillDates.Of(c.CreatedAt), Head: c.Account[prefix.Length..], c.Channel))
            .Select(g => new CollectionRow(g.Key.Day, g.Key.Head, g.Key.Channel, g.Select(c => c.PaymentId).Distinct().Count(), g.Sum(c => c.CreditFen)))
            .OrderBy(r => r.Day).ThenBy(r => r.RevenueHead, StringComparer.Ordinal).ThenBy(r => r.Channel, StringComparer.Ordinal)];
    }

    /// <summary>The rows as CSV (RFC 4180, CRLF), UTF-8 with a byte-order mark so that Excel reads the Chinese header.</summary>
    public static byte[] Csv(IReadOnlyList<CollectionRow> rows)
    {
        var csv = new StringBuilder();
        csv.Append("日期 date,收入科目 revenue head,渠道 channel,笔数 payments,金额(分) amount fen,金额(元) amount yuan\r\n");
        foreach (var r in rows)
        {
            csv.Append(CultureInfo.InvariantCulture, $"{BillDates.Format(r.Day)},{r.RevenueHead},{r.Channel},{r.Payments},{r.AmountFen},{r.AmountFen / 100}.{r.AmountFen % 100:00}\r\n");
        }

        csv.Append(CultureInfo.InvariantCulture, $"合计 total,,,{rows.Sum(r => r.Payments)},{rows.Sum(r => r.AmountFen)},{rows.Sum(r => r.AmountFen) / 100}.{rows.Sum(r => r.AmountFen) % 100:00}\r\n");
        return [.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes(csv.ToString())];
    }
}
