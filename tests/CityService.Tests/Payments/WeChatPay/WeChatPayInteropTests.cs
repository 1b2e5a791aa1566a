using System.Security.Cryptography;
using CityService.Core.Payments.Channels.WeChatPay;
using CityService.WeChatPaySimulator;

namespace CityService.Tests.Payments.WeChatPay;

/// <summary>
/// npm wechatpay-axios-plugin (tests/interop/wechatpay) against our protocol code: its client against our simulator on the
/// real clock (as the library signs and checks with it), and its signature checks on our Authorization header and paySign.
/// The notify endpoint's side is in <see cref="WeChatPayHttpTests"/>.
/// </summary>
public sealed class WeChatPayInteropTests
{
    [Fact]
    public async Task The_librarys_client_is_accepted_by_the_simulator_and_verifies_its_signed_answers()
    {
        using var merchant = RSA.Create(2048);
        using var platform = RSA.Create(2048);
        var merchantPublic = RSA.Create();
        merchantPublic.ImportSubjectPublicKeyInfo(merchant.ExportSubjectPublicKeyInfo(), out _);
        var options = new WeChatPaySimulatorOptions("1900000109", "wxd678efh567hg6787", "3775B6A45ACD588826D15E583A95F5DD12345678", merchantPublic, "PUB_KEY_ID_0114232134912410000000000000", platform, "0123456789abcdef0123456789abcdef");
        await using var host = await WeChatPaySimulatorHost.StartAsync(options);
        var outTradeNo = Guid.CreateVersion7().ToString("N");

        var result = await WeChatPayTestHost.Node("client", new
        {
            baseURL = host.BaseAddress.ToString(), mchid = options.MchId, appid = options.AppId, serial = options.MerchantSerial, privateKey = merchant.ExportPkcs8PrivateKeyPem(),
            platformSerial = options.PlatformSerial, platformPublicKey = platform.ExportSubjectPublicKeyInfoPem(), outTradeNo, notifyUrl = "https://example.invalid/notify", amountFen = 1_234,
        });

        Assert.True(result.GetProperty("ok").GetBoolean(), result.ToString());
        Assert.StartsWith("weixin://wxpay/bizpayurl?pr=", result.GetProperty("codeUrl").GetString(), StringComparison.Ordinal);
        Assert.Equal(("NOTPAY", 1_234), (result.GetProperty("tradeState").GetString(), result.GetProperty("total").GetInt32()));
        Assert.True(result.GetProperty("wrongKeyRefused").GetBoolean());
        Assert.Equal(401, result.GetProperty("impostorStatus").GetInt32());
        Assert.Equal("NOTPAY", host.Simulator.TradeState(outTradeNo));
    }

    [Fact]
    public async Task The_library_verifies_our_authorization_header_and_pay_sign()
    {
        using var merchant = RSA.Create(2048);
        const string body = "{\"mchid\":\"1900000109\",\"out_trade_no\":\"0193a1b2c3d4e5f60718293a4b5c6d7e\",\"description\":\"交通违法罚款\"}";
        var timestamp = WeChatPaySignature.UnixSeconds(DateTimeOffset.UtcNow);
        var header = WeChatPaySignature.Authorization("1900000109", "3775B6A45ACD588826D15E583A95F5DD12345678", merchant, "POST", "/v3/pay/transactions/native", body, timestamp, WeChatPaySignature.NewNonce());
        var pay = WeChatPaySignature.JsapiParameters("wxd678efh567hg6787", "wx201410272009395522657a690389285100", merchant, timestamp, WeChatPaySignature.NewNonce());

        var result = await WeChatPayTestHost.Node("authorization", new
        {
            header, method = "POST", url = "/v3/pay/transactions/native", body, merchantPublicKey = merchant.ExportSubjectPublicKeyInfoPem(),
            appId = pay["appId"], timeStamp = pay["timeStamp"], nonceStr = pay["nonceStr"], package = pay["package"], paySign = pay["paySign"],
        });
        Assert.True(result.GetProperty("identical").GetBoolean(), "the library builds the same header from its parts");
        Assert.True(result.GetProperty("verified").GetBoolean());
        Assert.True(result.GetProperty("paySign").GetBoolean());

        var tampered = await WeChatPayTestHost.Node("authorization", new { header, method = "POST", url = "/v3/pay/transactions/native", body = body + " ", merchantPublicKey = merchant.ExportSubjectPublicKeyInfoPem() });
        Assert.False(tampered.GetProperty("verified").GetBoolean());
    }

    [Fact]
    public async Task The_librarys_csv_reader_reads_the_trade_bill_layout()
    {
        var result = await WeChatPayTestHost.Node("bill", new { text = WeChatPayProtocolTests.SampleBill });
        var rows = result.GetProperty("rows");
        Assert.Equal(3, rows.GetArrayLength());
        Assert.Equal("0193a1b2c3d4e5f60718293a4b5c6d7e", rows[0].GetProperty("商户订单号").GetString());
        Assert.Equal("REFUND", rows[1].GetProperty("交易状态").GetString());
        Assert.Equal("3", result.GetProperty("summary").GetProperty("总交易单数").GetString());
    }
}
