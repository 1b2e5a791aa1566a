using CityService.Core.Jobs;
using Microsoft.Extensions.Logging;

namespace CityService.Core.Payments.Orders;

/// <summary>
/// Every minute: orders past their lifetime. The channel is asked first — a trade paid at the channel is applied as its
/// notice would have been (<c>query:&lt;trade_no&gt;</c>); otherwise the order expires (conditional UPDATE from Created or
/// Pending). When the channel cannot be asked the order waits for the next run.
/// </summary>
public sealed partial class PaymentExpiryJob(
    CityDbContext db, IEnumerable<IPaymentChannel> channels, IPaymentNotices notices, TimeProvider time, ILogger<PaymentExpiryJob> logger) : IJob
{
    public const string Name = "payment-expiry";

    public const int Batch = 500;

    public async Task RunAsync(JobRunContext context, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var due = await db.PaymentOrders.AsNoTracking()
            .Where(o => (o.State == PaymentState.Pending || o.State == PaymentState.Created) && o.ExpiresAt <= now)
            .OrderBy(o => o.ExpiresAt).Take(Batch).Select(o => new { o.Id, o.Channel, o.State }).ToListAsync(ct);
        foreach (var order in due)
        {
            var outTradeNo = order.Id.ToString("N");
            if (order.State == PaymentState.Pending && channels.FirstOrDefault(c => c.Slug == order.Channel) is { } channel)
            {
                var answer = await channel.QueryAsync(outTradeNo, ct);
                if (answer.Error is not null)
                {
                    LogQueryFailed(logger, order.Channel, order.Id, answer.Error);
                    continue;
                }

                if (await PaymentRecoveryJob.ApplyPaidAsync(notices, order.Channel, outTradeNo, answer, now, ct))
                {
                    continue;
                }
            }

            var expired = await db.PaymentOrders
                .Where(o => o.Id == order.Id && (o.State == PaymentState.Pending || o.State == PaymentState.Created) && o.FlagReason == null)
                .ExecuteUpdateAsync(s => s.SetProperty(o => o.State, PaymentState.Expired).SetProperty(o => o.CompletedAt, now).SetProperty(o => o.Version, o => o.Version + 1), ct);
            if (expired == 1)
            {
                PaymentMetrics.Orders.Add(1, new("channel", order.Channel), new("outcome", "expired"));
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Expiry: channel {Channel} could not be asked about order {PaymentId}: {Error}")]
    private static partial void LogQueryFailed(ILogger logger, string channel, Guid paymentId, string error);
}

/// <summary>
/// Every minute: pending orders older than <see cref="PaymentSettings.RecoverAfter"/> (2 minutes) and not yet expired are
/// looked up at their channel; a paid trade whose notification never came is applied (notice id <c>query:&lt;trade_no&gt;</c>).
/// </summary>
public sealed partial class PaymentRecoveryJob(
    CityDbContext db, IEnumerable<IPaymentChannel> channels, IPaymentNotices notices, PaymentSettings settings, TimeProvider time, ILogger<PaymentRecoveryJob> logger) : IJob
{
    public const string Name = "payment-recovery";

    public const int Batch = 200;

    public async Task RunAsync(JobRunContext context, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var before = now - settings.RecoverAfter;
        var pending = await db.PaymentOrders.AsNoTracking()
            .Where(o => o.State == PaymentState.Pending && o.CreatedAt <= before && o.ExpiresAt > now)
            .OrderBy(o => o.CreatedAt).Take(Batch).Select(o => new { o.Id, o.Channel }).ToListAsync(ct);
        foreach (var order in pending)
        {
            if (channels.FirstOrDefault(c => c.Slug == order.Channel) is not { } channel)
            {
                continue;
            }

            var answer = await channel.QueryAsync(order.Id.ToString("N"), ct);
            if (answer.Error is not null)
            {
                LogQueryFailed(logger, order.Channel, order.Id, answer.Error);
                continue;
            }

            await ApplyPaidAsync(notices, order.Channel, order.Id.ToString("N"), answer, now, ct);
        }
    }

    /// <summary>Applies the channel's "paid" answer as a notice; false when the trade is not paid.</summary>
    public static async Task<bool> ApplyPaidAsync(IPaymentNotices notices, string channel, string outTradeNo, ChannelQueryResult answer, DateTimeOffset now, CancellationToken ct)
    {
        if (answer is not { State: ChannelTradeState.Paid or ChannelTradeState.Refunded, TradeNo: { } tradeNo, AmountFen: { } fen })
        {
            return false;
        }

        await notices.ApplyAsync(new ChannelPaymentNotice(channel, outTradeNo, tradeNo, fen, answer.PaidAt ?? now, "query:" + tradeNo), ct);
        return true;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Recovery: channel {Channel} could not be asked about order {PaymentId}: {Error}")]
    private static partial void LogQueryFailed(ILogger logger, string channel, Guid paymentId, string error);
}
