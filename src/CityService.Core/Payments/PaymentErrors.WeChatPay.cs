using CityService.Core.Common;

namespace CityService.Core.Payments;

public static partial class PaymentErrors
{
    /// <summary>Why a WeChat Pay notification was refused (the notify endpoint's <c>error</c>, the audit entry's reason).</summary>
    public static class WeChatPay
    {
        public const string NotSigned = "wechatpay.notice-unsigned";
        public const string UnknownSerial = "wechatpay.notice-unknown-serial";
        public const string Stale = "wechatpay.notice-stale";
        public const string BadSignature = "wechatpay.notice-bad-signature";
        public const string Malformed = "wechatpay.notice-malformed";
        public const string Undecryptable = "wechatpay.notice-undecryptable";
        public const string WrongMerchant = "wechatpay.notice-wrong-merchant";
        public const string Replayed = "wechatpay.notice-replayed";
        public const string UnknownOrder = "wechatpay.notice-unknown-order";

        public static Error UnsignedError() => new(ErrorKind.Forbidden, NotSigned,
            new("通知缺少 Wechatpay-Timestamp、Wechatpay-Nonce、Wechatpay-Signature 或 Wechatpay-Serial。", "The notification lacks Wechatpay-Timestamp, -Nonce, -Signature or -Serial."));

        public static Error UnknownSerialError() => new(ErrorKind.Forbidden, UnknownSerial,
            new("通知的平台证书序列号不是已配置的序列号。", "The notification's platform serial is not the configured one."));

        public static Error StaleError() => new(ErrorKind.Forbidden, Stale,
            new("通知的时间戳与当前时间相差超过 5 分钟。", "The notification's timestamp is more than 5 minutes from now."));

        public static Error BadSignatureError() => new(ErrorKind.Forbidden, BadSignature,
            new("通知的签名无法用平台公钥验证。", "The notification's signature does not verify with the platform public key."));

        public static Error MalformedError() => new(ErrorKind.Invalid, Malformed,
            new("通知不是微信支付 API v3 的通知格式。", "The notification is not a WeChat Pay API v3 notification."));

        public static Error UndecryptableError() => new(ErrorKind.Invalid, Undecryptable,
            new("通知的 resource 无法用 APIv3 密钥解密（密文、nonce 或附加数据不符）。", "The notification's resource does not decrypt with the APIv3 key (ciphertext, nonce or associated data do not match)."));

        public static Error WrongMerchantError() => new(ErrorKind.Invalid, WrongMerchant,
            new("通知的商户号或 AppID 不是本平台的。", "The notification's mchid or appid is not ours."));

        public static Error ReplayedError() => new(ErrorKind.Conflict, Replayed,
            new("同一通知 ID 已以不同内容收到过。", "A notification with this id was received before with different content."));

        public static Error UnknownOrderError() => new(ErrorKind.NotFound, UnknownOrder,
            new("通知的商户订单号不是本平台的微信支付订单。", "The notification's out_trade_no is not a WeChat Pay order of ours."));
    }
}
