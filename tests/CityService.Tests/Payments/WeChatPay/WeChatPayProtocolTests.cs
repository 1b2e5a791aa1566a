using System.Security.Cryptography;
using System.Text.Json;
using CityService.Core.Payments;
using CityService.Core.Payments.Channels.WeChatPay;

namespace CityService.Tests.Payments.WeChatPay;

/// <summary>WeChat Pay v3's signatures, AEAD resource and trade bill against vectors made by other implementations (OpenSSL, Node's crypto).</summary>
public sealed class WeChatPayProtocolTests
{
    /// <summary>A throwaway RSA key made with <c>openssl genpkey</c> for these vectors only (test-only; never a merchant's).</summary>
    internal const string TestMerchantKey = """
-----BEGIN PRIVATE KEY-----
MIIEvwIBADANBgkqhkiG9w0BAQEFAASCBKkwggSlAgEAAoIBAQCx6l82a3GVFE+X
FQFm7GW0jVBMQI1DueI6lgL6vjGMwSOnl20ITLXWHzUEjU5i9PUrvsEabfKhNc8l
I/xjfGIwxUcU0MFykrYXE6U11tXnTV5RkpgXMMkqCjdvToMYCv75k8nDGpVVERb8
1peG5hD/CRl2kaZHrorEqm5mxTmyteGNfWCCmPMcm4CurZxVxWB3zBRg1FmvNxCN
fq6TUVMZTVirvumZ/ObTKa50LrZXv82nxuUvzl9YN7OI719qPxxWprp2ELOTiwRK
TSN2mFGHKrDGL6RsJKHT6L5O2wfyYiT86a4x4TTQy6aZb4xxP9wzuPYGQprfFh9h
6g4FajLfAgMBAAECggEAR/APTY7GH1RWFi2tInOlcArPk/Vp6R+JBM1RKResK1CQ
3RvSP0/dGlYF9vA36LVJSMXZiJk6SMrcFhVl4MgTX8r0wcri3TPLIquT2qAiX2Me
JveSPZZBUJlO7tedFCSmEj4aj6P5C6tcUyFlpWrzJlwEire7tzIw8/JBr5ZBjStl
wOcGK/KkKnlQvQ0tcxNKOTTLGLPVOEYZhld+zOofCQmfzJl+SuV+54+VEWsPcSS2
+dVZt7vlM/nCdj9WLHobC3T9Yo34Cctr/Pkf+04BtGu6Csehii91CvIkeGv6tV+I
FEgoCX9RjUKt/mvgXrFJ9ppGsQ0SD1NdsGglAq0t8QKBgQDxaBGmQ0TEuGr1smod
fYuz+7qtSYSwVUigZymytO5JT6lF9OtXJegLGb/o4znq78CxP61oo/UpbFLbaT/x
+wK1LlV2YhZElcOPtfkytznkeAag/YH4txw6ORsbBh7gapWInnZoAhdFObszqKi/
qmwsqBFh3cB3aQZDlGgrqTmdlwKBgQC8q7x7H9Ys0MgH7Jq6JkRsXIt5EJ3xejRx
F5vai3qow2dCo5HcWrbj4xW8jYGQBQo/p0SbUxhpbJNLLuIwy7wfYeUncrBR/ffH
0ALH7T9xpNRz4jSKkBwIeywWPdLbHE/AQqnpiKoJIKQBNCHsCwGMcH72TucGSqR4
O1AeIgLN+QKBgQDgOgLSxP62Hnmy92JbPAasSbAuTvBBfSW1X706cZY3YBfhk8mY
q+vpi6RWo+BjGQiJWpUuccRBEo2voQY1NCpiscPN7vOyBs2bybHK6qeKT/YQSQgV
RbehWPOVWU0Ks9VrDYz7tJ16vlHkfM8pIBnULNPgbEHeaB3aXZmYnFmYxwKBgQCN
9udm+eitZhftpoIyaZL4upYT7YX66opFQo96XZNZI1cylGOvm+6cAQYdD5ka5j/0
74a3HUp0IUefvdJjBxoxvvavvSOhPmlQR1ugVgt0FqPp4p7IWHFPjGb7AWAEkQQN
VdwGJlhTb+UYJsMTmqB6rTdLXMmHOWkSMwcw9USI+QKBgQCG87Lxj2GIs/XE95bf
ZhKEPtb1ZtfxifgBOMLfu815jQAkuK0Qh/PMlBaFs0MXAWt0lF04vnh6nch+p4DD
9c96V0oJPoMztrNy9GGJQlERMGJ5VLSY+3IA2D3RCcm6ofnXp/h9hlp6jbd+oMfD
C8MvmYODpIWD3rbuRYa30EUg0Q==
-----END PRIVATE KEY-----
""";

    /// <summary>Its public half, standing in for a platform public key where only the format matters (test-only).</summary>
    internal const string TestPlatformPublicKey = """
-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAsepfNmtxlRRPlxUBZuxl
tI1QTECNQ7niOpYC+r4xjMEjp5dtCEy11h81BI1OYvT1K77BGm3yoTXPJSP8Y3xi
MMVHFNDBcpK2FxOlNdbV501eUZKYFzDJKgo3b06DGAr++ZPJwxqVVREW/NaXhuYQ
/wkZdpGmR66KxKpuZsU5srXhjX1ggpjzHJuArq2cVcVgd8wUYNRZrzcQjX6uk1FT
GU1Yq77pmfzm0ymudC62V7/Np8blL85fWDeziO9faj8cVqa6dhCzk4sESk0jdphR
hyqwxi+kbCSh0+i+TtsH8mIk/OmuMeE00MummW+McT/cM7j2BkKa3xYfYeoOBWoy
3wIDAQAB
-----END PUBLIC KEY-----
""";

    private static readonly RSA Merchant = Key();

    private static RSA Key()
    {
        var key = RSA.Create();
        key.ImportFromPem(TestMerchantKey);
        return key;
    }

    [Fact]
    public void The_request_signature_is_the_one_openssl_makes_over_the_five_lines()
    {
        const string body = "{\"appid\":\"wxd678efh567hg6787\",\"mchid\":\"1230000109\"}";
        var message = WeChatPaySignature.RequestMessage("POST", "/v3/pay/transactions/native", "1554208460", "593BEC0C930BF1AFEB40B4A08C8FB242", body);
        Assert.Equal("POST\n/v3/pay/transactions/native\n1554208460\n593BEC0C930BF1AFEB40B4A08C8FB242\n" + body + "\n", message);
        Assert.Equal("SQB4TMkR/0Qjf89M2KA/EUD5cQRGDRjQRsIe9nF/opQZjrmaWVfqD0S+hqEAlM/welFwVuXp6XDeKocvzKGsBnl7IaNXAMcNXkEMTwAgH2AdyACopEUGQdmb6CJX08IG5KZDFSd4jx+fXUYPdbDQOZSS+jWic8DKZoNSGfXsNAprAUiCbzWwg89BlkLJKy6fLGBEiQRdT6MNZXLqzBB/FHOUVKyfEuj0YXerLV6cpHopTOGckoez5qk3H/crhSWtHxP48YtAC1FfAr/kyJpCGPt7igg2pFtY4B2GmPjsa0onGkfvqR1ed+rtYuyf4dMDCEgkzGYTNEfjkRxg4dDTpA==", WeChatPaySignature.Sign(Merchant, message)); // openssl dgst -sha256 -sign key.pem | base64

        var header = WeChatPaySignature.Authorization("1230000109", "1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C", Merchant, "POST", "/v3/pay/transactions/native", body, "1554208460", "593BEC0C930BF1AFEB40B4A08C8FB242");
        Assert.Equal("WECHATPAY2-SHA256-RSA2048 mchid=\"1230000109\",nonce_str=\"593BEC0C930BF1AFEB40B4A08C8FB242\",signature=\"SQB4TMkR/0Qjf89M2KA/EUD5cQRGDRjQRsIe9nF/opQZjrmaWVfqD0S+hqEAlM/welFwVuXp6XDeKocvzKGsBnl7IaNXAMcNXkEMTwAgH2AdyACopEUGQdmb6CJX08IG5KZDFSd4jx+fXUYPdbDQOZSS+jWic8DKZoNSGfXsNAprAUiCbzWwg89BlkLJKy6fLGBEiQRdT6MNZXLqzBB/FHOUVKyfEuj0YXerLV6cpHopTOGckoez5qk3H/crhSWtHxP48YtAC1FfAr/kyJpCGPt7igg2pFtY4B2GmPjsa0onGkfvqR1ed+rtYuyf4dMDCEgkzGYTNEfjkRxg4dDTpA==\",timestamp=\"1554208460\",serial_no=\"1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C\"", header);
        var parsed = WeChatPaySignature.ParseAuthorization(header)!;
        Assert.Equal("1554208460", parsed["timestamp"]);
        Assert.True(WeChatPaySignature.Verify(Merchant, message, parsed["signature"]));
        Assert.False(WeChatPaySignature.Verify(Merchant, message.Replace("1230000109", "1230000108", StringComparison.Ordinal), parsed["signature"]));
        Assert.False(WeChatPaySignature.Verify(Merchant, message, "not base64!"));
        Assert.Null(WeChatPaySignature.ParseAuthorization("WECHATPAY2-SHA256-RSA2048 mchid=1230000109"));
    }

    [Fact]
    public void The_jsapi_pay_sign_covers_app_id_time_nonce_and_package()
    {
        var parameters = WeChatPaySignature.JsapiParameters("wxd678efh567hg6787", "wx201410272009395522657a690389285100", Merchant, "1414561699", "5K8264ILTKCH16CQ2502SI8ZNMTM67VS");
        Assert.Equal("prepay_id=wx201410272009395522657a690389285100", parameters["package"]);
        Assert.Equal("RSA", parameters["signType"]);
        Assert.True(WeChatPaySignature.Verify(Merchant, "wxd678efh567hg6787\n1414561699\n5K8264ILTKCH16CQ2502SI8ZNMTM67VS\nprepay_id=wx201410272009395522657a690389285100\n", parameters["paySign"]));
    }

    [Fact]
    public void A_signed_timestamp_is_fresh_within_five_minutes_only()
    {
        var now = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);
        Assert.True(WeChatPaySignature.IsFresh("1700000300", now));
        Assert.True(WeChatPaySignature.IsFresh("1699999700", now));
        Assert.False(WeChatPaySignature.IsFresh("1700000301", now));
        Assert.False(WeChatPaySignature.IsFresh("1699999699", now));
        Assert.False(WeChatPaySignature.IsFresh("-1", now));
        Assert.False(WeChatPaySignature.IsFresh("99999999999999999999", now));
    }

    [Fact]
    public void The_resource_decrypts_as_node_encrypted_it_and_any_change_fails()
    {
        const string key = "0123456789abcdef0123456789ABCDEF";
        const string vector = "bz1mQGtugHE+xvD4swlMsg5Dbaj+wmxRF1xlIlP4LZR1s3kCzjv3uvZMnZavLrmDzhtWUCnRGerfepwEf75bhj8e7wU+DUPTHzj2wdfx8JTsdba7s9f3"; // Node: aes-256-gcm, iv "fdasflkja484", AAD "transaction", ciphertext ‖ tag
        const string plain = "{\"out_trade_no\":\"1217752501201407033233368018\",\"trade_state\":\"SUCCESS\"}";
        Assert.Equal(plain, WeChatPayAead.Decrypt(key, "fdasflkja484", "transaction", vector));
        Assert.Equal(vector, WeChatPayAead.Encrypt(key, "fdasflkja484", "transaction", plain));
        Assert.Null(WeChatPayAead.Decrypt(key, "fdasflkja484", "certificate", vector));
        Assert.Null(WeChatPayAead.Decrypt(key, "fdasflkja485", "transaction", vector));
        Assert.Null(WeChatPayAead.Decrypt("0123456789abcdef0123456789ABCDEE", "fdasflkja484", "transaction", vector));
        Assert.Null(WeChatPayAead.Decrypt(key, "fdasflkja484", "transaction", "A" + vector[1..]));
        Assert.Null(WeChatPayAead.Decrypt(key, "short", "transaction", vector));
        Assert.Null(WeChatPayAead.Decrypt(key, "fdasflkja484", "transaction", "%%%"));
    }

    /// <summary>The layout of a real trade bill (bill_type=ALL): BOM, backquoted fields, a refund line, the summary at the end.</summary>
    internal const string SampleBill = "\uFEFF交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注\r\n"
        + "`2026-11-22 10:00:00,`wxd678efh567hg6787,`1900000109,`0,`,`4200002614202611220123456789,`0193a1b2c3d4e5f60718293a4b5c6d7e,`oUpF8uMuAJO_M2pxb1Q9zNjWeS6o,`NATIVE,`SUCCESS,`OTHERS,`CNY,`200.00,`0.00,`0,`0,`0.00,`0.00,`,`,`交通违法罚款,`,`1.20000,`0.60%,`200.00,`0.00,`\r\n"
        + "`2026-11-22 15:30:05,`wxd678efh567hg6787,`1900000109,`0,`,`4200002614202611220123456789,`0193a1b2c3d4e5f60718293a4b5c6d7e,`oUpF8uMuAJO_M2pxb1Q9zNjWeS6o,`NATIVE,`REFUND,`OTHERS,`CNY,`0.00,`0.00,`50300009012026112212345678901,`0193a1b2c3d4e5f60718293a4b5c6d7f,`50.00,`0.00,`ORIGINAL,`SUCCESS,`交通违法罚款,`,`-0.30000,`0.60%,`200.00,`50.00,`\r\n"
        + "`2026-11-22 23:59:59,`wxd678efh567hg6787,`1900000109,`0,`,`4200002614202611229876543210,`0193a1b2c3d4e5f60718293a4b5c6d80,`oUpF8uMuAJO_M2pxb1Q9zNjWeS6o,`NATIVE,`SUCCESS,`OTHERS,`CNY,`35.07,`0.00,`0,`0,`0.00,`0.00,`,`,`水费,`,`0.21000,`0.60%,`35.07,`0.00,`\r\n"
        + "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额\r\n"
        + "`3,`235.07,`50.00,`0.00,`1.11000,`435.07,`50.00\r\n";

    [Fact]
    public void The_trade_bill_reads_payments_and_refunds_in_fen_and_utc()
    {
        var parsed = new CityService.Web.Features.Payments.WeChatPay.WeChatPayChannel(null!).ParseSettlement(SampleBill);
        Assert.Null(parsed.Error);
        Assert.Equal(
            [
                new SettlementLine("4200002614202611220123456789", "0193a1b2c3d4e5f60718293a4b5c6d7e", SettlementKind.Payment, 20_000, new DateTimeOffset(2026, 11, 22, 2, 0, 0, TimeSpan.Zero), null),
                new SettlementLine("4200002614202611220123456789", "0193a1b2c3d4e5f60718293a4b5c6d7e", SettlementKind.Refund, 5_000, new DateTimeOffset(2026, 11, 22, 7, 30, 5, TimeSpan.Zero), "0193a1b2c3d4e5f60718293a4b5c6d7f"),
                new SettlementLine("4200002614202611229876543210", "0193a1b2c3d4e5f60718293a4b5c6d80", SettlementKind.Payment, 3_507, new DateTimeOffset(2026, 11, 22, 15, 59, 59, TimeSpan.Zero), null),
            ],
            parsed.Lines);
    }

    [Theory]
    [InlineData("out_trade_no,amount\r\n`1,`2\r\n", "line 1:")]
    [InlineData("BILL_WITHOUT_SUMMARY", "the summary")]
    [InlineData("BILL_BAD_AMOUNT", "line 2: amount '200.0'")]
    [InlineData("BILL_BAD_COUNT", "the summary counts 4 lines, the bill has 3")]
    public void A_file_not_in_the_trade_bill_layout_is_refused_naming_the_line(string text, string error)
    {
        var summaryAt = SampleBill.IndexOf("总交易单数", StringComparison.Ordinal);
        text = text switch
        {
            "BILL_WITHOUT_SUMMARY" => SampleBill[..summaryAt],
            "BILL_BAD_AMOUNT" => SampleBill.Replace("`200.00,`0.00,`\r\n", "`200.0,`0.00,`\r\n", StringComparison.Ordinal),
            "BILL_BAD_COUNT" => SampleBill.Replace("`3,`235.07", "`4,`235.07", StringComparison.Ordinal),
            _ => text,
        };
        var parsed = WeChatPayTradeBill.Parse(text);
        Assert.Empty(parsed.Lines);
        Assert.Contains(error, parsed.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void The_bill_the_simulator_writes_reads_back_line_for_line()
    {
        var at = new DateTimeOffset(2026, 11, 22, 2, 0, 0, TimeSpan.Zero);
        var text = WeChatPayTradeBill.Write([
            new(at, "wx1", "190", "4200001", "aa", "o1", 12_345, "罚款"),
            new(at.AddHours(1), "wx1", "190", "4200001", "aa", "o1", 12_345, "罚款", "503001", "bb", 345),
        ]);
        var parsed = WeChatPayTradeBill.Parse(text);
        Assert.Null(parsed.Error);
        Assert.Equal([(SettlementKind.Payment, 12_345L, (string?)null), (SettlementKind.Refund, 345L, "bb")], parsed.Lines.Select(l => (l.Kind, l.AmountFen, l.OutRefundNo)));
    }
}
