using CityService.Core.Common;

namespace CityService.Core.Payments;

public static partial class PaymentErrors
{
    /// <summary>Payment orders (POST /api/payments and friends). Tests assert these literal strings.</summary>
    public static class Order
    {
        public const string IdempotencyKeyMalformed = "payment.idempotency-key-malformed";
        public const string IdempotencyKeyReused = "payment.idempotency-key-reused";
        public const string IdempotencyKeyInProgress = "payment.idempotency-key-in-progress";
        public const string BillsMissing = "payment.bills-missing";
        public const string TooManyBills = "payment.too-many-bills";
        public const string BillsRepeated = "payment.bills-repeated";
        public const string BillNotFound = "payment.bill-not-found";
        public const string BillNotOpen = "payment.bill-not-open";
        public const string BillsOfSeveralRegions = "payment.bills-of-several-regions";
        public const string ChannelUnknown = "payment.channel-unknown";
        public const string ChannelUnavailable = "payment.channel-unavailable";
        public const string NotFound = "payment.not-found";
        public const string NoticeRejected = "payment.notice-rejected";
        public const string NotPaid = "payment.not-paid";

        public const int MaxBills = 20;

        public static Error KeyMalformed() => new(ErrorKind.Unprocessable, IdempotencyKeyMalformed, new LocalizedText(
            "请求头 Idempotency-Key 必须是 1–64 位字母、数字、下划线或连字符。",
            "The Idempotency-Key header must be 1–64 characters of letters, digits, '_' and '-'."), "Idempotency-Key");

        public static Error KeyReused() => new(ErrorKind.Conflict, IdempotencyKeyReused, new LocalizedText(
            "此 Idempotency-Key 已用于内容不同的另一请求；请为新的缴费换一个新的键。",
            "This Idempotency-Key was used for a different request; use a new key for a new payment."), "Idempotency-Key");

        public static Error KeyInProgress() => new(ErrorKind.Conflict, IdempotencyKeyInProgress, new LocalizedText(
            "使用同一 Idempotency-Key 的请求仍在处理中，请稍后重试。",
            "A request with this Idempotency-Key is still being processed; try again shortly."), "Idempotency-Key");

        public static Error Bills(string code, string zh, string en) => new(ErrorKind.Unprocessable, code, new LocalizedText(zh, en), "billIds");

        public static Error UnknownChannel(string? channel) => new(ErrorKind.Unprocessable, ChannelUnknown, new LocalizedText(
            $"支付渠道“{channel}”不存在或未开通。", $"The payment channel '{channel}' does not exist or is not available."), "channel");

        public static Error Unavailable() => new(ErrorKind.UpstreamFailed, ChannelUnavailable, new LocalizedText(
            "支付渠道暂时无法受理，缴费单已关闭，请稍后重新发起。", "The payment channel could not take the order; it is closed — please try again later."));

        public static Error Payment() => Error.NotFound(NotFound, "没有这笔缴费。", "There is no such payment.");

        public static Error Rejected() => new(ErrorKind.Invalid, NoticeRejected, new LocalizedText(
            "通知的签名无效或内容不完整，已拒收。", "The notification's signature is not valid or it is incomplete: refused."));

        public static Error Unpaid() => Error.NotFound(NotPaid, "这笔缴费尚未成功，没有回执。", "This payment has not succeeded: there is no receipt.");
    }
}
