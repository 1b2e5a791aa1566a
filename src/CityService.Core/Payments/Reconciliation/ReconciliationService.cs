using System.Globalization;
using System.Text;
using CityService.Core.Audit;
using CityService.Core.Common;
using CityService.Core.Jobs;
using Microsoft.Extensions.Logging;

namespace CityService.Core.Payments.Reconciliation;

/// <summary>
/// Compares a channel's settlement file of one day (Asia/Shanghai) with our payments and refunds by trade number and records
/// the differences (<see cref="ReconciliationItemKinds"/>). A trade paid at the channel but not succeeded here (a lost
/// notification) is asked about with the channel's query call and, when paid, applied through <see cref="IPaymentNotices"/>
/// with the notice id <c>recon:&lt;trade_no&gt;</c> (exactly once, like any notice); the item then says "repaired".
/// </summary>
public sealed class ReconciliationService(
    CityDbContext db, IEnumerable<IPaymentChannel> channels, IEnumerable<IPaymentNotices> notices, AuditLog audit, TimeProvider time, ILogger<ReconciliationService> log)
{
    /// <summary>Yesterday in Asia/Shanghai (the day the daily job reconciles).</summary>
    public static DateOnly Yesterday(DateTimeOffset now) => Billing.BillDates.Today(now).AddDays(-1);

    public IReadOnlyList<string> Channels => [.. channels.Select(c => c.Slug)];

    /// <summary>Runs a reconciliation: downloads the day's file when <paramref name="uploadedText"/> is null. A download or
    /// layout failure is a run with its error (operators see it in the list); an uploaded file in the wrong layout is refused.</summary>
    public async Task<Result<ReconciliationRun>> RunAsync(string? channelSlug, DateOnly day, string? uploadedText, Guid? startedBy, CancellationToken ct)
    {
        var channel = channels.FirstOrDefault(c => c.Slug == channelSlug);
        if (channel is null)
        {
            return Error.NotFound(PaymentErrors.Reconciliation.UnknownChannel, "没有这个支付渠道。", "No such payment channel.", "channel");
        }

        var now = time.GetUtcNow();
        var run = ReconciliationRun.Start(channel.Slug, day, uploadedText is null ? ReconciliationSources.Download : ReconciliationSources.Upload, startedBy, now);
        var text = uploadedText;
        if (text is null)
        {
            ChannelFileResult file;
            try
            {
                file = await channel.DownloadSettlementAsync(day, ct);
            }
            catch (Exception e) when (e is HttpRequestException or IOException || (e is TaskCanceledException && !ct.IsCancellationRequested))
            {
                file = new ChannelFileResult(false, null, e.GetType().Name);
            }

            if (!file.Ok || file.Text is null)
            {
                run.Fail("download failed: " + (file.Error ?? "no file"), time.GetUtcNow());
                return await SaveAsync(run, [], ct);
            }

            text = file.Text;
        }

        var parsed = channel.ParseSettlement(text);
        if (parsed.Error is not null)
        {
            if (uploadedText is not null)
            {
                return Error.Invalid("file", PaymentErrors.Reconciliation.FileInvalid,
                    $"文件不是该渠道的对账单格式：{parsed.Error}", $"The file is not in this channel's settlement layout: {parsed.Error}");
            }

            run.Fail("file not in the channel's layout: " + parsed.Error, time.GetUtcNow());
            return await SaveAsync(run, [], ct);
        }

        var items = new List<ReconciliationItem>();
        var (matchedPayments, repaired) = await ComparePaymentsAsync(run, channel, day, parsed.Lines.Where(l => l.Kind == SettlementKind.Payment).ToList(), items, ct);
        var matchedRefunds = await CompareRefundsAsync(run, channel.Slug, day, parsed.Lines.Where(l => l.Kind == SettlementKind.Refund).ToList(), items, ct);
        run.Finish(parsed.Lines.Count(l => l.Kind == SettlementKind.Payment), parsed.Lines.Count(l => l.Kind == SettlementKind.Refund),
            matchedPayments + matchedRefunds, items.Count(i => i.Resolution != ReconciliationResolutions.Repaired), repaired, time.GetUtcNow());
        return await SaveAsync(run, items, ct);
    }

    private async Task<ReconciliationRun> SaveAsync(ReconciliationRun run, List<ReconciliationItem> items, CancellationToken ct)
    {
        db.ChangeTracker.Clear();
        db.ReconciliationRuns.Add(run);
        db.ReconciliationItems.AddRange(items);
        await audit.SaveWithAsync(db, [new AuditRecord(AuditActions.ReconciliationRun, run.StartedBy is { } by ? AuditActor.Account(by) : AuditActor.System,
            "reconciliation-run", run.Id.ToString(), run.Error is null ? AuditOutcomes.Succeeded : AuditOutcomes.Failed,
            Details: AuditRecord.DetailsOf(new
            {
                channel = run.Channel, day = run.Day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), source = run.Source,
                run.PaymentLines, run.RefundLines, run.Matched, run.Differences, run.Repaired, error = run.Error,
            }))], ct);
        return run;
    }

    private static (DateTimeOffset From, DateTimeOffset To) Window(DateOnly day)
    {
        var from = new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), Billing.BillDates.Offset);
        return (from, from.AddDays(1));
    }

    private async Task<(int Matched, int Repaired)> ComparePaymentsAsync(
        ReconciliationRun run, IPaymentChannel channel, DateOnly day, List<SettlementLine> lines, List<ReconciliationItem> items, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var (start, end) = Window(day);
        var ids = lines.Select(l => Guid.TryParseExact(l.OutTradeNo, "N", out var id) ? id : (Guid?)null).OfType<Guid>().Distinct().ToList();
        var referenced = new List<PaymentOrder>();
        foreach (var chunk in ids.Chunk(500))
        {
            referenced.AddRange(await db.PaymentOrders.AsNoTracking().Where(p => chunk.Contains(p.Id)).ToListAsync(ct));
        }

        var ofDay = await db.PaymentOrders.AsNoTracking()
            .Where(p => p.Channel == channel.Slug && p.State == PaymentState.Succeeded && p.CompletedAt >= start && p.CompletedAt < end).ToListAsync(ct);
        var orders = referenced.Concat(ofDay).DistinctBy(o => o.Id).Where(o => o.Channel == channel.Slug).ToDictionary(o => o.OutTradeNo, StringComparer.Ordinal);

        int matched = 0, repaired = 0;
        foreach (var group in lines.GroupBy(l => l.TradeNo, StringComparer.Ordinal))
        {
            var line = group.First();
            if (group.Count() > 1)
            {
                items.Add(Item(run, ReconciliationItemKinds.Duplicate, "payment", line.TradeNo, line.OutTradeNo, null, null, line.AmountFen,
                    $"trade number {group.Count()} times in the file", now));
            }

            orders.TryGetValue(line.OutTradeNo, out var order);
            if (order is null)
            {
                items.Add(Item(run, ReconciliationItemKinds.MissingHere, "payment", line.TradeNo, line.OutTradeNo, null, null, line.AmountFen, "no such order here", now));
                continue;
            }

            var ours = order.PaidFen ?? order.AmountFen;
            if (order.FlagReason is not null || (order.State == PaymentState.Succeeded && ours != line.AmountFen))
            {
                if (ours != line.AmountFen || order.AmountFen != line.AmountFen)
                {
                    items.Add(Item(run, ReconciliationItemKinds.AmountMismatch, "payment", line.TradeNo, line.OutTradeNo, null, order.AmountFen, line.AmountFen,
                        order.FlagReason is { } flag ? "flagged here: " + flag : "amounts differ", now));
                    continue;
                }
            }

            if (order.State == PaymentState.Succeeded || order.FlagReason is not null)
            {
                matched++;
                continue;
            }

            var repair = await RepairAsync(channel, order, line, ct);
            if (repair == ReconciliationResolutions.Repaired)
            {
                repaired++;
            }

            items.Add(Item(run, ReconciliationItemKinds.MissingHere, "payment", line.TradeNo, line.OutTradeNo, null, order.AmountFen, line.AmountFen,
                $"{order.State.ToString().ToLowerInvariant()} here", now, repair == ReconciliationResolutions.Repaired ? repair : ReconciliationResolutions.Open,
                repair == ReconciliationResolutions.Repaired ? $"{order.State.ToString().ToLowerInvariant()} here; the query said paid: applied" : repair));
        }

        var inFile = lines.Select(l => l.OutTradeNo).ToHashSet(StringComparer.Ordinal);
        foreach (var order in ofDay.Where(o => !inFile.Contains(o.OutTradeNo)).OrderBy(o => o.CompletedAt))
        {
            items.Add(Item(run, ReconciliationItemKinds.MissingAtChannel, "payment", order.ChannelTradeNo, order.OutTradeNo, null, order.PaidFen ?? order.AmountFen, null,
                "succeeded here, not in the file", now));
        }

        // Two of our orders with one trade number: the channel can only have charged once.
        foreach (var twice in orders.Values.Where(o => o.ChannelTradeNo is not null && o.State == PaymentState.Succeeded).GroupBy(o => o.ChannelTradeNo, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            foreach (var order in twice)
            {
                items.Add(Item(run, ReconciliationItemKinds.Duplicate, "payment", order.ChannelTradeNo, order.OutTradeNo, null, order.AmountFen, null,
                    $"{twice.Count()} orders here with this trade number", now));
            }
        }

        return (matched, repaired);
    }

    /// <summary>Asks the channel about a trade its file lists and we do not have as paid; applies it when the channel says paid.</summary>
    private async Task<string> RepairAsync(IPaymentChannel channel, PaymentOrder order, SettlementLine line, CancellationToken ct)
    {
        if (notices.FirstOrDefault() is not { } apply)
        {
            return "no notice handler: not repaired";
        }

        ChannelQueryResult query;
        try
        {
            query = await channel.QueryAsync(order.OutTradeNo, ct);
        }
        catch (Exception e) when (e is HttpRequestException or IOException || (e is TaskCanceledException && !ct.IsCancellationRequested))
        {
            return "query failed: " + e.GetType().Name;
        }

        if (query.Error is not null || query.State != ChannelTradeState.Paid)
        {
            return "query said " + (query.Error ?? query.State.ToString().ToLowerInvariant());
        }

        var tradeNo = query.TradeNo ?? line.TradeNo;
        var outcome = await apply.ApplyAsync(new ChannelPaymentNotice(channel.Slug, order.OutTradeNo, tradeNo, query.AmountFen ?? line.AmountFen, query.PaidAt ?? line.At, "recon:" + tradeNo), ct);
        db.ChangeTracker.Clear();
        Log.Repaired(log, order.Id, outcome);
        return outcome is NoticeOutcome.Applied or NoticeOutcome.AlreadyApplied ? ReconciliationResolutions.Repaired : "applied: " + outcome.ToString().ToLowerInvariant();
    }

    private async Task<int> CompareRefundsAsync(ReconciliationRun run, string channel, DateOnly day, List<SettlementLine> lines, List<ReconciliationItem> items, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var (start, end) = Window(day);
        var ids = lines.Select(l => Guid.TryParseExact(l.OutRefundNo, "N", out var id) ? id : (Guid?)null).OfType<Guid>().Distinct().ToList();
        var referenced = new List<Refund>();
        foreach (var chunk in ids.Chunk(500))
        {
            referenced.AddRange(await db.Refunds.AsNoTracking().Where(r => chunk.Contains(r.Id)).ToListAsync(ct));
        }

        var ofDay = await (from r in db.Refunds.AsNoTracking()
                           join p in db.PaymentOrders.AsNoTracking() on r.PaymentId equals p.Id
                           where p.Channel == channel && r.State == RefundState.Succeeded && r.CompletedAt >= start && r.CompletedAt < end
                           select r).ToListAsync(ct);
        var refunds = referenced.Concat(ofDay).DistinctBy(r => r.Id).ToDictionary(r => r.OutRefundNo, StringComparer.Ordinal);
        var matched = 0;
        foreach (var group in lines.GroupBy(l => l.OutRefundNo ?? l.TradeNo, StringComparer.Ordinal))
        {
            var line = group.First();
            if (group.Count() > 1)
            {
                items.Add(Item(run, ReconciliationItemKinds.Duplicate, "refund", line.TradeNo, line.OutTradeNo, line.OutRefundNo, null, line.AmountFen,
                    $"refund number {group.Count()} times in the file", now));
            }

            if (line.OutRefundNo is null || !refunds.TryGetValue(line.OutRefundNo, out var refund) || refund.State != RefundState.Succeeded)
            {
                var state = line.OutRefundNo is not null && refunds.TryGetValue(line.OutRefundNo, out var r) ? r.State.ToString().ToLowerInvariant() + " here" : "no such refund here";
                items.Add(Item(run, ReconciliationItemKinds.MissingHere, "refund", line.TradeNo, line.OutTradeNo, line.OutRefundNo,
                    line.OutRefundNo is not null && refunds.TryGetValue(line.OutRefundNo, out var known) ? known.AmountFen : null, line.AmountFen, state, now));
                continue;
            }

            if (refund.AmountFen != line.AmountFen)
            {
                items.Add(Item(run, ReconciliationItemKinds.AmountMismatch, "refund", line.TradeNo, line.OutTradeNo, line.OutRefundNo, refund.AmountFen, line.AmountFen, "amounts differ", now));
                continue;
            }

            matched++;
        }

        var inFile = lines.Select(l => l.OutRefundNo).OfType<string>().ToHashSet(StringComparer.Ordinal);
        foreach (var refund in ofDay.Where(r => !inFile.Contains(r.OutRefundNo)).OrderBy(r => r.CompletedAt))
        {
            items.Add(Item(run, ReconciliationItemKinds.MissingAtChannel, "refund", refund.ChannelRefundNo, refund.PaymentId.ToString("N"), refund.OutRefundNo, refund.AmountFen, null,
                "succeeded here, not in the file", now));
        }

        return matched;
    }

    private static ReconciliationItem Item(
        ReconciliationRun run, string kind, string subject, string? tradeNo, string? outTradeNo, string? outRefundNo, long? ours, long? theirs, string note, DateTimeOffset now,
        string resolution = ReconciliationResolutions.Open, string? resolutionNote = null) =>
        ReconciliationItem.For(run.Id, kind, subject, tradeNo, outTradeNo, outRefundNo, ours, theirs, resolution, resolutionNote ?? note, now);

    /// <summary>A run's items as CSV (UTF-8 with a byte-order mark, so spreadsheet programs read the Chinese right).</summary>
    public static byte[] Csv(IEnumerable<ReconciliationItem> items)
    {
        var text = new StringBuilder("kind,subject,trade_no,out_trade_no,out_refund_no,our_fen,channel_fen,resolution,note\r\n");
        foreach (var i in items)
        {
            text.AppendJoin(',', new[]
            {
                i.Kind, i.Subject, i.TradeNo, i.OutTradeNo, i.OutRefundNo,
                i.OurFen?.ToString(CultureInfo.InvariantCulture), i.ChannelFen?.ToString(CultureInfo.InvariantCulture), i.Resolution, i.Note,
            }.Select(CsvField)).Append("\r\n");
        }

        return [.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes(text.ToString())];
    }

    /// <summary>Quotes where needed; a field a spreadsheet would run as a formula gets a leading apostrophe.</summary>
    private static string CsvField(string? value)
    {
        var v = value ?? string.Empty;
        if (v.Length > 0 && v[0] is '=' or '+' or '-' or '@')
        {
            v = "'" + v;
        }

        return v.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + v.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : v;
    }
}

/// <summary>The daily run: yesterday (Asia/Shanghai) for every channel, from the channel's bill download. A day already
/// reconciled by a download run that compared is not run again (the job is safe to repeat).</summary>
public sealed class ReconciliationJob(ReconciliationService reconciliation, CityDbContext db, TimeProvider time) : IJob
{
    public const string Name = "payment-reconciliation";

    public async Task RunAsync(JobRunContext context, CancellationToken ct)
    {
        var day = ReconciliationService.Yesterday(time.GetUtcNow());
        foreach (var channel in reconciliation.Channels)
        {
            if (await db.ReconciliationRuns.AnyAsync(r => r.Channel == channel && r.Day == day && r.Source == ReconciliationSources.Download && r.Error == null, ct))
            {
                continue;
            }

            await reconciliation.RunAsync(channel, day, null, null, ct);
        }
    }
}

internal static partial class Log
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Reconciliation repaired payment {PaymentId}: {Outcome}")]
    public static partial void Repaired(ILogger logger, Guid paymentId, NoticeOutcome outcome);
}
