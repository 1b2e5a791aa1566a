using System.Text;
using CityService.Core.Audit;
using CityService.Core.Common;
using CityService.Core.Payments;
using CityService.Core.Payments.Channels.WeChatPay;
using CityService.Core.Storage;
using CityService.Web.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CityService.Web.Features.Payments.WeChatPay;

/// <summary>
/// <c>POST /api/channels/wechatpay/notify</c>: WeChat Pay's payment notification. Signature headers (serial, ±5 min,
/// platform key), then the AEAD_AES_256_GCM resource (APIv3 key, associated data), then mchid/appid; a notification id
/// seen before with other content is a replay. A paid trade goes to <see cref="IPaymentNotices"/>, which applies it once.
/// Answers as the protocol says: 204 without a body when taken; 4xx with <c>{"code":"FAIL","message":…}</c> otherwise —
/// an RFC 9457 problem carrying those two fields and our <c>error</c> code — every refusal audited. WeChat Pay retries a failed notification.
/// </summary>
public static partial class WeChatPayNotifyEndpoint
{
    private const int MaxBodyBytes = 64 * 1024;

    public static async Task<IResult> Notify(HttpContext http, IWeChatPayConnection connection, CityDbContext db, AuditLog audit, TimeProvider time, ILoggerFactory logs, CancellationToken ct)
    {
        var logger = logs.CreateLogger(typeof(WeChatPayNotifyEndpoint));
        var body = await ReadBodyAsync(http.Request, ct);
        if (body is null)
        {
            return await RefuseAsync(http, db, audit, logger, PaymentErrors.WeChatPay.MalformedError(), null, null, ct);
        }

        string? Header(string name) => http.Request.Headers.TryGetValue(name, out var v) ? v.ToString() : null;
        var headers = new WeChatPaySignedHeaders(Header(WeChatPaySignedHeaders.TimestampHeader), Header(WeChatPaySignedHeaders.NonceHeader),
            Header(WeChatPaySignedHeaders.SignatureHeader), Header(WeChatPaySignedHeaders.SerialHeader));
        var read = WeChatPayNotifications.Read(connection.Options, headers, body, time.GetUtcNow());
        if (!read.IsOk)
        {
            return await RefuseAsync(http, db, audit, logger, read.Error, null, null, ct);
        }

        var notice = read.Value;
        if (!notice.Paid)
        {
            return TypedResults.NoContent(); // not a payment (e.g. a refund's notice): nothing to apply, and WeChat Pay need not retry
        }

        if (!await FirstOrSameAsync(db, notice, time.GetUtcNow(), ct))
        {
            return await RefuseAsync(http, db, audit, logger, PaymentErrors.WeChatPay.ReplayedError(), notice.Id, notice.Transaction.OutTradeNo, ct);
        }

        var outcome = await http.RequestServices.GetRequiredService<IPaymentNotices>().ApplyAsync(notice.ToNotice(), ct);
        if (outcome == NoticeOutcome.UnknownOrder)
        {
            return await RefuseAsync(http, db, audit, logger, PaymentErrors.WeChatPay.UnknownOrderError(), notice.Id, notice.Transaction.OutTradeNo, ct);
        }

        LogTaken(logger, notice.Id, outcome);
        return TypedResults.NoContent();
    }

    /// <summary>Records the id on first sight; true when this is the first or the same content again, false for other content.</summary>
    private static async Task<bool> FirstOrSameAsync(CityDbContext db, WeChatPayVerifiedNotice notice, DateTimeOffset now, CancellationToken ct)
    {
        for (var attempt = 0; attempt < 2; attempt++)
        {
            var digest = await db.WeChatPayNotices.AsNoTracking().Where(n => n.Id == notice.Id).Select(n => n.Digest).FirstOrDefaultAsync(ct);
            if (digest is not null)
            {
                return digest == notice.Digest;
            }

            db.WeChatPayNotices.Add(new WeChatPayNoticeSeen(notice.Id, notice.Digest, notice.Transaction.OutTradeNo, now));
            if (await db.TrySaveChangesAsync(ct))
            {
                return true;
            }

            db.ChangeTracker.Clear(); // another copy got there first: compare with what it wrote
        }

        return false;
    }

    private static async Task<string?> ReadBodyAsync(HttpRequest request, CancellationToken ct)
    {
        if (request.ContentLength > MaxBodyBytes)
        {
            return null;
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        try
        {
            return new UTF8Encoding(false, true).GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }

    private static async Task<IResult> RefuseAsync(HttpContext http, CityDbContext db, AuditLog audit, ILogger logger, Error error, string? noticeId, string? outTradeNo, CancellationToken ct)
    {
        LogRefused(logger, error.Code);
        await audit.RecordAsync(db, new AuditRecord(AuditActions.NoticeRejected, AuditActor.Anonymous, outTradeNo is null ? null : "payment-order", outTradeNo, AuditOutcomes.Refused,
            Details: AuditRecord.DetailsOf(new { channel = PaymentChannels.WeChatPay, reason = error.Code, notificationId = noticeId })), ct);
        var status = error.Kind switch
        {
            ErrorKind.Forbidden => StatusCodes.Status401Unauthorized,
            ErrorKind.NotFound => StatusCodes.Status404NotFound,
            ErrorKind.Conflict => StatusCodes.Status409Conflict,
            _ => StatusCodes.Status400BadRequest,
        };
        // The protocol's {"code":"FAIL","message":…} as an RFC 9457 problem (as every 4xx under /api is): WeChat Pay reads
        // only the status; our reason is in "error" (and "type").
        var problem = Problems.Build(http, status, error.Code, error.Message);
        problem.Extensions["code"] = "FAIL";
        problem.Extensions["message"] = error.Message.In(Problems.PrefersEnglish(http));
        problem.Extensions["error"] = error.Code;
        return TypedResults.Problem(problem);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "WeChat Pay notification refused: {Reason}.")]
    private static partial void LogRefused(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "WeChat Pay notification {NoticeId} taken: {Outcome}.")]
    private static partial void LogTaken(ILogger logger, string noticeId, NoticeOutcome outcome);
}
