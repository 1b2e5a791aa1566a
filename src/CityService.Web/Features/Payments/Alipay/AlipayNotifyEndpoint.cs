using System.Security.Cryptography;
using System.Text;
using CityService.Core.Audit;
using CityService.Core.Payments;
using CityService.Core.Payments.Channels.Alipay;
using CityService.Core.Storage;
using Microsoft.EntityFrameworkCore;

namespace CityService.Web.Features.Payments.Alipay;

/// <summary>
/// <c>POST /api/channels/alipay/notify</c>: Alipay's asynchronous notification. Answers <c>success</c> (text) when it is
/// taken — also for a repeat, and for a well-signed status that pays nothing — and <c>fail</c> (400) when refused:
/// unsigned, mis-signed, another app's, malformed, outside the retry window, a notify_id replayed with other content, or
/// an unknown order. Every refusal is audited (<see cref="AuditActions.NoticeRejected"/>; reason, notify_id and the
/// order's id only). Never 500 for any input.
/// </summary>
public static partial class AlipayNotifyEndpoint
{
    public const string Accepted = "success";
    public const string Refused = "fail";

    public static async Task<IResult> HandleAsync(HttpContext http, AlipayChannel channel, IPaymentNotices notices, CityDbContext db, AuditLog audit, TimeProvider time, ILogger<AlipayChannel> logger, CancellationToken ct)
    {
        Dictionary<string, string>? form = null;
        if (http.Request.HasFormContentType)
        {
            try
            {
                var fields = await http.Request.ReadFormAsync(ct);
                form = fields.All(f => f.Value.Count == 1) ? fields.ToDictionary(f => f.Key, f => f.Value.ToString(), StringComparer.Ordinal) : null;
            }
            catch (Exception e) when (e is InvalidDataException or IOException or BadHttpRequestException)
            {
                form = null;
            }
        }

        if (form is null)
        {
            return await RefuseAsync(db, audit, logger, PaymentErrors.Alipay.Malformed, null, null, ct);
        }

        var check = AlipayNotification.Check(form, channel.Connection.AppId, channel.Connection.AlipayPublicKey, time.GetUtcNow());
        if (check.Rejection is { } rejection)
        {
            return await RefuseAsync(db, audit, logger, rejection, check.OutTradeNo, check.NotifyId, ct);
        }

        if (!await TakeAsync(db, check.NotifyId!, check.OutTradeNo!, form, time.GetUtcNow(), ct))
        {
            return await RefuseAsync(db, audit, logger, PaymentErrors.Alipay.Replayed, check.OutTradeNo, check.NotifyId, ct);
        }

        if (check.Ignored)
        {
            return Text(Accepted, StatusCodes.Status200OK);
        }

        var outcome = await notices.ApplyAsync(check.Notice!, ct);
        return outcome == NoticeOutcome.UnknownOrder
            ? await RefuseAsync(db, audit, logger, PaymentErrors.Alipay.UnknownOrder, check.OutTradeNo, check.NotifyId, ct)
            : Text(Accepted, StatusCodes.Status200OK);
    }

    /// <summary>Remembers the notify_id with the digest of its signed content; false when the id came before with other content.</summary>
    private static async Task<bool> TakeAsync(CityDbContext db, string notifyId, string outTradeNo, Dictionary<string, string> form, DateTimeOffset now, CancellationToken ct)
    {
        var digest = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(AlipaySignature.Content(form, notification: true))));
        if (notifyId.Length > 128 || outTradeNo.Length > 64)
        {
            return false;
        }

        var seen = await db.AlipayNotices.AsNoTracking().Where(n => n.NotifyId == notifyId).Select(n => n.Digest).FirstOrDefaultAsync(ct);
        if (seen is null)
        {
            db.AlipayNotices.Add(AlipayNotice.Take(notifyId, outTradeNo, digest, now));
            if (await db.TrySaveChangesAsync(ct))
            {
                return true;
            }

            seen = await db.AlipayNotices.AsNoTracking().Where(n => n.NotifyId == notifyId).Select(n => n.Digest).FirstAsync(ct); // a duplicate got there first
        }

        return seen == digest;
    }

    private static async Task<IResult> RefuseAsync(CityDbContext db, AuditLog audit, ILogger logger, string reason, string? outTradeNo, string? notifyId, CancellationToken ct)
    {
        var order = outTradeNo is { Length: 32 } && Guid.TryParseExact(outTradeNo, "N", out var id) ? id.ToString() : null;
        var shortId = notifyId is { Length: > 0 } ? (notifyId.Length > 64 ? notifyId[..64] : notifyId) : null;
        Log.Refused(logger, reason, order);
        await audit.RecordAsync(db, new AuditRecord(
            AuditActions.NoticeRejected, AuditActor.Anonymous, order is null ? null : "payment", order, AuditOutcomes.Refused,
            Details: AuditRecord.DetailsOf(new { channel = PaymentChannels.Alipay, reason, notifyId = shortId })), ct);
        return Text(Refused, StatusCodes.Status400BadRequest);
    }

    private static IResult Text(string body, int status) => Results.Text(body, "text/plain; charset=utf-8", Encoding.UTF8, status);

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Warning, Message = "Alipay notification refused: {Reason} (order {Order})")]
        public static partial void Refused(ILogger logger, string reason, string? order);
    }
}
