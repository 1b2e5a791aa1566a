using CityService.Core.Storage;

namespace CityService.Core.Payments.Reconciliation;

/// <summary>Where a run's settlement file came from.</summary>
public static class ReconciliationSources
{
    /// <summary>Fetched with the channel's bill download call (the daily job, the command without a file, the page's button).</summary>
    public const string Download = "download";

    /// <summary>Uploaded by an operator or given to the command as a file.</summary>
    public const string Upload = "upload";
}

/// <summary>What a difference between our records and the channel's file is.</summary>
public static class ReconciliationItemKinds
{
    /// <summary>In the channel's file, not succeeded here (a lost notification is repaired through the query call).</summary>
    public const string MissingHere = "missing-here";

    /// <summary>Succeeded here on that day, not in the channel's file.</summary>
    public const string MissingAtChannel = "missing-at-channel";

    public const string AmountMismatch = "amount-mismatch";

    /// <summary>A trade (or refund) number twice in the file, or two of our orders with one trade number.</summary>
    public const string Duplicate = "duplicate";

    public static readonly IReadOnlyList<string> All = [MissingHere, MissingAtChannel, AmountMismatch, Duplicate];
}

/// <summary>What became of a difference.</summary>
public static class ReconciliationResolutions
{
    /// <summary>Needs a person.</summary>
    public const string Open = "open";

    /// <summary>Paid at the channel but never notified: the query call confirmed it and the payment was applied.</summary>
    public const string Repaired = "repaired";
}

/// <summary>
/// One reconciliation of a channel's settlement file of one day (Asia/Shanghai) with our payments and refunds. Platform-wide,
/// not region-scoped: a channel's merchant account (and so its file) spans every region; its items name the orders.
/// </summary>
public sealed class ReconciliationRun
{
    private ReconciliationRun()
    {
        Channel = Source = string.Empty;
    }

    /// <summary>UUIDv7.</summary>
    public Guid Id { get; private set; }

    public string Channel { get; private set; }

    public DateOnly Day { get; private set; }

    public string Source { get; private set; }

    /// <summary>The operator who started it; null for the daily job and the command.</summary>
    public Guid? StartedBy { get; private set; }

    public DateTimeOffset StartedAt { get; private set; }

    public DateTimeOffset? FinishedAt { get; private set; }

    /// <summary>Why the run could not compare (the download failed, the file is not in the channel's layout); null when it did.</summary>
    public string? Error { get; private set; }

    public int PaymentLines { get; private set; }

    public int RefundLines { get; private set; }

    public int Matched { get; private set; }

    public int Differences { get; private set; }

    public int Repaired { get; private set; }

    public static ReconciliationRun Start(string channel, DateOnly day, string source, Guid? startedBy, DateTimeOffset now) => new()
    {
        Id = Guid.CreateVersion7(now),
        Channel = channel,
        Day = day,
        Source = source,
        StartedBy = startedBy,
        StartedAt = now,
    };

    public void Finish(int paymentLines, int refundLines, int matched, int differences, int repaired, DateTimeOffset now)
    {
        PaymentLines = paymentLines;
        RefundLines = refundLines;
        Matched = matched;
        Differences = differences;
        Repaired = repaired;
        FinishedAt = now;
    }

    public void Fail(string error, DateTimeOffset now)
    {
        Error = error.Length > 500 ? error[..500] : error;
        FinishedAt = now;
    }
}

/// <summary>One difference a run found.</summary>
public sealed class ReconciliationItem
{
    private ReconciliationItem()
    {
        Kind = Subject = Resolution = string.Empty;
    }

    public Guid Id { get; private set; }

    public Guid RunId { get; private set; }

    /// <summary>One of <see cref="ReconciliationItemKinds"/>.</summary>
    public string Kind { get; private set; }

    /// <summary>"payment" or "refund".</summary>
    public string Subject { get; private set; }

    public string? TradeNo { get; private set; }

    public string? OutTradeNo { get; private set; }

    public string? OutRefundNo { get; private set; }

    /// <summary>What we recorded (fen), when we have it.</summary>
    public long? OurFen { get; private set; }

    /// <summary>What the channel's file says (fen), when it has it.</summary>
    public long? ChannelFen { get; private set; }

    /// <summary>One of <see cref="ReconciliationResolutions"/>.</summary>
    public string Resolution { get; private set; }

    /// <summary>A short explanation in English for operators (codes and states, no personal data).</summary>
    public string? Note { get; private set; }

    public static ReconciliationItem For(
        Guid runId, string kind, string subject, string? tradeNo, string? outTradeNo, string? outRefundNo, long? ourFen, long? channelFen, string resolution, string? note, DateTimeOffset now) => new()
    {
        Id = Guid.CreateVersion7(now),
        RunId = runId,
        Kind = kind,
        Subject = subject,
        TradeNo = tradeNo,
        OutTradeNo = outTradeNo,
        OutRefundNo = outRefundNo,
        OurFen = ourFen,
        ChannelFen = channelFen,
        Resolution = resolution,
        Note = note,
    };
}

public sealed class ReconciliationRunConfiguration : IEntityTypeConfiguration<ReconciliationRun>
{
    public void Configure(EntityTypeBuilder<ReconciliationRun> builder)
    {
        builder.ToTable("reconciliation_runs");
        builder.HasKey(r => r.Id);
        builder.HasIndex(r => new { r.Channel, r.Day }).HasDatabaseName("ix_reconciliation_runs_channel_day");
    }
}

public sealed class ReconciliationItemConfiguration : IEntityTypeConfiguration<ReconciliationItem>
{
    public void Configure(EntityTypeBuilder<ReconciliationItem> builder)
    {
        builder.ToTable("reconciliation_items");
        builder.HasKey(i => i.Id);
        builder.HasIndex(i => i.RunId).HasDatabaseName("ix_reconciliation_items_run_id");
        builder.HasOne<ReconciliationRun>().WithMany().HasForeignKey(i => i.RunId).OnDelete(DeleteBehavior.Cascade);
    }
}
