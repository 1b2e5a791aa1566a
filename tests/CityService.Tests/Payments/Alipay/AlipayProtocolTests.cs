using System.Diagnostics;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using CityService.AlipaySimulator;
using CityService.Core.Payments;
using CityService.Core.Payments.Channels.Alipay;
using Microsoft.Extensions.Time.Testing;

namespace CityService.Tests.Payments.Alipay;

/// <summary>Alipay's wire rules without a host: signing, amounts, answers, notifications and the bill file.</summary>
public sealed class AlipayProtocolTests
{
    private static readonly RSA Key = RSA.Create(2048);

    [Fact]
    public void The_signed_content_is_sorted_by_name_without_sign_and_empty_values_and_a_notification_also_without_sign_type()
    {
        var parameters = new Dictionary<string, string>
        {
            ["timestamp"] = "2026-12-03 10:00:00", ["app_id"] = "2021000000000001", ["sign"] = "x", ["sign_type"] = "RSA2", ["notify_url"] = "", ["biz_content"] = "{\"a\":1}", ["Method"] = "m",
        };
        Assert.Equal("Method=m&app_id=2021000000000001&biz_content={\"a\":1}&sign_type=RSA2&timestamp=2026-12-03 10:00:00", AlipaySignature.Content(parameters));
        Assert.Equal("Method=m&app_id=2021000000000001&biz_content={\"a\":1}&timestamp=2026-12-03 10:00:00", AlipaySignature.Content(parameters, notification: true));
    }

    [Fact]
    public async Task The_signature_is_the_one_openssl_computes_over_the_same_content_with_the_same_key()
    {
        var folder = Directory.CreateTempSubdirectory("alipay-sign-");
        try
        {
            var content = "app_id=2021000000000001&biz_content={\"out_trade_no\":\"0193f0c5a1b27c3d8e9f000000000001\",\"total_amount\":\"200.00\",\"subject\":\"交通违法罚款\"}&charset=utf-8&method=alipay.trade.query&sign_type=RSA2&timestamp=2026-12-03 10:00:00&version=1.0";
            var keyFile = Path.Combine(folder.FullName, "key.pem");
            var dataFile = Path.Combine(folder.FullName, "content.txt");
            await File.WriteAllTextAsync(keyFile, Key.ExportPkcs8PrivateKeyPem());
            await File.WriteAllBytesAsync(dataFile, Encoding.UTF8.GetBytes(content));
            var start = new ProcessStartInfo("openssl", ["dgst", "-sha256", "-sign", keyFile, dataFile]) { RedirectStandardOutput = true, RedirectStandardError = true };
            using var process = Process.Start(start)!;
            using var signature = new MemoryStream();
            await process.StandardOutput.BaseStream.CopyToAsync(signature);
            await process.WaitForExitAsync();
            Assert.Equal(0, process.ExitCode);

            Assert.Equal(Convert.ToBase64String(signature.ToArray()), AlipaySignature.Sign(content, Key));
            Assert.True(AlipaySignature.Verify(content, AlipaySignature.Sign(content, Key), Key));
            Assert.False(AlipaySignature.Verify(content + "&x=1", AlipaySignature.Sign(content, Key), Key));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData("", false)]
    [InlineData("not base64!", false)]
    [InlineData("AAAA", false)]
    public void A_malformed_signature_does_not_verify_and_does_not_throw(string sign, bool expected) =>
        Assert.Equal(expected, AlipaySignature.Verify("a=1", sign, Key));

    [Fact]
    public void Keys_are_read_as_pem_or_as_the_bare_base64_the_open_platform_shows()
    {
        var bare = AlipaySignature.PrivateKeyText(Key);
        var sign = AlipaySignature.Sign("a=1", AlipaySignature.PrivateKey(bare));
        Assert.True(AlipaySignature.Verify("a=1", sign, AlipaySignature.PublicKey(AlipaySignature.PublicKeyText(Key))));
        Assert.True(AlipaySignature.Verify("a=1", sign, AlipaySignature.PublicKey(Key.ExportSubjectPublicKeyInfoPem())));
        Assert.Equal(sign, AlipaySignature.Sign("a=1", AlipaySignature.PrivateKey(Convert.ToBase64String(Key.ExportRSAPrivateKey()))));
    }

    [Theory]
    [InlineData(0L, "0.00")]
    [InlineData(1L, "0.01")]
    [InlineData(10L, "0.10")]
    [InlineData(20_000L, "200.00")]
    [InlineData(123_456_789L, "1234567.89")]
    [InlineData(10_000_000_000L, "100000000.00")]
    public void Fen_become_yuan_with_two_decimals_and_back(long fen, string yuan)
    {
        Assert.Equal(yuan, AlipayAmount.ToYuan(fen));
        Assert.True(AlipayAmount.TryParseFen(yuan, out var back));
        Assert.Equal(fen, back);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("200")]
    [InlineData("200.0")]
    [InlineData("200.000")]
    [InlineData("-1.00")]
    [InlineData("+1.00")]
    [InlineData(" 1.00")]
    [InlineData("1.00 ")]
    [InlineData("01.00")]
    [InlineData("1,000.00")]
    [InlineData("1e2.00")]
    [InlineData(".50")]
    [InlineData("1.5x")]
    [InlineData("１.００")]
    [InlineData("100000000.01")]
    [InlineData("99999999999999.99")]
    public void Anything_but_yuan_with_two_decimals_within_alipays_limit_is_refused(string? text) =>
        Assert.False(AlipayAmount.TryParseFen(text, out _));

    [Fact]
    public void Amounts_outside_the_range_cannot_be_written()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => AlipayAmount.ToYuan(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => AlipayAmount.ToYuan(AlipayAmount.MaxFen + 1));
        Assert.True(AlipayAmount.TryParseSignedFen("-50.00", out var refund) && refund == -5000);
        Assert.False(AlipayAmount.TryParseSignedFen("--50.00", out _));
    }

    [Fact]
    public void An_answer_is_believed_only_with_alipays_signature_over_the_exact_text_of_its_node()
    {
        const string node = "{\"code\":\"10000\",\"msg\":\"Success\",\"trade_no\":\"2026120322001\",\"out_trade_no\":\"a\",\"trade_status\":\"TRADE_SUCCESS\",\"total_amount\":\"88.88\"}";
        var body = "{\"alipay_trade_query_response\":" + node + ",\"sign\":\"" + AlipaySignature.Sign(node, Key) + "\"}";
        var answer = AlipayClient.VerifyResponse(body, AlipayMethods.Query, Key);
        Assert.Null(answer.Error);
        Assert.Equal("10000", answer.Code);

        Assert.NotNull(AlipayClient.VerifyResponse(body.Replace("88.88", "88.89", StringComparison.Ordinal), AlipayMethods.Query, Key).Error);
        Assert.NotNull(AlipayClient.VerifyResponse(body.Replace("\"msg\":\"Success\"", "\"msg\": \"Success\"", StringComparison.Ordinal), AlipayMethods.Query, Key).Error);
        Assert.NotNull(AlipayClient.VerifyResponse("{\"alipay_trade_query_response\":" + node + "}", AlipayMethods.Query, Key).Error);
        Assert.NotNull(AlipayClient.VerifyResponse(body, AlipayMethods.Refund, Key).Error);
        Assert.NotNull(AlipayClient.VerifyResponse("<html>", AlipayMethods.Query, Key).Error);
        Assert.NotNull(AlipayClient.VerifyResponse(body, AlipayMethods.Query, RSA.Create(2048)).Error);
    }

    [Fact]
    public void A_notification_pays_only_when_signed_by_alipay_for_our_app_in_the_retry_window_with_a_paying_status()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 3, 2, 0, 0, TimeSpan.Zero));
        var simulator = new AlipaySimulator.AlipaySimulator(AlipaySimulatorOptions.Generate("2021000000000001", Key), time);
        var alipay = RSA.Create(simulator.Options.AlipayPrivateKey.ExportParameters(false));
        Dictionary<string, string> Form(string status = "TRADE_SUCCESS", string amount = "200.00", string app = "2021000000000001", string at = "2026-12-03 10:00:00") =>
            simulator.SignNotification(new Dictionary<string, string>
            {
                ["app_id"] = app, ["notify_id"] = "n-1", ["notify_time"] = at, ["out_trade_no"] = "0193f0c5a1b27c3d8e9f000000000001", ["trade_no"] = "2026120322001",
                ["trade_status"] = status, ["total_amount"] = amount, ["gmt_payment"] = "2026-12-03 09:59:58", ["charset"] = "utf-8", ["version"] = "1.0",
            });
        AlipayNotificationCheck Check(IReadOnlyDictionary<string, string> form) => AlipayNotification.Check(form, "2021000000000001", alipay, time.GetUtcNow());

        var paid = Check(Form()).Notice!;
        Assert.Equal(new ChannelPaymentNotice("alipay", "0193f0c5a1b27c3d8e9f000000000001", "2026120322001", 20_000, new DateTimeOffset(2026, 12, 3, 1, 59, 58, TimeSpan.Zero), "n-1"), paid);
        Assert.NotNull(Check(Form("TRADE_FINISHED")).Notice);
        Assert.True(Check(Form("WAIT_BUYER_PAY")).Ignored);
        Assert.True(Check(Form("TRADE_CLOSED")).Ignored);
        Assert.Equal(PaymentErrors.Alipay.Malformed, Check(Form("TRADE_PAID")).Rejection);
        Assert.Equal(PaymentErrors.Alipay.BadAmount, Check(Form(amount: "200")).Rejection);
        Assert.Equal(PaymentErrors.Alipay.WrongApp, Check(Form(app: "2021000000000002")).Rejection);
        Assert.Equal(PaymentErrors.Alipay.Stale, Check(Form(at: "2026-12-02 07:59:59")).Rejection);
        Assert.Null(Check(Form(at: "2026-12-02 08:00:01")).Rejection);
        Assert.Equal(PaymentErrors.Alipay.Stale, Check(Form(at: "2026-12-03 10:15:01")).Rejection);

        var tampered = Form();
        tampered["total_amount"] = "2.00";
        Assert.Equal(PaymentErrors.Alipay.BadSignature, Check(tampered).Rejection);
        var unsigned = Form();
        unsigned.Remove("sign");
        Assert.Equal(PaymentErrors.Alipay.NotSigned, Check(unsigned).Rejection);
        var md5 = Form();
        md5["sign_type"] = "RSA";
        Assert.Equal(PaymentErrors.Alipay.BadSignature, Check(md5).Rejection);
        var withoutType = Form();
        withoutType.Remove("sign_type"); // sign_type is not signed: a notification without it still verifies
        Assert.NotNull(Check(withoutType).Notice);
    }

    [Fact]
    public void A_trade_bill_in_alipays_layout_is_read_from_its_zip_with_refunds_as_refunds()
    {
        var header = string.Join(',', AlipayBill.Header);
        var text = "#支付宝业务明细查询\r\n#账号：[20880000000000010156]\r\n#起始日期：[2026年12月03日 00:00:00]   终止日期：[2026年12月04日 00:00:00]\r\n"
            + "#-----------------------------------------业务明细列表----------------------------------------\r\n"
            + header + "\r\n"
            + "2026120322001123456789000001\t,0193f0c5a1b27c3d8e9f000000000001\t,交易\t,交通违法罚款\t,2026-12-03 09:58:00\t,2026-12-03 09:59:58\t,\t,\t,\t,\t,bu***@example.com\t,200.00\t,200.00\t,0.00\t,0.00\t,0.00\t,0.00\t,0.00\t,\t,0.00\t,0.00\t,\t,-1.20\t,0.00\t,\t\r\n"
            + "2026120322001123456789000001\t,0193f0c5a1b27c3d8e9f000000000001\t,退款\t,交通违法罚款\t,2026-12-03 11:00:00\t,2026-12-03 11:00:01\t,\t,\t,\t,\t,bu***@example.com\t,-50.00\t,-50.00\t,0.00\t,0.00\t,0.00\t,0.00\t,0.00\t,\t,0.00\t,0.00\t,0193f0c5a1b27c3d8e9f00000000000a\t,0.30\t,0.00\t,\t\r\n"
            + "#-----------------------------------------业务明细列表结束------------------------------------\r\n#交易合计：1笔，商家实收共200.00元，商家优惠共0.00元\r\n#退款合计：1笔，商家实收退款共-50.00元，商家优惠退款共0.00元\r\n#导出时间：[2026年12月04日 09:00:00]\r\n";
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            using (var detail = zip.CreateEntry("20880000000000010156_20261203_业务明细.csv").Open())
            {
                detail.Write(AlipayClient.Gbk.GetBytes(text));
            }

            using var summary = zip.CreateEntry("20880000000000010156_20261203_业务明细(汇总).csv").Open();
            summary.Write(AlipayClient.Gbk.GetBytes("#支付宝业务汇总查询\r\n合计,,1,1,150.00,150.00\r\n"));
        }

        var file = AlipayClient.DetailOf(buffer.ToArray());
        Assert.True(file.Ok, file.Error);
        Assert.Equal(text, file.Text);
        var parsed = AlipayBill.Parse(file.Text!);
        Assert.Null(parsed.Error);
        Assert.Equal(
            [
                new SettlementLine("2026120322001123456789000001", "0193f0c5a1b27c3d8e9f000000000001", SettlementKind.Payment, 20_000, new DateTimeOffset(2026, 12, 3, 9, 59, 58, TimeSpan.FromHours(8)), null),
                new SettlementLine("2026120322001123456789000001", "0193f0c5a1b27c3d8e9f000000000001", SettlementKind.Refund, 5_000, new DateTimeOffset(2026, 12, 3, 11, 0, 1, TimeSpan.FromHours(8)), "0193f0c5a1b27c3d8e9f00000000000a"),
            ],
            parsed.Lines);

        Assert.Equal("line 6: 订单金额（元） '200.0' is not yuan with two decimals", AlipayBill.Parse(text.Replace("200.00\t,200.00", "200.0\t,200.00", StringComparison.Ordinal)).Error);
        Assert.StartsWith("line 1: the header lacks 支付宝交易号", AlipayBill.Parse("交易号,金额\r\n1,2\r\n").Error, StringComparison.Ordinal);
        Assert.Equal("line 7: 业务类型 '转账' is neither 交易 nor 退款", AlipayBill.Parse(text.Replace(",退款\t", ",转账\t", StringComparison.Ordinal)).Error);
        Assert.Empty(AlipayBill.Parse(string.Empty).Lines);
        Assert.False(AlipayClient.DetailOf([1, 2, 3]).Ok);
    }
}
