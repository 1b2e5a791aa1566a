using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CityService.Core.Payments.Orders;

namespace CityService.Core.Payments.Channels.Sandbox;

public enum SandboxTradeState
{
    Pending,
    Paid,
    Closed,
}

/// <summary>The sandbox's own record of a trade (what a wallet would hold): made when an order starts, paid by its payer
/// page. Query, refund and the settlement file are answered from here, never from our orders.</summary>
public sealed class SandboxTrade
{
    private SandboxTrade()
    {
        OutTradeNo = TradeNo = string.Empty;
    }

    public string OutTradeNo { get; private set; }

    /// <summary>"SBX" + 29 digits-and-letters of the sandbox's own.</summary>
    public string TradeNo { get; private set; }

    public long AmountFen { get; private set; }

    public SandboxTradeState State { get; private set; }

    public long RefundedFen { get; private set; }

    public DateTimeOffset CreatedAt { get; private set; }

    public DateTimeOffset? PaidAt { get; private set; }

    public static SandboxTrade Open(string outTradeNo, long amountFen, DateTimeOffset now) => new()
    {
        OutTradeNo = outTradeNo,
        TradeNo = "SBX" + Guid.CreateVersion7(now).ToString("N")[..29].ToUpperInvariant(),
        AmountFen = amountFen,
        State = SandboxTradeState.Pending,
        CreatedAt = now,
    };

    public void Pay(DateTimeOffset now)
    {
        State = SandboxTradeState.Paid;
        PaidAt = now;
    }

    public void Close() => State = SandboxTradeState.Closed;

    public void Refund(long fen) => RefundedFen = checked(RefundedFen + fen);
}

public sealed class SandboxRefund
{
    private SandboxRefund()
    {
        OutRefundNo = OutTradeNo = string.Empty;
    }

    public string OutRefundNo { get; private set; }

    public string OutTradeNo { get; private set; }

    public long AmountFen { get; private set; }

    public DateTimeOffset CreatedAt { get; private set; }

    public static SandboxRefund Of(string outRefundNo, string outTradeNo, long fen, DateTimeOffset now) =>
        new() { OutRefundNo = outRefundNo, OutTradeNo = outTradeNo, AmountFen = fen, CreatedAt = now };
}

public sealed class SandboxTradeConfiguration : IEntityTypeConfiguration<SandboxTrade>
{
    public void Configure(EntityTypeBuilder<SandboxTrade> builder)
    {
        builder.ToTable("sandbox_trades");
        builder.HasKey(t => t.OutTradeNo);
        builder.HasIndex(t => t.PaidAt).HasDatabaseName("ix_sandbox_trades_paid_at");
    }
}

public sealed class SandboxRefundConfiguration : IEntityTypeConfiguration<SandboxRefund>
{
    public void Configure(EntityTypeBuilder<SandboxRefund> builder)
    {
        builder.ToTable("sandbox_refunds");
        builder.HasKey(r => r.OutRefundNo);
        builder.HasOne<SandboxTrade>().WithMany().HasForeignKey(r => r.OutTradeNo).OnDelete(DeleteBehavior.Restrict);
    }
}

/// <summary>
/// The sandbox's signed notification: a JSON body signed with HMAC-SHA256 under the sandbox's own key, the signature
/// (base64url) in the <c>Sandbox-Signature</c> header. The body names the trade, the amount in fen, when it was paid and a
/// notice id; the notify endpoint verifies the signature before the notice reaches <see cref="IPaymentNotices"/>.
/// </summary>
public sealed record SandboxNotice(string OutTradeNo, string TradeNo, long AmountFen, DateTimeOffset PaidAt, string NoticeId);

public sealed class SandboxKey(byte[] key)
{
    public const string SignatureHeader = "Sandbox-Signature";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>A key from configuration (base64, ≥ 32 bytes) or a fresh one for this process (development and tests only).</summary>
    public static SandboxKey From(string? base64) =>
        new(base64 is { Length: > 0 } ? Convert.FromBase64String(base64) : RandomNumberGenerator.GetBytes(32));

    public (byte[] Body, string Signature) Sign(SandboxNotice notice)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(notice, Json);
        return (body, Signature(body));
    }

    public string Signature(ReadOnlySpan<byte> body) => Base64Url(HMACSHA256.HashData(key, body));

    /// <summary>The notice if the signature is the sandbox's over exactly these bytes and the body is a notice; else null.</summary>
    public SandboxNotice? Verify(byte[] body, string? signature)
    {
        if (signature is not { Length: > 0 } || !CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Signature(body)), Encoding.ASCII.GetBytes(signature)))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<SandboxNotice>(body, Json) is { OutTradeNo.Length: > 0, TradeNo.Length: > 0, NoticeId.Length: > 0 } notice ? notice : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

/// <summary>
/// The built-in channel for local runs and demos (slug <c>sandbox</c>): StartAsync opens a trade in its own table and
/// answers its payer page (<c>/sandbox/pay/&lt;out_trade_no&gt;</c>); the page's "pay" marks the trade paid and sends a
/// signed notice through the same notify path as the wallets. Settlement file: CSV with the header
/// <c>trade_no,out_trade_no,kind,amount_fen,at,out_refund_no</c> (kind payment|refund, at ISO 8601 UTC).
/// </summary>
public sealed class SandboxChannel(IDbContextFactory<CityDbContext> dbs, TimeProvider time) : IPaymentChannel
{
    public const string SettlementHeader = "trade_no,out_trade_no,kind,amount_fen,at,out_refund_no";

    public string Slug => PaymentChannels.Sandbox;

    public static string PayPath(string outTradeNo) => "/sandbox/pay/" + outTradeNo;

    public async Task<ChannelStartResult> StartAsync(ChannelOrder order, CancellationToken ct)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        if (await db.SandboxTrades.AnyAsync(t => t.OutTradeNo == order.OutTradeNo, ct))
        {
            return new(true, new Dictionary<string, string>(), PayPath(order.OutTradeNo), null);
        }

        db.SandboxTrades.Add(SandboxTrade.Open(order.OutTradeNo, order.AmountFen, time.GetUtcNow()));
        await db.SaveChangesAsync(ct);
        return new(true, new Dictionary<string, string>(), PayPath(order.OutTradeNo), null);
    }

    public async Task<ChannelQueryResult> QueryAsync(string outTradeNo, CancellationToken ct)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        var trade = await db.SandboxTrades.AsNoTracking().SingleOrDefaultAsync(t => t.OutTradeNo == outTradeNo, ct);
        if (trade is null)
        {
            return new(ChannelTradeState.NotFound, null, null, null, null);
        }

        var state = trade.State switch
        {
            SandboxTradeState.Paid when trade.RefundedFen >= trade.AmountFen => ChannelTradeState.Refunded,
            SandboxTradeState.Paid => ChannelTradeState.Paid,
            SandboxTradeState.Closed => ChannelTradeState.Closed,
            _ => ChannelTradeState.Pending,
        };
        return new(state, trade.TradeNo, trade.AmountFen, trade.PaidAt, null);
    }

    /// <summary>The payer pressed "pay": the trade is paid (once); returns the notice to deliver, or null when there is no
    /// such trade or it was closed.</summary>
    public async Task<SandboxNotice?> PayAsync(string outTradeNo, CancellationToken ct)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        var trade = await db.SandboxTrades.SingleOrDefaultAsync(t => t.OutTradeNo == outTradeNo, ct);
        if (trade is null || trade.State == SandboxTradeState.Closed)
        {
            return null;
        }

        if (trade.State == SandboxTradeState.Pending)
        {
            trade.Pay(time.GetUtcNow());
            await db.SaveChangesAsync(ct);
        }

        return new SandboxNotice(trade.OutTradeNo, trade.TradeNo, trade.AmountFen, trade.PaidAt!.Value, "sbx-" + Guid.CreateVersion7(time.GetUtcNow()).ToString("N"));
    }

    /// <summary>The payer pressed "fail": the trade is closed unless already paid.</summary>
    public async Task<bool> CloseAsync(string outTradeNo, CancellationToken ct)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        return await db.SandboxTrades.Where(t => t.OutTradeNo == outTradeNo && t.State == SandboxTradeState.Pending)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.State, SandboxTradeState.Closed), ct) == 1;
    }

    public async Task<ChannelRefundResult> RefundAsync(ChannelRefundRequest request, CancellationToken ct)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        if (await db.SandboxRefunds.AsNoTracking().AnyAsync(r => r.OutRefundNo == request.OutRefundNo, ct))
        {
            return new(ChannelRefundState.Succeeded, "SBXR" + request.OutRefundNo[..28], null); // a repeat: the same refund
        }

        var trade = await db.SandboxTrades.SingleOrDefaultAsync(t => t.OutTradeNo == request.OutTradeNo, ct);
        if (trade is not { State: SandboxTradeState.Paid })
        {
            return new(ChannelRefundState.Failed, null, "TRADE_NOT_PAID");
        }

        if (trade.RefundedFen + request.RefundFen > trade.AmountFen)
        {
            return new(ChannelRefundState.Failed, null, "REFUND_AMOUNT_EXCEEDED");
        }

        trade.Refund(request.RefundFen);
        db.SandboxRefunds.Add(SandboxRefund.Of(request.OutRefundNo, request.OutTradeNo, request.RefundFen, time.GetUtcNow()));
        await db.TrySaveChangesAsync(ct); // false: the same refund asked twice at once, and the other ask recorded it
        return new(ChannelRefundState.Succeeded, "SBXR" + request.OutRefundNo[..28], null);
    }

    public async Task<ChannelFileResult> DownloadSettlementAsync(DateOnly day, CancellationToken ct)
    {
        var shanghai = TimeSpan.FromHours(8);
        var from = new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), shanghai);
        var to = from.AddDays(1);
        await using var db = await dbs.CreateDbContextAsync(ct);
        var paid = await db.SandboxTrades.AsNoTracking().Where(t => t.PaidAt >= from && t.PaidAt < to).ToListAsync(ct);
        var refunds = await db.SandboxRefunds.AsNoTracking().Where(r => r.CreatedAt >= from && r.CreatedAt < to)
            .Join(db.SandboxTrades, r => r.OutTradeNo, t => t.OutTradeNo, (r, t) => new { r, t.TradeNo }).ToListAsync(ct);
        var text = new StringBuilder(SettlementHeader).Append('\n');
        foreach (var t in paid.OrderBy(t => t.PaidAt))
        {
            text.Append(CultureInfo.InvariantCulture, $"{t.TradeNo},{t.OutTradeNo},payment,{t.AmountFen},{t.PaidAt!.Value.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ},\n");
        }

        foreach (var x in refunds.OrderBy(x => x.r.CreatedAt))
        {
            text.Append(CultureInfo.InvariantCulture, $"{x.TradeNo},{x.r.OutTradeNo},refund,{x.r.AmountFen},{x.r.CreatedAt.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ},{x.r.OutRefundNo}\n");
        }

        return new(true, text.ToString(), null);
    }

    public SettlementParseResult ParseSettlement(string text)
    {
        var lines = (text ?? string.Empty).Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        if (lines.Length == 0 || lines[0].Trim() != SettlementHeader)
        {
            return new([], $"line 1: the header is not \"{SettlementHeader}\"");
        }

        var result = new List<SettlementLine>();
        for (var i = 1; i < lines.Length; i++)
        {
            if (lines[i].Length == 0)
            {
                continue;
            }

            var f = lines[i].Split(',');
            if (f.Length != 6 || f[2] is not ("payment" or "refund")
                || !long.TryParse(f[3], NumberStyles.None, CultureInfo.InvariantCulture, out var fen)
                || !DateTimeOffset.TryParse(f[4], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
            {
                return new([], FormattableString.Invariant($"line {i + 1}: not trade_no,out_trade_no,payment|refund,amount_fen,at,out_refund_no"));
            }

            result.Add(new SettlementLine(f[0], f[1], f[2] == "refund" ? SettlementKind.Refund : SettlementKind.Payment, fen, at, f[5].Length > 0 ? f[5] : null));
        }

        return new(result, null);
    }
}
