using System.Security.Cryptography;

namespace CityService.Core.Payments.Channels.WeChatPay;

/// <summary>
/// One merchant's settings (<c>Payments:Channels:WeChatPay:*</c>): ids, the merchant's API certificate key and serial (our
/// requests), the APIv3 key (notification resources), the platform's public key and serial (its answers and
/// notifications), and the API's base address.
/// </summary>
public sealed record WeChatPayOptions(string MchId, string AppId, string MerchantSerial, RSA PrivateKey, string ApiV3Key, RSA PlatformPublicKey, string PlatformSerial, Uri BaseUrl)
{
    /// <summary>Simulator only: the payer page for a code_url (<c>{0}</c> = the code_url, escaped); the real wallet has none.</summary>
    public string? PayerPageTemplate { get; init; }

    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    public override string ToString() => $"WeChatPayOptions {{ MchId = {MchId}, AppId = {AppId}, MerchantSerial = {MerchantSerial}, PlatformSerial = {PlatformSerial}, BaseUrl = {BaseUrl} }}";
}
