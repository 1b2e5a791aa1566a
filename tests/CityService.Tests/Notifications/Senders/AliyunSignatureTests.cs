using CityService.Core.Notifications.Senders;
using CityService.Core.Outbox;

namespace CityService.Tests.Notifications.Senders;

/// <summary>The RPC signature V1 against the provider's published examples, and what each answer code means for a message.</summary>
public sealed class AliyunSignatureTests
{
    /// <summary>The SendSms example of the provider's SMS documentation (its AccessKeySecret is "testSecret").</summary>
    private static readonly Dictionary<string, string> SmsDocumentExample = new()
    {
        ["AccessKeyId"] = "testId",
        ["Action"] = "SendSms",
        ["Format"] = "XML",
        ["OutId"] = "123",
        ["PhoneNumbers"] = "15300000001",
        ["RegionId"] = "cn-hangzhou",
        ["SignName"] = "阿里云短信测试专用",
        ["SignatureMethod"] = "HMAC-SHA1",
        ["SignatureNonce"] = "45e25e9b-0a6f-4070-8c85-2956eda1b466",
        ["SignatureVersion"] = "1.0",
        ["TemplateCode"] = "SMS_71390007",
        ["TemplateParam"] = "{\"customer\":\"test\"}",
        ["Timestamp"] = "2017-07-12T02:42:19Z",
        ["Version"] = "2017-05-25",
    };

    [Fact]
    public void The_sms_documentation_example_signs_to_its_published_signature()
    {
        Assert.Equal(
            "GET&%2F&AccessKeyId%3DtestId%26Action%3DSendSms%26Format%3DXML%26OutId%3D123%26PhoneNumbers%3D15300000001%26RegionId%3Dcn-hangzhou"
            + "%26SignName%3D%25E9%2598%25BF%25E9%2587%258C%25E4%25BA%2591%25E7%259F%25AD%25E4%25BF%25A1%25E6%25B5%258B%25E8%25AF%2595%25E4%25B8%2593%25E7%2594%25A8"
            + "%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D45e25e9b-0a6f-4070-8c85-2956eda1b466%26SignatureVersion%3D1.0%26TemplateCode%3DSMS_71390007"
            + "%26TemplateParam%3D%257B%2522customer%2522%253A%2522test%2522%257D%26Timestamp%3D2017-07-12T02%253A42%253A19Z%26Version%3D2017-05-25",
            AliyunRpcSignature.StringToSign("GET", SmsDocumentExample));
        Assert.Equal("zJDF+Lrzhj/ThnlvIToysFRq6t4=", AliyunRpcSignature.Sign("GET", SmsDocumentExample, "testSecret"));
    }

    [Fact]
    public void The_rpc_documentation_example_signs_to_its_published_signature_whatever_the_order_and_an_old_signature()
    {
        var example = new Dictionary<string, string>
        {
            ["Version"] = "2014-05-26",
            ["Timestamp"] = "2016-02-23T12:46:24Z",
            ["Signature"] = "an earlier signature is not signed",
            ["SignatureVersion"] = "1.0",
            ["SignatureNonce"] = "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf",
            ["SignatureMethod"] = "HMAC-SHA1",
            ["Format"] = "XML",
            ["AccessKeyId"] = "testid",
            ["Action"] = "DescribeRegions",
        };
        Assert.Equal("OLeaidS1JvxuMvnyHOwuJ+uX5qY=", AliyunRpcSignature.Sign("GET", example, "testsecret"));
    }

    [Fact]
    public void Verification_accepts_only_the_same_method_parameters_and_secret()
    {
        var signature = AliyunRpcSignature.Sign("POST", SmsDocumentExample, "testSecret");
        Assert.True(AliyunRpcSignature.Verify("POST", SmsDocumentExample, "testSecret", signature));
        Assert.False(AliyunRpcSignature.Verify("GET", SmsDocumentExample, "testSecret", signature));
        Assert.False(AliyunRpcSignature.Verify("POST", SmsDocumentExample, "testsecret", signature));
        Assert.False(AliyunRpcSignature.Verify("POST", new Dictionary<string, string>(SmsDocumentExample) { ["PhoneNumbers"] = "15300000002" }, "testSecret", signature));
        Assert.False(AliyunRpcSignature.Verify("POST", SmsDocumentExample, "testSecret", null));
    }

    [Theory]
    [InlineData("a b", "a%20b")]
    [InlineData("*", "%2A")]
    [InlineData("~-_.AZaz09", "~-_.AZaz09")]
    [InlineData("/=&+:", "%2F%3D%26%2B%3A")]
    [InlineData("验", "%E9%AA%8C")]
    [InlineData("【】", "%E3%80%90%E3%80%91")]
    public void Percent_encoding_follows_rfc_3986_with_the_providers_rules(string value, string encoded) =>
        Assert.Equal(encoded, AliyunRpcSignature.PercentEncode(value));

    [Theory]
    [InlineData(200, "OK", OutboxSendOutcome.Delivered)]
    [InlineData(200, "isv.BUSINESS_LIMIT_CONTROL", OutboxSendOutcome.Retry)]
    [InlineData(200, "isv.DAY_LIMIT_CONTROL", OutboxSendOutcome.Retry)]
    [InlineData(400, "Throttling.User", OutboxSendOutcome.Retry)]
    [InlineData(200, "isp.SYSTEM_ERROR", OutboxSendOutcome.Retry)]
    [InlineData(503, "ServiceUnavailable", OutboxSendOutcome.Retry)]
    [InlineData(502, null, OutboxSendOutcome.Retry)]
    [InlineData(500, "OK", OutboxSendOutcome.Retry)]
    [InlineData(400, "SignatureDoesNotMatch", OutboxSendOutcome.Retry)]
    [InlineData(404, "InvalidAccessKeyId.NotFound", OutboxSendOutcome.Retry)]
    [InlineData(200, "isv.MOBILE_NUMBER_ILLEGAL", OutboxSendOutcome.Reject)]
    [InlineData(200, "isv.SMS_TEMPLATE_ILLEGAL", OutboxSendOutcome.Reject)]
    [InlineData(200, "isv.SMS_SIGNATURE_ILLEGAL", OutboxSendOutcome.Reject)]
    [InlineData(200, "isv.TEMPLATE_MISSING_PARAMETERS", OutboxSendOutcome.Reject)]
    [InlineData(400, "MissingPhoneNumbers", OutboxSendOutcome.Reject)]
    public void Answer_codes_map_to_delivered_retry_or_reject(int status, string? code, OutboxSendOutcome outcome) =>
        Assert.Equal(outcome, AliyunSmsApi.Classify(status, code));

    [Theory]
    [InlineData("【城市服务】您的登录验证码是 123456。", "您的登录验证码是 123456。")]
    [InlineData("[CityService] Your sign-in code is 123456.", "Your sign-in code is 123456.")]
    [InlineData("您的验证码【123456】", "您的验证码【123456】")]
    public void The_callers_signature_is_left_to_the_gateway(string text, string sent) =>
        Assert.Equal(sent, GatewaySmsSender.WithoutSignature(text));
}
