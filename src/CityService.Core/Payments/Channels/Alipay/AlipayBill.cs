using System.Globalization;

namespace CityService.Core.Payments.Channels.Alipay;

/// <summary>
/// Alipay's trade bill (<c>bill_type=trade</c>), the <c>…_业务明细.csv</c> of the downloaded zip: <c>#</c> lines above
/// (title, account, period, a dashed "业务明细列表" rule) and below (the closing rule, totals, export time), between
/// them one header line and one line per trade or refund, comma-separated, fields often padded with tabs. Columns are
/// found by their header names. Refund lines have 业务类型 退款, a negative amount and the out_request_no in
/// 退款批次号/请求号.
/// </summary>
public static class AlipayBill
{
    public const string TradeNo = "支付宝交易号";
    public const string OutTradeNo = "商户订单号";
    public const string Kind = "业务类型";
    public const string Subject = "商品名称";
    public const string CreatedAt = "创建时间";
    public const string FinishedAt = "完成时间";
    public const string Amount = "订单金额（元）";
    public const string Received = "商家实收（元）";
    public const string RefundNo = "退款批次号/请求号";

    public const string PaymentKind = "交易";
    public const string RefundKind = "退款";

    /// <summary>The header line of the trade detail as Alipay writes it (25 columns).</summary>
    public static readonly IReadOnlyList<string> Header =
    [
        TradeNo, OutTradeNo, Kind, Subject, CreatedAt, FinishedAt, "门店编号", "门店名称", "操作员", "终端号", "对方账户",
        Amount, Received, "支付宝红包（元）", "集分宝（元）", "支付宝优惠（元）", "商家优惠（元）", "券核销金额（元）", "券名称",
        "商家红包消费金额（元）", "卡消费金额（元）", RefundNo, "服务费（元）", "分润（元）", "备注",
    ];

    public static SettlementParseResult Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var lines = new List<SettlementLine>();
        string[]? header = null;
        int tradeNo = -1, outTradeNo = -1, kind = -1, finished = -1, amount = -1, refundNo = -1;
        var number = 0;
        foreach (var raw in text.Split('\n'))
        {
            number++;
            var line = raw.TrimEnd('\r');
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var fields = line.Split(',').Select(f => f.Trim(' ', '\t', '"')).ToArray();
            if (header is null)
            {
                header = fields;
                tradeNo = Array.IndexOf(header, TradeNo);
                outTradeNo = Array.IndexOf(header, OutTradeNo);
                kind = Array.IndexOf(header, Kind);
                finished = Array.IndexOf(header, FinishedAt);
                amount = Array.IndexOf(header, Amount);
                refundNo = Array.IndexOf(header, RefundNo);
                var missing = new[] { (tradeNo, TradeNo), (outTradeNo, OutTradeNo), (kind, Kind), (finished, FinishedAt), (amount, Amount), (refundNo, RefundNo) }
                    .Where(c => c.Item1 < 0).Select(c => c.Item2).ToList();
                if (missing.Count > 0)
                {
                    return Failed(number, "the header lacks " + string.Join(", ", missing) + " (not an Alipay trade detail file)");
                }

                continue;
            }

            if (fields.Length != header.Length)
            {
                return Failed(number, $"{fields.Length} fields where the header has {header.Length}");
            }

            var settlementKind = fields[kind] switch
            {
                PaymentKind => (SettlementKind?)SettlementKind.Payment,
                RefundKind => SettlementKind.Refund,
                _ => null,
            };
            if (settlementKind is null)
            {
                return Failed(number, $"{Kind} '{fields[kind]}' is neither {PaymentKind} nor {RefundKind}");
            }

            if (!AlipayAmount.TryParseSignedFen(fields[amount], out var fen))
            {
                return Failed(number, $"{Amount} '{fields[amount]}' is not yuan with two decimals");
            }

            if (!AlipayMethods.TryParseTime(fields[finished], out var at))
            {
                return Failed(number, $"{FinishedAt} '{fields[finished]}' is not yyyy-MM-dd HH:mm:ss");
            }

            if (fields[tradeNo].Length == 0 || fields[outTradeNo].Length == 0)
            {
                return Failed(number, $"{TradeNo} or {OutTradeNo} is empty");
            }

            var isRefund = settlementKind == SettlementKind.Refund;
            if (isRefund && fields[refundNo].Length == 0)
            {
                return Failed(number, $"a refund line without {RefundNo}");
            }

            lines.Add(new SettlementLine(fields[tradeNo], fields[outTradeNo], settlementKind.Value, Math.Abs(fen), at, isRefund ? fields[refundNo] : null));
        }

        return header is null && text.Trim().Length > 0 && lines.Count == 0 && !text.TrimStart().StartsWith('#')
            ? Failed(1, "no header line")
            : new SettlementParseResult(lines, null);
    }

    private static SettlementParseResult Failed(int line, string why) =>
        new([], string.Create(CultureInfo.InvariantCulture, $"line {line}: {why}"));
}
