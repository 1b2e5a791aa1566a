namespace CityService.Core.Payments;

/// <summary>The payment channels' slugs as the API names them (<c>"channel"</c> of <c>POST /api/payments</c>).</summary>
public static class PaymentChannels
{
    public const string Alipay = "alipay";
    public const string WeChatPay = "wechatpay";
    public const string Sandbox = "sandbox";

    public static readonly IReadOnlyList<string> All = [Alipay, WeChatPay, Sandbox];
}

/// <summary>
/// One wallet (or the sandbox) behind the payment platform: it speaks the wallet's own protocol. Every channel is
/// registered as <c>IPaymentChannel</c> in DI and found by <see cref="Slug"/>; the rules (orders, ledger, refunds,
/// reconciliation) never see a wallet's wire format.
/// <para>Trade numbers: our <c>out_trade_no</c> is the payment order's id as 32 lower-case hex digits
/// (<c>Guid.ToString("N")</c>, within WeChat Pay's 6–32 characters); a refund's <c>out_refund_no</c> likewise from the
/// refund's id.</para>
/// </summary>
public interface IPaymentChannel
{
    string Slug { get; }

    /// <summary>Creates the trade at the channel (or signs the order string) and returns what the payer's app needs.</summary>
    Task<ChannelStartResult> StartAsync(ChannelOrder order, CancellationToken ct);

    /// <summary>The channel's own view of a trade (<c>alipay.trade.query</c>, WeChat Pay's query by out_trade_no).</summary>
    Task<ChannelQueryResult> QueryAsync(string outTradeNo, CancellationToken ct);

    Task<ChannelRefundResult> RefundAsync(ChannelRefundRequest request, CancellationToken ct);

    /// <summary>The channel's settlement (trade bill) file of one day (Asia/Shanghai), raw, in the channel's own layout.</summary>
    Task<ChannelFileResult> DownloadSettlementAsync(DateOnly day, CancellationToken ct);

    /// <summary>Reads a settlement file in this channel's layout (downloaded or uploaded by an operator).</summary>
    SettlementParseResult ParseSettlement(string text);
}

/// <param name="OutTradeNo">The order id as 32 hex digits.</param>
/// <param name="Subject">What the payer sees in the wallet (Chinese), at most 128 characters.</param>
/// <param name="NotifyUrl">Absolute URL of this channel's notify endpoint.</param>
/// <param name="ReturnUrl">Where the payer's browser returns to (the result page), if the channel has such a step.</param>
public sealed record ChannelOrder(string OutTradeNo, long AmountFen, string Subject, DateTimeOffset ExpiresAt, string NotifyUrl, string? ReturnUrl);

/// <param name="Parameters">What the app needs to start paying, by the channel's own names (Alipay: <c>orderString</c>;
/// WeChat Pay: <c>appId</c>, <c>timeStamp</c>, <c>nonceStr</c>, <c>package</c>, <c>signType</c>, <c>paySign</c>; sandbox: none).</param>
/// <param name="PayUrl">A page the payer's browser can open to pay (Alipay page pay, the sandbox payer page), if any.</param>
/// <param name="Error">Why the channel refused or could not be reached (for the log and the 502 problem), when not ok.</param>
public sealed record ChannelStartResult(bool Ok, IReadOnlyDictionary<string, string> Parameters, string? PayUrl, string? Error)
{
    public static ChannelStartResult Failed(string error) => new(false, new Dictionary<string, string>(), null, error);
}

public enum ChannelTradeState
{
    /// <summary>The channel has no such trade (yet).</summary>
    NotFound,
    Pending,
    Paid,
    Closed,
    /// <summary>Paid and then refunded in full.</summary>
    Refunded,
}

/// <param name="Error">Set when the channel could not be asked (network, bad signature of its answer): state unknown.</param>
public sealed record ChannelQueryResult(ChannelTradeState State, string? TradeNo, long? AmountFen, DateTimeOffset? PaidAt, string? Error);

public sealed record ChannelRefundRequest(string OutTradeNo, string? TradeNo, string OutRefundNo, long RefundFen, long TotalFen, string Reason);

public enum ChannelRefundState
{
    Succeeded,
    /// <summary>Accepted, outcome later (WeChat Pay's PROCESSING): ask again.</summary>
    Processing,
    Failed,
}

public sealed record ChannelRefundResult(ChannelRefundState State, string? ChannelRefundNo, string? Error);

public sealed record ChannelFileResult(bool Ok, string? Text, string? Error);

public enum SettlementKind
{
    Payment,
    Refund,
}

/// <summary>One line of a channel's settlement file, in our terms.</summary>
public sealed record SettlementLine(string TradeNo, string OutTradeNo, SettlementKind Kind, long AmountFen, DateTimeOffset At, string? OutRefundNo);

/// <param name="Error">Why the file is not in this channel's layout (line number and what was wrong), when not ok.</param>
public sealed record SettlementParseResult(IReadOnlyList<SettlementLine> Lines, string? Error);

/// <summary>
/// A payment notification as a channel's notify endpoint hands it on after verifying its signature (and, for WeChat
/// Pay, decrypting it): the wallet says this trade is paid with this amount.
/// </summary>
/// <param name="NoticeId">The channel's id of the notification (Alipay <c>notify_id</c>, WeChat Pay's notification id).</param>
public sealed record ChannelPaymentNotice(string Channel, string OutTradeNo, string TradeNo, long AmountFen, DateTimeOffset PaidAt, string NoticeId);

public enum NoticeOutcome
{
    /// <summary>The order became succeeded (bills paid, ledger posted, citizen notified) in this call.</summary>
    Applied,
    /// <summary>The order was already succeeded by an earlier notice or query: nothing changed.</summary>
    AlreadyApplied,
    /// <summary>No order with this out_trade_no on this channel: rejected (the endpoint audits it and answers failure).</summary>
    UnknownOrder,
    /// <summary>The paid amount differs from the order's: flagged for review, posted to suspense, never marked paid.</summary>
    AmountMismatch,
    /// <summary>Paid for an order whose bills another order paid first (or that had expired/failed): the money is refunded automatically.</summary>
    RefundedAutomatically,
}

/// <summary>Applies a verified payment notice (or a query's "paid" answer) exactly once. Implemented by the payments rules.</summary>
public interface IPaymentNotices
{
    Task<NoticeOutcome> ApplyAsync(ChannelPaymentNotice notice, CancellationToken ct);
}
