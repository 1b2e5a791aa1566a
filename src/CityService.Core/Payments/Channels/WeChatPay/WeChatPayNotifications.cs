using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CityService.Core.Common;

namespace CityService.Core.Payments.Channels.WeChatPay;

/// <summary>The four signature headers of a WeChat Pay response or notification.</summary>
public sealed record WeChatPaySignedHeaders(string? Timestamp, string? Nonce, string? Signature, string? Serial)
{
    public const string TimestampHeader = "Wechatpay-Timestamp";
    public const string NonceHeader = "Wechatpay-Nonce";
    public const string SignatureHeader = "Wechatpay-Signature";
    public const string SerialHeader = "Wechatpay-Serial";

    /// <summary>Checks presence, serial, freshness (±5 min) and the platform's signature over <paramref name="body"/>.</summary>
    public Error? Check(WeChatPayOptions options, string body, DateTimeOffset now)
    {
        if (string.IsNullOrEmpty(Timestamp) || string.IsNullOrEmpty(Nonce) || string.IsNullOrEmpty(Signature) || string.IsNullOrEmpty(Serial))
        {
            return PaymentErrors.WeChatPay.UnsignedError();
        }

        if (!string.Equals(Serial, options.PlatformSerial, StringComparison.OrdinalIgnoreCase))
        {
            return PaymentErrors.WeChatPay.UnknownSerialError();
        }

        if (!WeChatPaySignature.IsFresh(Timestamp, now))
        {
            return PaymentErrors.WeChatPay.StaleError();
        }

        return WeChatPaySignature.Verify(options.PlatformPublicKey, WeChatPaySignature.ResponseMessage(Timestamp, Nonce, body), Signature)
            ? null
            : PaymentErrors.WeChatPay.BadSignatureError();
    }
}

/// <summary>A verified, decrypted payment notification.</summary>
/// <param name="Digest">SHA-256 of the decrypted resource (hex; a retry may carry a fresh nonce): the same id with another digest is a replay with different content.</param>
public sealed record WeChatPayVerifiedNotice(string Id, string Digest, string EventType, WeChatPayTransaction Transaction)
{
    /// <summary>Whether the trade is paid (and so the notice is handed to the payments rules).</summary>
    public bool Paid => EventType == "TRANSACTION.SUCCESS" && Transaction.TradeState == WeChatPayApi.TradeStates.Success;

    public ChannelPaymentNotice ToNotice() => new(
        PaymentChannels.WeChatPay, Transaction.OutTradeNo, Transaction.TransactionId ?? string.Empty, Transaction.Amount?.Total ?? -1,
        DateTimeOffset.TryParse(Transaction.SuccessTime, CultureInfo.InvariantCulture, DateTimeStyles.None, out var at) ? at : DateTimeOffset.MinValue, Id);
}

/// <summary>Reads a notification: signature headers, then the outer JSON, then the AEAD_AES_256_GCM resource, then whose it is.</summary>
public static class WeChatPayNotifications
{
    public static Result<WeChatPayVerifiedNotice> Read(WeChatPayOptions options, WeChatPaySignedHeaders headers, string body, DateTimeOffset now)
    {
        if (headers.Check(options, body, now) is { } refused)
        {
            return refused;
        }

        WeChatPayNotificationBody? outer;
        try
        {
            outer = JsonSerializer.Deserialize<WeChatPayNotificationBody>(body, WeChatPayApi.Json);
        }
        catch (JsonException)
        {
            return PaymentErrors.WeChatPay.MalformedError();
        }

        if (outer?.Resource is not { } resource || string.IsNullOrEmpty(outer.Id) || outer.ResourceType != "encrypt-resource" || resource.Algorithm != WeChatPayAead.Algorithm)
        {
            return PaymentErrors.WeChatPay.MalformedError();
        }

        if (WeChatPayAead.Decrypt(options.ApiV3Key, resource.Nonce, resource.AssociatedData, resource.Ciphertext) is not { } plain)
        {
            return PaymentErrors.WeChatPay.UndecryptableError();
        }

        WeChatPayTransaction? transaction;
        try
        {
            transaction = JsonSerializer.Deserialize<WeChatPayTransaction>(plain, WeChatPayApi.Json);
        }
        catch (JsonException)
        {
            return PaymentErrors.WeChatPay.MalformedError();
        }

        if (transaction is null || string.IsNullOrEmpty(transaction.OutTradeNo) || string.IsNullOrEmpty(transaction.TradeState))
        {
            return PaymentErrors.WeChatPay.MalformedError();
        }

        if (transaction.Mchid != options.MchId || transaction.Appid != options.AppId)
        {
            return PaymentErrors.WeChatPay.WrongMerchantError();
        }

        if (transaction.TradeState == WeChatPayApi.TradeStates.Success
            && (transaction.Amount is not { Total: > 0, Currency: "CNY" } || string.IsNullOrEmpty(transaction.TransactionId)))
        {
            return PaymentErrors.WeChatPay.MalformedError();
        }

        var digest = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(plain)));
        return new WeChatPayVerifiedNotice(outer.Id, digest, outer.EventType ?? string.Empty, transaction);
    }
}
