using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using CityService.Core.Common;
using Microsoft.Extensions.Logging;

namespace CityService.Core.Payments.Orders;

public sealed record CreatePaymentRequest(IReadOnlyList<Guid>? BillIds, string? Channel);

public sealed record PaymentBillView(Guid BillId, string DepartmentCode, long AmountFen, string Title);

public sealed record PaymentStartView(IReadOnlyDictionary<string, string> Parameters, string? PayUrl);

public sealed record PaymentRefundView(Guid Id, long AmountFen, string State, string Reason, bool Automatic, DateTimeOffset CreatedAt);

/// <summary>A payment order as its API answers it (the 201 of POST /api/payments, GET /api/payments/{id}).</summary>
public sealed record PaymentView(
    Guid Id, string State, string Channel, string RegionCode, long AmountFen, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt, DateTimeOffset? CompletedAt,
    string? TradeNo, string? FlagReason, long? PaidFen, long RefundedFen, long RefundAmountAvailable, IReadOnlyList<PaymentBillView> Bills, PaymentStartView? Start,
    IReadOnlyList<PaymentRefundView> Refunds);

/// <summary>What POST /api/payments answers: a status with its body (the view, or the error of a failure), the same for
/// every repeat of the Idempotency-Key.</summary>
public sealed record PaymentAnswer(int Status, PaymentView? Payment, Error? Error);

public sealed record PaymentSettings(TimeSpan OrderLifetime, TimeSpan IdempotencyWindow, TimeSpan RecoverAfter)
{
    public static readonly PaymentSettings Default = new(TimeSpan.FromMinutes(30), TimeSpan.FromHours(24), TimeSpan.FromMinutes(2));
}

/// <summary>
/// Payment orders: creates an order for a citizen's bills (one region, all open, at most 20) under an
/// <c>Idempotency-Key</c>, and starts it at the chosen channel. The notice that pays it goes through
/// <see cref="PaymentNotices"/>. docs/payments.md has the states.
/// </summary>
public sealed partial class PaymentService(
    CityDbContext db, IEnumerable<IPaymentChannel> channels, PaymentSettings settings, TimeProvider time, ILogger<PaymentService> logger)
{
    public const int Created = 201;
    public const int BadGateway = 502;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static readonly TimeSpan Shanghai = Billing.BillDates.Offset;

    public static DateOnly Today(DateTimeOffset now) => Billing.BillDates.Today(now);

    public static bool IsWellFormedKey(string? key) => key is { Length: >= 1 and <= 64 } && KeyPattern().IsMatch(key);

    public IPaymentChannel? Channel(string? slug) => channels.FirstOrDefault(c => c.Slug == slug);

    public IReadOnlyList<string> Available => [.. PaymentChannels.All.Where(slug => channels.Any(c => c.Slug == slug))];

    /// <param name="notifyUrl">The channel's notify endpoint (absolute), from the public base URL.</param>
    /// <param name="returnUrl">Where the payer's browser comes back to: the result page (absolute), "{id}" replaced.</param>
    public async Task<PaymentAnswer> CreateAsync(
        Guid accountId, string? idempotencyKey, CreatePaymentRequest request, Func<string, string> notifyUrl, Func<Guid, string> returnUrl, CancellationToken ct)
    {
        if (!IsWellFormedKey(idempotencyKey))
        {
            return Fail(PaymentErrors.Order.KeyMalformed());
        }

        var key = idempotencyKey!;
        if (Validate(request) is { } invalid)
        {
            return Fail(invalid);
        }

        var ids = request.BillIds!;
        var hash = RequestHash(ids, request.Channel!);
        var now = time.GetUtcNow();
        for (var attempt = 0; ; attempt++)
        {
            var replay = await ReplayAsync(accountId, key, hash, now, ct);
            if (replay is { Status: InProgress })
            {
                if (attempt >= 50)
                {
                    return Fail(PaymentErrors.Order.KeyInProgress());
                }

                await WaitAsync(attempt, ct);
                continue;
            }

            if (replay is not null)
            {
                return replay;
            }

            var made = await MakeOrderAsync(accountId, key, hash, ids, request.Channel!, now, ct);
            if (made.Error is { IsKeyTaken: true })
            {
                continue; // another request with this key made the order a moment ago: answer as it does
            }

            if (made.Error is { Error: { } refused })
            {
                return Fail(refused);
            }

            return await StartAsync(made.Order!, made.Bills!, made.Key!, notifyUrl, returnUrl, ct);
        }
    }

    private const int InProgress = -1;

    /// <summary>Another request with this key is making the order: its answer will be there in a moment (real time:
    /// this waits for another request, not for the platform's clock).</summary>
    private static Task WaitAsync(int attempt, CancellationToken ct) => Task.Delay(TimeSpan.FromMilliseconds(Math.Min(200, 10 * (attempt + 1))), ct);

    private static PaymentAnswer Fail(Error error) => new(0, null, error);

    private static Error? Validate(CreatePaymentRequest request)
    {
        if (request.BillIds is not { Count: > 0 } ids)
        {
            return PaymentErrors.Order.Bills(PaymentErrors.Order.BillsMissing, "请给出要缴的账单（billIds）。", "Give the bills to pay (billIds).");
        }

        if (ids.Count > PaymentErrors.Order.MaxBills)
        {
            return PaymentErrors.Order.Bills(PaymentErrors.Order.TooManyBills,
                $"一次最多缴 {PaymentErrors.Order.MaxBills} 张账单。", $"At most {PaymentErrors.Order.MaxBills} bills can be paid at once.");
        }

        if (ids.Distinct().Count() != ids.Count || ids.Contains(Guid.Empty))
        {
            return PaymentErrors.Order.Bills(PaymentErrors.Order.BillsRepeated, "账单不能重复。", "A bill is listed more than once.");
        }

        return request.Channel is null || !PaymentChannels.All.Contains(request.Channel) ? PaymentErrors.Order.UnknownChannel(request.Channel) : null;
    }

    /// <summary>The canonical body: the channel and the bill ids in order of their value.</summary>
    public static string RequestHash(IReadOnlyList<Guid> billIds, string channel)
    {
        var canonical = channel + "|" + string.Join(',', billIds.Select(b => b.ToString("N")).Order(StringComparer.Ordinal));
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
    }

    private async Task<PaymentAnswer?> ReplayAsync(Guid accountId, string key, string hash, DateTimeOffset now, CancellationToken ct)
    {
        var found = await db.PaymentIdempotencyKeys.AsNoTracking().SingleOrDefaultAsync(k => k.AccountId == accountId && k.IdempotencyKey == key, ct);
        if (found is null)
        {
            return null;
        }

        if (found.CreatedAt <= now - settings.IdempotencyWindow)
        {
            // Past its 24 hours the key is free again: the old answer goes, the key starts afresh.
            await db.PaymentIdempotencyKeys.Where(k => k.AccountId == accountId && k.IdempotencyKey == key && k.CreatedAt == found.CreatedAt).ExecuteDeleteAsync(ct);
            return null;
        }

        if (found.RequestHash != hash)
        {
            return Fail(PaymentErrors.Order.KeyReused());
        }

        return found.StatusCode switch
        {
            null => new PaymentAnswer(InProgress, null, null), // still being made: the caller waits
            BadGateway => Fail(PaymentErrors.Order.Unavailable()),
            var status => new PaymentAnswer(status.Value, JsonSerializer.Deserialize<PaymentView>(found.ResponseJson!, Json), null),
        };
    }

    private readonly record struct MakeError(Error? Error, bool IsKeyTaken);

    private sealed record Made(PaymentOrder? Order, IReadOnlyList<(PaymentOrderBill Line, Bill Bill)>? Bills, PaymentIdempotencyKey? Key, MakeError? Error);

    private async Task<Made> MakeOrderAsync(Guid accountId, string key, string hash, IReadOnlyList<Guid> ids, string channel, DateTimeOffset now, CancellationToken ct)
    {
        if (Channel(channel) is null)
        {
            return new(null, null, null, new MakeError(PaymentErrors.Order.UnknownChannel(channel), false));
        }

        var bills = await db.Bills.AsNoTracking().Where(b => ids.Contains(b.Id)).ToListAsync(ct);
        var payerKey = await db.Accounts.AsNoTracking().Where(a => a.Id == accountId).Select(a => a.IdNumberIndex).SingleOrDefaultAsync(ct);
        var missing = ids.FirstOrDefault(id => bills.All(b => b.Id != id) || bills.Any(b => b.Id == id && b.PayerKind == BillPayerKind.Citizen && b.PayerKey != payerKey));
        if (missing != Guid.Empty)
        {
            // Another citizen's bill answers as a bill that does not exist: ids cannot be probed.
            return Refused(PaymentErrors.Order.Bills(PaymentErrors.Order.BillNotFound, $"没有账单 {missing}。", $"There is no bill {missing}."));
        }

        if (bills.FirstOrDefault(b => b.State != BillState.Open) is { } closed)
        {
            return Refused(PaymentErrors.Order.Bills(PaymentErrors.Order.BillNotOpen,
                $"账单 {closed.Id} 已{(closed.State == BillState.Paid ? "缴清" : "撤销")}，不能再缴。",
                $"Bill {closed.Id} is {(closed.State == BillState.Paid ? "already paid" : "cancelled")} and cannot be paid."));
        }

        if (bills.Select(b => b.RegionCode).Distinct().Count() > 1)
        {
            return Refused(PaymentErrors.Order.Bills(PaymentErrors.Order.BillsOfSeveralRegions,
                "一笔缴费只能包含同一地区的账单，请按地区分开缴纳。", "One payment pays bills of one region only: pay each region's bills separately."));
        }

        var today = Today(now);
        var ordered = ids.Select(id => bills.Single(b => b.Id == id)).ToList();
        var due = ordered.Select(b => (Bill: b, Lines: b.LinesDue(today))).ToList();
        var order = PaymentOrder.Create(ordered[0].RegionCode, accountId, channel, due.Sum(d => d.Lines.Sum(l => l.AmountFen)), now, settings.OrderLifetime);
        var lines = due.Select(d => (PaymentOrderBill.For(order, d.Bill, d.Lines), d.Bill)).ToList();
        var claim = PaymentIdempotencyKey.Claim(accountId, key, hash, order.Id, now);
        db.PaymentOrders.Add(order);
        db.PaymentOrderBills.AddRange(lines.Select(l => l.Item1));
        db.PaymentIdempotencyKeys.Add(claim);
        if (!await db.TrySaveChangesAsync(ct))
        {
            return new(null, null, null, new MakeError(null, true)); // the same key, at the same moment: that request's order it is
        }

        PaymentMetrics.Orders.Add(1, new("channel", channel), new("outcome", "created"));
        return new(order, lines, claim, null);

        static Made Refused(Error error) => new(null, null, null, new MakeError(error, false));
    }

    private async Task<PaymentAnswer> StartAsync(
        PaymentOrder order, IReadOnlyList<(PaymentOrderBill Line, Bill Bill)> bills, PaymentIdempotencyKey key, Func<string, string> notifyUrl, Func<Guid, string> returnUrl, CancellationToken ct)
    {
        var channel = Channel(order.Channel)!;
        var subject = Subject(bills.Select(b => b.Bill.TitleZh).ToList());
        ChannelStartResult started;
        try
        {
            started = await channel.StartAsync(new ChannelOrder(order.OutTradeNo, order.AmountFen, subject, order.ExpiresAt, notifyUrl(order.Channel), returnUrl(order.Id)), ct);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException && !ct.IsCancellationRequested)
        {
            started = ChannelStartResult.Failed(e.GetType().Name + ": " + e.Message);
        }

        if (!started.Ok)
        {
            LogChannelFailed(logger, order.Channel, order.Id, started.Error);
            order.MarkFailed(time.GetUtcNow());
            key.Answer(BadGateway, "{}");
            await db.SaveChangesAsync(ct);
            PaymentMetrics.Orders.Add(1, new("channel", order.Channel), new("outcome", "failed"));
            return Fail(PaymentErrors.Order.Unavailable());
        }

        var start = new PaymentStartView(started.Parameters, started.PayUrl);
        order.MarkPending(JsonSerializer.Serialize(start, Json));
        var view = View(order, [.. bills.Select(b => new PaymentBillView(b.Bill.Id, b.Bill.DepartmentCode, b.Line.AmountFen, b.Bill.TitleZh))], start, []);
        key.Answer(Created, JsonSerializer.Serialize(view, Json));
        await db.SaveChangesAsync(ct);
        return new PaymentAnswer(Created, view, null);
    }

    /// <summary>What the payer sees in the wallet: the first bill's title, "等 N 项" for more, within 128 characters.</summary>
    public static string Subject(IReadOnlyList<string> titles)
    {
        var subject = titles.Count == 1 ? titles[0] : string.Create(CultureInfo.InvariantCulture, $"{titles[0]}等{titles.Count}项");
        return subject.Length <= 128 ? subject : subject[..128];
    }

    public static string StateName(PaymentState state) => state.ToString().ToLowerInvariant();

    public static PaymentView View(PaymentOrder o, IReadOnlyList<PaymentBillView> bills, PaymentStartView? start, IReadOnlyList<PaymentRefundView> refunds) =>
        new(o.Id, StateName(o.State), o.Channel, o.RegionCode, o.AmountFen, o.CreatedAt, o.ExpiresAt, o.CompletedAt, o.ChannelTradeNo, o.FlagReason, o.PaidFen,
            o.RefundedFen, o.RefundAmountAvailable, bills, start, refunds);

    public static PaymentStartView? StartOf(PaymentOrder o) => o.StartJson is { } json ? JsonSerializer.Deserialize<PaymentStartView>(json, Json) : null;

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex KeyPattern();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Payment channel {Channel} did not start order {PaymentId}: {Error}")]
    private static partial void LogChannelFailed(ILogger logger, string channel, Guid paymentId, string? error);
}
