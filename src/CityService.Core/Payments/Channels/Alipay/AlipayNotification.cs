namespace CityService.Core.Payments.Channels.Alipay;

/// <summary>What a verified (or refused) asynchronous notification comes to.</summary>
/// <param name="Notice">Set when the notification says "paid" and everything checks: hand it to <see cref="IPaymentNotices"/>.</param>
/// <param name="Rejection">One of <see cref="PaymentErrors.Alipay"/>'s codes when the notification is refused.</param>
/// <param name="Ignored">Well signed but not a payment (WAIT_BUYER_PAY, TRADE_CLOSED): answer success, change nothing.</param>
public sealed record AlipayNotificationCheck(ChannelPaymentNotice? Notice, string? Rejection, bool Ignored, string? OutTradeNo, string? NotifyId);

/// <summary>
/// Alipay's asynchronous notification (form-encoded POST to notify_url): signed RSA2 by Alipay over every parameter but
/// <c>sign</c> and <c>sign_type</c>, sorted, <c>k=v&amp;…</c>. Checked in this order: signature, our app_id, status,
/// amount, notify_time within Alipay's retry window (it retries for about 25 hours: 4m, 10m, 10m, 1h, 2h, 6h, 15h).
/// </summary>
public static class AlipayNotification
{
    /// <summary>How old a notification may be (Alipay's retries end after about 25 hours) …</summary>
    public static readonly TimeSpan RetryWindow = TimeSpan.FromHours(26);

    /// <summary>… and how far ahead of our clock its notify_time may lie.</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(15);

    public static AlipayNotificationCheck Check(IReadOnlyDictionary<string, string> form, string appId, System.Security.Cryptography.RSA alipayPublicKey, DateTimeOffset now)
    {
        form.TryGetValue("out_trade_no", out var outTradeNo);
        form.TryGetValue("notify_id", out var notifyId);
        AlipayNotificationCheck Reject(string code) => new(null, code, false, outTradeNo, notifyId);

        if (!form.TryGetValue("sign", out var sign) || sign.Length == 0)
        {
            return Reject(PaymentErrors.Alipay.NotSigned);
        }

        if (form.TryGetValue("sign_type", out var signType) && signType != "RSA2")
        {
            return Reject(PaymentErrors.Alipay.BadSignature);
        }

        if (!AlipaySignature.Verify(AlipaySignature.Content(form, notification: true), sign, alipayPublicKey))
        {
            return Reject(PaymentErrors.Alipay.BadSignature);
        }

        if (!form.TryGetValue("app_id", out var ours) || ours != appId)
        {
            return Reject(PaymentErrors.Alipay.WrongApp);
        }

        if (outTradeNo is not { Length: > 0 } || notifyId is not { Length: > 0 })
        {
            return Reject(PaymentErrors.Alipay.Malformed);
        }

        if (!form.TryGetValue("notify_time", out var notifyTime) || !AlipayMethods.TryParseTime(notifyTime, out var at))
        {
            return Reject(PaymentErrors.Alipay.Malformed);
        }

        if (at < now - RetryWindow || at > now + ClockSkew)
        {
            return Reject(PaymentErrors.Alipay.Stale);
        }

        var status = form.GetValueOrDefault("trade_status");
        if (status is not ("TRADE_SUCCESS" or "TRADE_FINISHED"))
        {
            return status is "WAIT_BUYER_PAY" or "TRADE_CLOSED"
                ? new(null, null, true, outTradeNo, notifyId)
                : Reject(PaymentErrors.Alipay.Malformed);
        }

        if (!AlipayAmount.TryParseFen(form.GetValueOrDefault("total_amount"), out var fen))
        {
            return Reject(PaymentErrors.Alipay.BadAmount);
        }

        if (form.GetValueOrDefault("trade_no") is not { Length: > 0 } tradeNo)
        {
            return Reject(PaymentErrors.Alipay.Malformed);
        }

        var paidAt = AlipayMethods.TryParseTime(form.GetValueOrDefault("gmt_payment"), out var payment) ? payment : at;
        return new(new ChannelPaymentNotice(PaymentChannels.Alipay, outTradeNo, tradeNo, fen, paidAt, notifyId), null, false, outTradeNo, notifyId);
    }
}
