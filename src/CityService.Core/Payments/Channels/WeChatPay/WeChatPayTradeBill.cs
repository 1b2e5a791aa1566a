using System.Globalization;
using System.Text;

namespace CityService.Core.Payments.Channels.WeChatPay;

/// <summary>
/// The trade bill (<c>bill_type=ALL</c>) in WeChat Pay's own CSV layout: a byte order mark, a header of 27 Chinese column names, one line per
/// payment or refund with every field prefixed by a backquote (so spreadsheets keep long numbers as text), then a
/// summary header (总交易单数 …) and its one line. Amounts are yuan with two decimals; times Beijing time.
/// </summary>
public static class WeChatPayTradeBill
{
    public static readonly string[] Columns =
    [
        "交易时间", "公众账号ID", "商户号", "特约商户号", "设备号", "微信订单号", "商户订单号", "用户标识", "交易类型", "交易状态", "付款银行", "货币种类",
        "应结订单金额", "代金券金额", "微信退款单号", "商户退款单号", "退款金额", "充值券退款金额", "退款类型", "退款状态", "商品名称", "商户数据包", "手续费",
        "费率", "订单金额", "申请退款金额", "费率备注",
    ];

    public static readonly string[] SummaryColumns = ["总交易单数", "应结订单总金额", "退款总金额", "充值券退款总金额", "手续费总金额", "订单总金额", "申请退款总金额"];

    private static readonly TimeSpan Beijing = TimeSpan.FromHours(8);

    /// <summary>One line of the bill as the simulator writes it.</summary>
    public sealed record Row(DateTimeOffset At, string AppId, string MchId, string TransactionId, string OutTradeNo, string OpenId, long TotalFen, string Description, string? RefundId = null, string? OutRefundNo = null, long RefundFen = 0);

    public static string Write(IEnumerable<Row> rows)
    {
        var text = new StringBuilder("\uFEFF"); // the real files start with a UTF-8 byte order mark
        text.Append(string.Join(',', Columns)).Append("\r\n");
        long count = 0, settled = 0, refunded = 0, ordered = 0;
        foreach (var r in rows)
        {
            var refund = r.RefundId is not null;
            count++;
            settled += refund ? 0 : r.TotalFen;
            refunded += r.RefundFen;
            ordered += r.TotalFen;
            string[] fields =
            [
                r.At.ToOffset(Beijing).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture), r.AppId, r.MchId, "0", string.Empty, r.TransactionId, r.OutTradeNo, r.OpenId,
                "NATIVE", refund ? "REFUND" : "SUCCESS", "OTHERS", "CNY", Yuan(refund ? 0 : r.TotalFen), "0.00", r.RefundId ?? "0", r.OutRefundNo ?? "0", Yuan(r.RefundFen), "0.00",
                refund ? "ORIGINAL" : string.Empty, refund ? "SUCCESS" : string.Empty, r.Description, string.Empty, "0.00000", "0.60%", Yuan(r.TotalFen), Yuan(r.RefundFen), string.Empty,
            ];
            text.Append(string.Join(',', fields.Select(f => "`" + f))).Append("\r\n");
        }

        text.Append(string.Join(',', SummaryColumns)).Append("\r\n");
        text.Append(string.Join(',', new[] { count.ToString(CultureInfo.InvariantCulture), Yuan(settled), Yuan(refunded), "0.00", "0.00000", Yuan(ordered), Yuan(refunded) }.Select(f => "`" + f))).Append("\r\n");
        return text.ToString();
    }

    public static SettlementParseResult Parse(string text)
    {
        var lines = text.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        while (lines.Count > 0 && lines[^1].Length == 0)
        {
            lines.RemoveAt(lines.Count - 1);
        }

        SettlementParseResult Fail(int line, string why) => new([], $"line {line}: {why}");
        if (lines.Count == 0 || lines[0].TrimStart('\uFEFF').Split(',') is not { } header || !header.SequenceEqual(Columns))
        {
            return Fail(1, "not a WeChat Pay trade bill (the header is not 交易时间,公众账号ID,商户号 … 费率备注)");
        }

        var result = new List<SettlementLine>();
        for (var i = 1; i < lines.Count; i++)
        {
            if (lines[i].StartsWith(SummaryColumns[0], StringComparison.Ordinal))
            {
                if (i + 1 >= lines.Count || Fields(lines[i + 1]) is not { Length: 7 } summary)
                {
                    return Fail(i + 2, "the summary line is missing");
                }

                if (!long.TryParse(summary[0], NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count != result.Count)
                {
                    return Fail(i + 2, $"the summary counts {summary[0]} lines, the bill has {result.Count}");
                }

                return i + 2 == lines.Count ? new(result, null) : Fail(i + 3, "text after the summary");
            }

            var f = Fields(lines[i]);
            if (f is null || f.Length != Columns.Length)
            {
                return Fail(i + 1, $"expected {Columns.Length} backquoted fields");
            }

            if (!DateTime.TryParseExact(f[0], "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
            {
                return Fail(i + 1, $"交易时间 '{f[0]}' is not yyyy-MM-dd HH:mm:ss");
            }

            var at = new DateTimeOffset(local, Beijing).ToUniversalTime();
            var refund = f[9] == "REFUND";
            if (!refund && f[9] != "SUCCESS")
            {
                continue; // REVOKED and the like moved no money
            }

            if (!TryFen(refund ? f[16] : f[24], out var fen))
            {
                return Fail(i + 1, $"amount '{(refund ? f[16] : f[24])}' is not yuan with two decimals");
            }

            result.Add(new SettlementLine(f[5], f[6], refund ? SettlementKind.Refund : SettlementKind.Payment, fen, at, refund ? f[15] : null));
        }

        return Fail(lines.Count, "the summary (总交易单数 …) is missing at the end");
    }

    private static string[]? Fields(string line)
    {
        var fields = line.Split(',');
        return fields.All(f => f.StartsWith('`')) ? [.. fields.Select(f => f[1..])] : null;
    }

    public static string Yuan(long fen) => string.Create(CultureInfo.InvariantCulture, $"{fen / 100}.{fen % 100:00}");

    public static bool TryFen(string yuan, out long fen)
    {
        fen = 0;
        var dot = yuan.IndexOf('.', StringComparison.Ordinal);
        return dot > 0 && dot == yuan.Length - 3
            && long.TryParse(yuan.AsSpan(0, dot), NumberStyles.None, CultureInfo.InvariantCulture, out var whole)
            && int.TryParse(yuan.AsSpan(dot + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var cents)
            && whole < 100_000_000_000
            && (fen = (whole * 100) + cents) >= 0;
    }
}
