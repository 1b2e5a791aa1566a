using System.Globalization;
using CityService.Core.Common;
using CityService.Core.Jobs;
using CityService.Core.Payments;
using CityService.Core.Payments.Reconciliation;
using CityService.Core.Storage;
using CityService.Web.Features.Identity;
using CityService.Web.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace CityService.Web.Features.Payments.Reconciliation;

public sealed record ReconciliationRunDto(
    Guid RunId, string Channel, string Day, string Source, DateTimeOffset StartedAt, DateTimeOffset? FinishedAt, string? Error,
    int PaymentLines, int RefundLines, int Matched, int Differences, int Repaired);

public sealed record ReconciliationItemDto(string Kind, string Subject, string? TradeNo, string? OutTradeNo, string? OutRefundNo, long? OurFen, long? ChannelFen, string Resolution, string? Note);

public sealed record ReconciliationReportDto(ReconciliationRunDto Run, IReadOnlyList<ReconciliationItemDto> Items);

/// <summary>Reconciliation (issue 10 §7): the daily job, the <c>reconcile</c> command, the operators' API and pages.</summary>
public static class ReconciliationEndpoints
{
    public static void AddReconciliation(this WebApplicationBuilder builder)
    {
        builder.Services.AddScoped<ReconciliationService>();
        builder.Services.AddRecurringJob<ReconciliationJob>(ReconciliationJob.Name,
            builder.Configuration.GetValue("Payments:Reconciliation:Interval", TimeSpan.FromDays(1)));
    }

    public static IEndpointRouteBuilder MapReconciliation(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/admin/reconciliation").WithTags("Reconciliation").RequireAuthorization(IdentitySetup.PlatformAdminPolicy)
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden);
        group.MapGet("/runs", Runs).WithName("ListReconciliationRuns").WithSummary("The latest 100 reconciliation runs, newest first.");
        group.MapGet("/runs/{id:guid}", Run).WithName("GetReconciliationRun").ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("A reconciliation run's report: its counts and every difference it found.");
        return app;
    }

    public static async Task<Ok<IReadOnlyList<ReconciliationRunDto>>> Runs(CityDbContext db, CancellationToken ct) =>
        TypedResults.Ok<IReadOnlyList<ReconciliationRunDto>>([.. (await LatestAsync(db, ct)).Select(ToDto)]);

    public static async Task<Results<Ok<ReconciliationReportDto>, ProblemHttpResult>> Run(Guid id, CityDbContext db, HttpContext http, CancellationToken ct)
    {
        var report = await ReportAsync(db, id, ct);
        return report is null ? Problems.From(RunNotFound, http) : TypedResults.Ok(report);
    }

    public static async Task<IReadOnlyList<ReconciliationRun>> LatestAsync(CityDbContext db, CancellationToken ct) =>
        await db.ReconciliationRuns.AsNoTracking().OrderByDescending(r => r.Id).Take(100).ToListAsync(ct); // UUIDv7: newest first

    public static async Task<ReconciliationReportDto?> ReportAsync(CityDbContext db, Guid id, CancellationToken ct)
    {
        var run = await db.ReconciliationRuns.AsNoTracking().FirstOrDefaultAsync(r => r.Id == id, ct);
        if (run is null)
        {
            return null;
        }

        var items = await ItemsAsync(db, id, ct);
        return new ReconciliationReportDto(ToDto(run), [.. items.Select(i => new ReconciliationItemDto(i.Kind, i.Subject, i.TradeNo, i.OutTradeNo, i.OutRefundNo, i.OurFen, i.ChannelFen, i.Resolution, i.Note))]);
    }

    public static async Task<IReadOnlyList<ReconciliationItem>> ItemsAsync(CityDbContext db, Guid runId, CancellationToken ct) =>
        await db.ReconciliationItems.AsNoTracking().Where(i => i.RunId == runId).OrderBy(i => i.Id).ToListAsync(ct);

    public static ReconciliationRunDto ToDto(ReconciliationRun r) =>
        new(r.Id, r.Channel, r.Day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), r.Source, r.StartedAt, r.FinishedAt, r.Error,
            r.PaymentLines, r.RefundLines, r.Matched, r.Differences, r.Repaired);

    public static Error RunNotFound => Error.NotFound(PaymentErrors.Reconciliation.RunNotFound, "找不到这次对账。", "No such reconciliation run.");

    public static bool TryDay(string? text, out DateOnly day) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out day);

    /// <summary>
    /// <c>CityService.Web reconcile &lt;channel&gt; &lt;yyyy-MM-dd&gt; [file]</c>: runs a reconciliation (the file, or the channel's
    /// download) and exits 0 when nothing is left open, 1 when differences need a person, 2 when it could not run. Returns false
    /// when the host was started for something else.
    /// </summary>
    public static async Task<bool> RunReconcileCommandAsync(this WebApplication app, string[] args)
    {
        if (args.Length == 0 || !string.Equals(args[0], "reconcile", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var ct = app.Lifetime.ApplicationStopping;
        if (args.Length is < 3 or > 4 || !TryDay(args[2], out var day))
        {
            Console.Error.WriteLine("usage: reconcile <channel> <yyyy-MM-dd> [settlement file]");
            Environment.ExitCode = 2;
            return true;
        }

        string? text = null;
        if (args.Length == 4)
        {
            if (!File.Exists(args[3]))
            {
                Console.Error.WriteLine($"no such file: {args[3]}");
                Environment.ExitCode = 2;
                return true;
            }

            text = await File.ReadAllTextAsync(args[3], ct);
        }

        await using var scope = app.Services.CreateAsyncScope();
        var result = await scope.ServiceProvider.GetRequiredService<ReconciliationService>().RunAsync(args[1], day, text, null, ct);
        if (!result.IsOk)
        {
            Console.Error.WriteLine($"{result.Error.Code}: {result.Error.Message.En}");
            Environment.ExitCode = 2;
            return true;
        }

        var run = result.Value;
        Console.WriteLine(FormattableString.Invariant(
            $"run {run.Id:D} {run.Channel} {run.Day:yyyy-MM-dd} ({run.Source}): {run.PaymentLines} payment line(s), {run.RefundLines} refund line(s), {run.Matched} matched, {run.Differences} open difference(s), {run.Repaired} repaired"));
        if (run.Error is not null)
        {
            Console.WriteLine("could not compare: " + run.Error);
            Environment.ExitCode = 2;
            return true;
        }

        foreach (var item in await ItemsAsync(scope.ServiceProvider.GetRequiredService<CityDbContext>(), run.Id, ct))
        {
            Console.WriteLine(FormattableString.Invariant($"{item.Kind} {item.Subject} trade={item.TradeNo} out_trade_no={item.OutTradeNo} out_refund_no={item.OutRefundNo} ours={item.OurFen} channel={item.ChannelFen} {item.Resolution}: {item.Note}"));
        }

        Environment.ExitCode = run.Differences == 0 ? 0 : 1;
        return true;
    }
}
