using System.Text.Json;
using System.Text.Json.Serialization;

namespace CityService.Core.Payments.Channels.WeChatPay;

/// <summary>API v3's paths, states and JSON bodies (snake_case names as WeChat Pay writes them), shared by the client and the simulator.</summary>
public static class WeChatPayApi
{
    public const string NativePath = "/v3/pay/transactions/native";
    public const string QueryPathPrefix = "/v3/pay/transactions/out-trade-no/";
    public const string RefundPath = "/v3/refund/domestic/refunds";
    public const string TradeBillPath = "/v3/bill/tradebill";
    public const string NotifyPath = "/api/channels/wechatpay/notify";

    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Reads a body as <typeparamref name="T"/>; null when it is not such JSON.</summary>
    public static T? TryRead<T>(string body)
        where T : class
    {
        try
        {
            return JsonSerializer.Deserialize<T>(body, Json);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public static class TradeStates
    {
        public const string Success = "SUCCESS";
        public const string Refund = "REFUND";
        public const string NotPay = "NOTPAY";
        public const string Closed = "CLOSED";
        public const string Revoked = "REVOKED";
        public const string UserPaying = "USERPAYING";
        public const string PayError = "PAYERROR";
    }

    public static class RefundStates
    {
        public const string Success = "SUCCESS";
        public const string Closed = "CLOSED";
        public const string Processing = "PROCESSING";
        public const string Abnormal = "ABNORMAL";
    }
}

public sealed record WeChatPayAmount(long Total, string Currency = "CNY")
{
    public long? PayerTotal { get; init; }

    public string? PayerCurrency { get; init; }
}

public sealed record WeChatPayNativeRequest(string Appid, string Mchid, string Description, string OutTradeNo, string TimeExpire, string NotifyUrl, WeChatPayAmount Amount);

public sealed record WeChatPayNativeResponse(string CodeUrl);

public sealed record WeChatPayPayer(string Openid);

/// <summary>A transaction as the query answers it and as a notification's resource carries it.</summary>
public sealed record WeChatPayTransaction(string Appid, string Mchid, string OutTradeNo, string TradeState)
{
    public string? TransactionId { get; init; }

    public string? TradeType { get; init; }

    public string? TradeStateDesc { get; init; }

    public string? BankType { get; init; }

    public string? SuccessTime { get; init; }

    public WeChatPayPayer? Payer { get; init; }

    public WeChatPayAmount? Amount { get; init; }
}

public sealed record WeChatPayRefundAmount(long Refund, long Total, string Currency = "CNY");

public sealed record WeChatPayRefundRequest(string OutRefundNo, WeChatPayRefundAmount Amount)
{
    public string? TransactionId { get; init; }

    public string? OutTradeNo { get; init; }

    public string? Reason { get; init; }
}

public sealed record WeChatPayRefundResponse(string RefundId, string OutRefundNo, string Status)
{
    public string? TransactionId { get; init; }

    public string? OutTradeNo { get; init; }
}

public sealed record WeChatPayTradeBillResponse(string HashType, string HashValue, string DownloadUrl);

public sealed record WeChatPayError(string Code, string Message);

public sealed record WeChatPayResource(string Algorithm, string Ciphertext, string Nonce)
{
    public string? OriginalType { get; init; }

    public string? AssociatedData { get; init; }
}

/// <summary>The notification's outer JSON (the resource encrypted).</summary>
public sealed record WeChatPayNotificationBody(string Id, string CreateTime, string EventType, string ResourceType, WeChatPayResource Resource)
{
    public string? Summary { get; init; }
}
