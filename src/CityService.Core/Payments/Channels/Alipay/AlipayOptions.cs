using System.Security.Cryptography;

namespace CityService.Core.Payments.Channels.Alipay;

/// <summary>
/// Our application on Alipay's open platform (<c>Payments:Channels:Alipay:*</c>): the app id, our application private
/// key (we sign requests), Alipay's public key (we verify its responses and notifications) and the gateway.
/// </summary>
public sealed record AlipayOptions(string AppId, RSA PrivateKey, RSA AlipayPublicKey, Uri GatewayUrl)
{
    public const string Section = "Payments:Channels:Alipay";

    public static readonly Uri ProductionGateway = new("https://openapi.alipay.com/gateway.do");

    /// <summary>The page a phone browser opens to pay: <c>alipay.trade.wap.pay</c> (phones) or <c>alipay.trade.page.pay</c> (desktop).</summary>
    public string PagePayMethod { get; init; } = AlipayMethods.WapPay;

    /// <summary>How long one call to the gateway may take.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    public override string ToString() => $"AlipayOptions {{ AppId = {AppId}, GatewayUrl = {GatewayUrl}, PagePayMethod = {PagePayMethod} }}";
}

/// <summary>The open-platform methods the channel uses, and Alipay's answer codes.</summary>
public static class AlipayMethods
{
    public const string PagePay = "alipay.trade.page.pay";
    public const string WapPay = "alipay.trade.wap.pay";
    public const string AppPay = "alipay.trade.app.pay";
    public const string Query = "alipay.trade.query";
    public const string Refund = "alipay.trade.refund";
    public const string BillDownload = "alipay.data.dataservice.bill.downloadurl.query";

    public const string Success = "10000";
    public const string BusinessFailed = "40004";
    public const string InvalidSignature = "40002";
    public const string TradeNotExist = "ACQ.TRADE_NOT_EXIST";
    public const string BillNotExist = "isp.bill_not_exist";
    public const string SystemError = "ACQ.SYSTEM_ERROR";

    /// <summary>The JSON property of a method's answer: <c>alipay.trade.query</c> → <c>alipay_trade_query_response</c>.</summary>
    public static string ResponseKey(string method) => method.Replace('.', '_') + "_response";

    /// <summary>Alipay's time on the wire: Asia/Shanghai (UTC+8, no daylight saving).</summary>
    public static readonly TimeSpan Shanghai = TimeSpan.FromHours(8);

    public const string TimeFormat = "yyyy-MM-dd HH:mm:ss";

    public static string Time(DateTimeOffset at) => at.ToOffset(Shanghai).ToString(TimeFormat, System.Globalization.CultureInfo.InvariantCulture);

    public static bool TryParseTime(string? text, out DateTimeOffset at)
    {
        if (DateTime.TryParseExact(text, TimeFormat, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var local))
        {
            at = new DateTimeOffset(local, Shanghai);
            return true;
        }

        at = default;
        return false;
    }
}
