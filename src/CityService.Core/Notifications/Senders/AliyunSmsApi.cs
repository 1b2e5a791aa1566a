namespace CityService.Core.Notifications.Senders;

/// <summary>
/// The facts of Alibaba Cloud's SendSms (dysmsapi, RPC style, API version 2017-05-25) the adapter and the simulator share:
/// parameter names, values and the answer codes they act on. An answer is JSON <c>{ Code, Message, BizId, RequestId }</c>;
/// <c>Code = "OK"</c> means accepted.
/// </summary>
public static class AliyunSmsApi
{
    public const string Action = "SendSms";
    public const string Version = "2017-05-25";
    public const string SignatureMethod = "HMAC-SHA1";
    public const string SignatureVersion = "1.0";

    /// <summary>The timestamp format: ISO 8601 in UTC, to the second.</summary>
    public const string TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss'Z'";

    /// <summary>Answer codes (the provider's own strings).</summary>
    public static class Codes
    {
        public const string Ok = "OK";
        public const string SignatureDoesNotMatch = "SignatureDoesNotMatch";
        public const string InvalidAccessKeyId = "InvalidAccessKeyId.NotFound";
        public const string SignatureNonceUsed = "SignatureNonceUsed";
        public const string InvalidTimeStamp = "InvalidTimeStamp.Expired";
        public const string MissingParameter = "MissingParameter";
        public const string InvalidParameters = "isv.INVALID_PARAMETERS";
        public const string MobileNumberIllegal = "isv.MOBILE_NUMBER_ILLEGAL";
        public const string TemplateIllegal = "isv.SMS_TEMPLATE_ILLEGAL";
        public const string SignatureIllegal = "isv.SMS_SIGNATURE_ILLEGAL";
        public const string TemplateMissingParameters = "isv.TEMPLATE_MISSING_PARAMETERS";
        public const string ParamLengthLimit = "isv.PARAM_LENGTH_LIMIT";
        public const string BusinessLimitControl = "isv.BUSINESS_LIMIT_CONTROL";
        public const string DayLimitControl = "isv.DAY_LIMIT_CONTROL";
        public const string AmountNotEnough = "isv.AMOUNT_NOT_ENOUGH";
        public const string SystemError = "isp.SYSTEM_ERROR";
        public const string Throttling = "Throttling.User";
        public const string ServiceUnavailable = "ServiceUnavailable";
    }

    /// <summary>
    /// What an answer means for a message: OK → delivered; throttling, flow control, the provider's own errors, an empty
    /// balance and any 5xx → try again later; a refused number, template, signature or parameter → never (dead at once).
    /// A bad signature or unknown key is the platform's configuration, not the message's fault: retried (and logged as an
    /// error), so fixing the key lets the queued messages go.
    /// </summary>
    public static Outbox.OutboxSendOutcome Classify(int httpStatus, string? code)
    {
        if (code == Codes.Ok && httpStatus is >= 200 and < 300)
        {
            return Outbox.OutboxSendOutcome.Delivered;
        }

        if (httpStatus >= 500 || httpStatus == 429 || code is null)
        {
            return Outbox.OutboxSendOutcome.Retry;
        }

        return code switch
        {
            Codes.BusinessLimitControl or Codes.DayLimitControl or Codes.AmountNotEnough or Codes.SystemError or Codes.ServiceUnavailable
                or Codes.SignatureDoesNotMatch or Codes.InvalidAccessKeyId or Codes.SignatureNonceUsed or Codes.InvalidTimeStamp => Outbox.OutboxSendOutcome.Retry,
            _ when code.StartsWith("Throttling", StringComparison.Ordinal) || code.StartsWith("isp.", StringComparison.Ordinal) => Outbox.OutboxSendOutcome.Retry,
            _ => Outbox.OutboxSendOutcome.Reject,
        };
    }
}
