using System.Security.Claims;
using CityService.Core.Common;
using CityService.Core.Identity.Staff;
using CityService.Core.Jobs;
using CityService.Core.Payments;
using CityService.Core.Payments.Orders;
using CityService.Core.Storage;
using CityService.Web.Features.Identity;
using CityService.Web.Features.Payments.Sandbox;
using CityService.Web.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace CityService.Web.Features.Payments.Orders;

public sealed record PaymentPageDto(IReadOnlyList<PaymentView> Items, int Total, int Page, int PageSize);

/// <summary>
/// Payment orders (issue 10, docs/payments.md): <c>POST /api/payments</c> with an Idempotency-Key, <c>GET
/// /api/payments/{id}</c> (owner, the departments concerned, operators), the citizen's history, the notices' rules
/// (<see cref="IPaymentNotices"/>), the expiry and recovery jobs, the sandbox channel and the <c>ledger verify</c> command.
/// </summary>
public static class PaymentEndpoints
{
    public const int DefaultPageSize = 20;
    public const int MaxPageSize = 100;

    public static void AddPayments(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        var section = builder.Configuration.GetSection("Payments");
        services.AddSingleton(new PaymentSettings(
            section.GetValue("OrderLifetime", PaymentSettings.Default.OrderLifetime),
            section.GetValue("IdempotencyWindow", PaymentSettings.Default.IdempotencyWindow),
            section.GetValue("RecoverAfter", PaymentSettings.Default.RecoverAfter)));
        services.AddScoped<PaymentService>();
        services.AddSingleton<PaymentNotices>();
        services.AddSingleton<IPaymentNotices>(sp => sp.GetRequiredService<PaymentNotices>());
        services.AddSingleton<LedgerVerifier>();
        services.AddRecurringJob<PaymentExpiryJob>(PaymentExpiryJob.Name, TimeSpan.FromMinutes(1));
        services.AddRecurringJob<PaymentRecoveryJob>(PaymentRecoveryJob.Name, TimeSpan.FromMinutes(1));
        builder.AddSandboxChannel();
    }

    public static IEndpointRouteBuilder MapPayments(this IEndpointRouteBuilder app)
    {
        var citizen = app.MapGroup("/api").WithTags("Payments").RequireAuthorization(IdentitySetup.CitizenPolicy)
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden);
        citizen.MapPost("/payments", Create).WithName("CreatePayment")
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status422UnprocessableEntity).ProducesProblem(StatusCodes.Status502BadGateway)
            .WithSummary("Creates a payment order for 1–20 open bills of one region through a channel (alipay, wechatpay, sandbox). Needs an Idempotency-Key " +
                "(1–64 of A-Z a-z 0-9 _ -): the same key and body within 24 h answer the original response; a different body 409.");
        citizen.MapGet("/me/payments", History).WithName("ListMyPayments").ProducesProblem(StatusCodes.Status400BadRequest)
            .WithSummary("The citizen's payment orders, newest first: `page` (from 1), `pageSize` (1–100, default 20).");

        app.MapGet("/api/payments/{id}", Get).WithTags("Payments").RequireAuthorization(IdentitySetup.SignedInPolicy)
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status404NotFound).WithName("GetPayment")
            .WithSummary("One payment order: for its payer, staff of a department whose bill it pays, and platform operators; anyone else 404.");
        app.MapSandboxChannel();
        return app;
    }

    public static string BaseUrl(HttpContext http, IConfiguration configuration) =>
        (PublicSite.PublicBaseUrl(configuration)?.GetLeftPart(UriPartial.Authority) ?? $"{http.Request.Scheme}://{http.Request.Host}").TrimEnd('/');

    public static async Task<Results<Created<PaymentView>, Ok<PaymentView>, ProblemHttpResult>> Create(
        CreatePaymentRequest? request, [FromHeader(Name = "Idempotency-Key")] string? idempotencyKey, ClaimsPrincipal user, PaymentService payments,
        IConfiguration configuration, HttpContext http, CancellationToken ct)
    {
        var answer = await CreateAsync(request, idempotencyKey, user.AccountId()!.Value, payments, BaseUrl(http, configuration), ct);
        if (answer.Error is { } error)
        {
            return Problems.From(error, http);
        }

        return answer.Status == PaymentService.Created
            ? TypedResults.Created($"/api/payments/{answer.Payment!.Id}", answer.Payment)
            : TypedResults.Ok(answer.Payment!);
    }

    public static Task<PaymentAnswer> CreateAsync(CreatePaymentRequest? request, string? key, Guid accountId, PaymentService payments, string baseUrl, CancellationToken ct) =>
        payments.CreateAsync(accountId, key, request ?? new CreatePaymentRequest(null, null),
            channel => $"{baseUrl}/api/channels/{channel}/notify", id => $"{baseUrl}/me/payments/{id}", ct);

    public static async Task<Results<Ok<PaymentView>, ProblemHttpResult>> Get(
        string id, ClaimsPrincipal user, CityDbContext db, StaffService staff, HttpContext http, CancellationToken ct)
    {
        var found = Guid.TryParse(id, out var guid) ? await ViewableAsync(db, staff, user, guid, ct) : null;
        return found is null ? Problems.From(PaymentErrors.Order.Payment(), http) : TypedResults.Ok(found);
    }

    /// <summary>The order if <paramref name="user"/> may see it: its payer, an operator, staff of a department of one of its bills (in its region).</summary>
    public static async Task<PaymentView?> ViewableAsync(CityDbContext db, StaffService staff, ClaimsPrincipal user, Guid id, CancellationToken ct)
    {
        var order = await db.PaymentOrders.AsNoTracking().SingleOrDefaultAsync(o => o.Id == id, ct);
        if (order is null || user.AccountId() is not { } accountId)
        {
            return null;
        }

        var bills = await BillsOfAsync(db, [order.Id], ct);
        if (order.AccountId != accountId)
        {
            var actor = await staff.ActorAsync(accountId, ct);
            if (actor is null || !(actor.IsPlatformAdmin || bills[order.Id].Any(b => actor.Sees(order.RegionCode, b.DepartmentCode))))
            {
                return null;
            }
        }

        var refunds = await db.Refunds.AsNoTracking().Where(r => r.PaymentId == id).OrderBy(r => r.CreatedAt)
            .Select(r => new { r.Id, r.AmountFen, r.State, r.Reason, r.Automatic, r.CreatedAt }).ToListAsync(ct);
        return PaymentService.View(order, bills[order.Id], PaymentService.StartOf(order),
            [.. refunds.Select(r => new PaymentRefundView(r.Id, r.AmountFen, r.State.ToString().ToLowerInvariant(), r.Reason, r.Automatic, r.CreatedAt))]);
    }

    public static async Task<Dictionary<Guid, List<PaymentBillView>>> BillsOfAsync(CityDbContext db, IReadOnlyList<Guid> orderIds, CancellationToken ct)
    {
        var rows = await db.PaymentOrderBills.AsNoTracking().Where(p => orderIds.Contains(p.PaymentId))
            .Join(db.Bills, p => p.BillId, b => b.Id, (p, b) => new { p.PaymentId, p.BillId, p.DepartmentCode, p.AmountFen, b.TitleZh, b.TitleEn }).ToListAsync(ct);
        var result = orderIds.ToDictionary(i => i, _ => new List<PaymentBillView>());
        foreach (var r in rows)
        {
            result[r.PaymentId].Add(new PaymentBillView(r.BillId, r.DepartmentCode, r.AmountFen, Texts.Pick(r.TitleZh, r.TitleEn)));
        }

        return result;
    }

    public static async Task<(IReadOnlyList<PaymentView> Items, int Total)> HistoryAsync(CityDbContext db, Guid accountId, int page, int size, CancellationToken ct)
    {
        var mine = db.PaymentOrders.AsNoTracking().Where(o => o.AccountId == accountId);
        var total = await mine.CountAsync(ct);
        var orders = await mine.OrderByDescending(o => o.CreatedAt).ThenByDescending(o => o.Id).Skip((page - 1) * size).Take(size).ToListAsync(ct);
        var bills = await BillsOfAsync(db, [.. orders.Select(o => o.Id)], ct);
        return ([.. orders.Select(o => PaymentService.View(o, bills[o.Id], null, []))], total);
    }

    public static async Task<Results<Ok<PaymentPageDto>, ProblemHttpResult>> History(
        string? page, string? pageSize, ClaimsPrincipal user, CityDbContext db, HttpContext http, CancellationToken ct)
    {
        var number = QueryValues.WholeNumber(page, "page", 1);
        var size = QueryValues.WholeNumber(pageSize, "pageSize", DefaultPageSize);
        if ((number.Error ?? size.Error) is { } bad)
        {
            return Problems.From(bad, http);
        }

        if (number.Value < 1 || size.Value is < 1 or > MaxPageSize)
        {
            return Problems.From(Error.Invalid(number.Value < 1 ? "page" : "pageSize", HttpErrors.Request.OutOfRange,
                $"page 从 1 开始，pageSize 须在 1 到 {MaxPageSize} 之间。", $"page starts at 1 and pageSize is between 1 and {MaxPageSize}."), http);
        }

        var (items, total) = await HistoryAsync(db, user.AccountId()!.Value, number.Value, size.Value, ct);
        return TypedResults.Ok(new PaymentPageDto(items, total, number.Value, size.Value));
    }

    /// <summary>
    /// <c>CityService.Web ledger verify</c>: Σ debits = Σ credits overall, per posting, per payment and per bill. Prints a
    /// summary and a line per problem; exit code 0 when balanced, 1 otherwise. False when the host was started for something else.
    /// </summary>
    public static async Task<bool> RunLedgerCommandAsync(this WebApplication app, string[] args)
    {
        if (args.Length < 2 || !string.Equals(args[0], "ledger", StringComparison.OrdinalIgnoreCase) || !string.Equals(args[1], "verify", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var result = await app.Services.GetRequiredService<LedgerVerifier>().VerifyAsync(app.Lifetime.ApplicationStopping);
        Console.WriteLine(FormattableString.Invariant($"ledger: {result.Entries} entries in {result.Postings} postings, debits {result.DebitFen} fen, credits {result.CreditFen} fen"));
        foreach (var problem in result.Problems)
        {
            Console.WriteLine(problem.ToString());
        }

        Console.WriteLine(result.Balanced ? "ledger balanced" : FormattableString.Invariant($"ledger NOT balanced: {result.Problems.Count} problem(s)"));
        Environment.ExitCode = result.Balanced ? 0 : 1;
        return true;
    }
}
