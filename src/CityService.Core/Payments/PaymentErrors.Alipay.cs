namespace CityService.Core.Payments;

public static partial class PaymentErrors
{
    /// <summary>Why an Alipay notification was refused (the audit entry's reason; the answer to Alipay is <c>fail</c>).</summary>
    public static class Alipay
    {
        public const string NotSigned = "alipay.notify-unsigned";
        public const string BadSignature = "alipay.notify-bad-signature";
        public const string WrongApp = "alipay.notify-wrong-app";
        public const string Malformed = "alipay.notify-malformed";
        public const string BadAmount = "alipay.notify-bad-amount";
        public const string Stale = "alipay.notify-stale";
        public const string Replayed = "alipay.notify-replayed";
        public const string UnknownOrder = "alipay.notify-unknown-order";
    }
}
