using System.Security.Claims;
using CityService.Core.Common;
using CityService.Core.Identity;
using CityService.Core.Identity.Clients;
using CityService.Core.Identity.Staff;
using CityService.Core.Payments;
using CityService.Core.Payments.Billing;
using CityService.Core.Storage;
using CityService.Web.Features.Identity;
using CityService.Web.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace CityService.Web.Features.Payments.Billing;

public sealed record BillLineDto(string RevenueHead, long AmountFen, string DescriptionZh, string DescriptionEn)
{
    public static BillLineDto From(BillLine l) => new(l.RevenueHead, l.AmountFen, l.DescriptionZh, l.DescriptionEn);
}

/// <summary>A bill as its department sees it: <c>lines</c> as issued, <c>lateFeeFen</c> owed today (Asia/Shanghai) on
/// top, <c>dueFen</c> = amountFen + lateFeeFen (0 once paid or cancelled).</summary>
public sealed record BillDto(
    Guid Id, string Reference, string RegionCode, string DepartmentCode, BillState State, string TitleZh, string TitleEn, BillPayerKind PayerKind,
    IReadOnlyList<BillLineDto> Lines, long AmountFen, long LateFeeFen, long DueFen, string DueDate, int LateFeePerMillePerDay, long LateFeeCapFen,
    DateTimeOffset? PaidAt, Guid? PaymentId, int Version, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public static BillDto From(Bill b, DateOnly today)
    {
        var fee = b.State == BillState.Open ? b.LateFee(today) : 0;
        return new(b.Id, b.Reference, b.RegionCode, b.DepartmentCode, b.State, b.TitleZh, b.TitleEn, b.PayerKind, [.. b.Lines.Select(BillLineDto.From)],
            b.AmountFen, fee, b.State == BillState.Open ? b.AmountFen + fee : 0, BillDates.Format(b.DueDate), b.LateFeePerMillePerDay, b.LateFeeCapFen,
            b.PaidAt, b.PaidByPaymentId, b.Version, b.CreatedAt, b.UpdatedAt);
    }
}

/// <summary>A bill as the person paying it sees it: what paying today costs, the late fee as a line of its own, and no
/// personal data (a plate only masked).</summary>
public sealed record PayableBillDto(
    Guid Id, string RegionCode, string DepartmentCode, string DepartmentZh, string DepartmentEn, string TitleZh, string TitleEn, BillState State,
    IReadOnlyList<BillLineDto> Lines, long AmountFen, long LateFeeFen, long DueFen, string DueDate, bool Overdue, string? PlateMasked, string? SecondFactorKind,
    DateTimeOffset? PaidAt);

public sealed record MyBillsDto(IReadOnlyList<PayableBillDto> Open, IReadOnlyList<PayableBillDto> Closed, long TotalDueFen);

public sealed record LookupDto(IReadOnlyList<PayableBillDto> Items);

/// <summary>
/// Bills (issue 10 §1): the department systems' signed push API (<c>/api/billing/bills</c>, scope bills:write, scoped to
/// the client's region and department), the citizen's own bills (<c>/api/me/bills</c>) and the anonymous lookup
/// (<c>/api/bills/lookup</c>). Rules in <see cref="BillService"/>.
/// </summary>
public static class BillingEndpoints
{
    public static void AddBilling(this WebApplicationBuilder builder)
    {
        builder.Services.AddScoped<BillService>();
        builder.Services.AddScoped<BillViews>();
        builder.Services.AddScoped<Collections>();
    }

    public static IEndpointRouteBuilder MapBilling(this IEndpointRouteBuilder app)
    {
        var bills = app.MapGroup("/api/billing/bills").WithTags("Bills")
            .RequireAuthorization(IdentitySetup.ApiClientPolicy)
            .RequireAuthorization(p => p.RequireClaim(AccountClaims.ClientKind, nameof(ApiClientKind.DepartmentSystem)).RequireClaim(AccountClaims.Scope, Scopes.BillsWrite))
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden);
        bills.MapPost("", Push).WithName("PushBill").Produces<BillDto>(StatusCodes.Status201Created).Produces<BillDto>()
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("A department system issues a bill (signed request, scope bills:write; the bill belongs to the client's region and department). "
                + "Idempotent on `reference`: the same reference and body again → 200 with the same bill; a different body → 409 bill.reference-conflict. See docs/payments.md, \"Bills API\".");
        bills.MapGet("/{reference}", Get).WithName("GetBill").Produces<BillDto>().ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("The department's bill by its reference (another department's or region's: 404).");
        bills.MapPut("/{reference}", Adjust).WithName("AdjustBill").Produces<BillDto>()
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Replaces an open bill's lines, due date and late-fee rule (`version` goes up; the same terms again change nothing). Paid or cancelled: 409 bill.not-open.");
        bills.MapPost("/{reference}/cancel", Cancel).WithName("CancelBill").Produces<BillDto>()
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Cancels an open bill (again: the cancelled bill). Paid: 409 bill.not-open.");

        app.MapGet("/api/me/bills", Mine).WithTags("Bills").RequireAuthorization(IdentitySetup.CitizenPolicy).WithName("ListMyBills")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden)
            .WithSummary("The bills addressed to the verified citizen (L2 or higher; L1: 403 bill.verification-required naming the verify page): `open` with what paying today costs "
                + "(late fee as its own line, `overdue`), and `closed` (paid and cancelled). `state` = open | paid | cancelled filters.");
        app.MapGet("/api/bills/lookup", Lookup).WithTags("Bills").AllowAnonymous().WithName("LookUpBill")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status429TooManyRequests)
            .WithSummary("Finds bills by `plate` + `violationNumber`, or by `accountNumber` + `secondFactor` (what the bill names, e.g. the last character of the holder's name). "
                + "No personal data in the answer (the plate masked). Wrong factor and unknown are the same 404 bill.not-found; 10 lookups a minute per client address.");
        app.MapGet("/dept/collections.csv", CollectionsCsv).WithTags("Bills").RequireAuthorization(IdentitySetup.StaffPolicy).WithName("ExportCollections")
            .Produces(StatusCodes.Status200OK, contentType: "text/csv")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("The department's collections per day (Asia/Shanghai), revenue head and channel from the ledger, `from`–`to` (yyyy-MM-dd, ≤ 366 days; default the last 30), "
                + "as CSV in UTF-8 with a byte-order mark. `region` + `department` choose among the staff member's own departments.");
        return app;
    }

    public static async Task<Results<FileContentHttpResult, ProblemHttpResult>> CollectionsCsv(
        string? from, string? to, string? region, string? department, ClaimsPrincipal user, StaffService staff, Collections collections, TimeProvider time,
        HttpContext http, CancellationToken ct)
    {
        var scope = DepartmentScope.For(await staff.ActorAsync(user.AccountId(), ct), region, department);
        if (!scope.IsOk)
        {
            return Problems.From(scope.Error, http);
        }

        var range = DepartmentScope.Range(from, to, BillDates.Today(time.GetUtcNow()));
        if (!range.IsOk)
        {
            return Problems.From(range.Error, http);
        }

        var rows = await collections.ForAsync(scope.Value.RegionCode, scope.Value.DepartmentCode, range.Value.From, range.Value.To, ct);
        http.Response.Headers.CacheControl = "no-store";
        return TypedResults.File(Collections.Csv(rows), "text/csv; charset=utf-8",
            $"collections-{scope.Value.RegionCode}-{scope.Value.DepartmentCode}-{BillDates.Format(range.Value.From)}-{BillDates.Format(range.Value.To)}.csv");
    }

    public static BillIssuer Issuer(ClaimsPrincipal user) => new(
        user.FindFirstValue(AccountClaims.Client) ?? string.Empty,
        user.FindFirstValue(AccountClaims.Region) ?? string.Empty,
        user.FindFirstValue(AccountClaims.Department) ?? string.Empty);

    public static async Task<Results<Created<BillDto>, Ok<BillDto>, ProblemHttpResult>> Push(
        BillPush? request, ClaimsPrincipal user, BillService bills, TimeProvider time, HttpContext http, CancellationToken ct)
    {
        var pushed = await bills.PushAsync(Issuer(user), request, ct);
        if (!pushed.IsOk)
        {
            return Problems.From(pushed.Error, http);
        }

        var dto = BillDto.From(pushed.Value.Bill, BillDates.Today(time.GetUtcNow()));
        return pushed.Value.Created
            ? TypedResults.Created($"/api/billing/bills/{Uri.EscapeDataString(dto.Reference)}", dto)
            : TypedResults.Ok(dto);
    }

    public static async Task<Results<Ok<BillDto>, ProblemHttpResult>> Get(string reference, ClaimsPrincipal user, BillService bills, TimeProvider time, HttpContext http, CancellationToken ct) =>
        Answer(await bills.GetAsync(Issuer(user), reference, ct), time, http);

    public static async Task<Results<Ok<BillDto>, ProblemHttpResult>> Adjust(
        string reference, BillAdjustment? request, ClaimsPrincipal user, BillService bills, TimeProvider time, HttpContext http, CancellationToken ct) =>
        Answer(await bills.AdjustAsync(Issuer(user), reference, request, ct), time, http);

    public static async Task<Results<Ok<BillDto>, ProblemHttpResult>> Cancel(string reference, ClaimsPrincipal user, BillService bills, TimeProvider time, HttpContext http, CancellationToken ct) =>
        Answer(await bills.CancelAsync(Issuer(user), reference, ct), time, http);

    public static async Task<Results<Ok<MyBillsDto>, ProblemHttpResult>> Mine(string? state, ClaimsPrincipal user, BillViews views, HttpContext http, CancellationToken ct)
    {
        var filter = ParseState(state);
        if (!filter.IsOk)
        {
            return Problems.From(filter.Error, http);
        }

        var mine = await views.MineAsync(user.AccountId(), filter.Value, ct);
        return mine.IsOk ? TypedResults.Ok(mine.Value) : Problems.From(mine.Error, http);
    }

    public static async Task<Results<Ok<LookupDto>, ProblemHttpResult>> Lookup(
        string? plate, string? violationNumber, string? accountNumber, string? secondFactor, BillViews views, HttpContext http, CancellationToken ct)
    {
        var found = await views.LookupAsync(plate, violationNumber, accountNumber, secondFactor, http.ClientAddress(), ct);
        return found.IsOk ? TypedResults.Ok(found.Value) : Problems.From(found.Error, http);
    }

    /// <summary>open | paid | cancelled, or nothing (all).</summary>
    public static Result<BillState?> ParseState(string? state) => state switch
    {
        null or "" => (BillState?)null,
        "open" => BillState.Open,
        "paid" => BillState.Paid,
        "cancelled" => BillState.Cancelled,
        _ => Error.Invalid("state", PaymentErrors.Bill.InvalidState, "“state”须为 open、paid 或 cancelled。", "'state' must be open, paid or cancelled."),
    };

    private static Results<Ok<BillDto>, ProblemHttpResult> Answer(Result<Bill> bill, TimeProvider time, HttpContext http) =>
        bill.IsOk ? TypedResults.Ok(BillDto.From(bill.Value, BillDates.Today(time.GetUtcNow()))) : Problems.From(bill.Error, http);
}

/// <summary>Bills as citizens and the lookup see them (shared by the API and the pages).</summary>
public sealed class BillViews(CityDbContext db, BillService bills, TimeProvider time)
{
    /// <summary>The verify page an L1 citizen is sent to.</summary>
    public const string VerifyPage = "/me/verify";

    public async Task<Result<MyBillsDto>> MineAsync(Guid? accountId, BillState? state, CancellationToken ct)
    {
        var account = accountId is { } id ? await db.Accounts.AsNoTracking().FirstOrDefaultAsync(a => a.Id == id, ct) : null;
        if (account?.IdNumberIndex is not { } index || account.AssuranceLevel < AssuranceLevel.L2)
        {
            return VerificationRequired();
        }

        var found = await bills.ForCitizenAsync(index, state, ct);
        var dtos = await ToPayableAsync(found, null, ct);
        var open = dtos.Where(b => b.State == BillState.Open).ToList();
        return new MyBillsDto(open, [.. dtos.Where(b => b.State != BillState.Open)], open.Sum(b => b.DueFen));
    }

    public async Task<Result<LookupDto>> LookupAsync(string? plate, string? violationNumber, string? accountNumber, string? secondFactor, string clientAddress, CancellationToken ct)
    {
        var found = await bills.LookupAsync(plate, violationNumber, accountNumber, secondFactor, clientAddress, ct);
        return found.IsOk ? new LookupDto(await ToPayableAsync(found.Value, BillService.MaskedPlate(plate), ct)) : found.Error;
    }

    public static Error VerificationRequired() => new(ErrorKind.Forbidden, PaymentErrors.Bill.VerificationRequired,
        new LocalizedText("查看本人账单需要先完成实名认证（L2）。请在 /me/verify 完成身份核验。",
            "Seeing your bills needs a verified identity (L2). Verify your identity at /me/verify."))
    {
        Extensions = new Dictionary<string, object> { ["verify"] = VerifyPage, ["requiredLevel"] = "L2" },
    };

    public async Task<IReadOnlyList<PayableBillDto>> ToPayableAsync(IReadOnlyList<Bill> found, string? plateMasked, CancellationToken ct)
    {
        var today = BillDates.Today(time.GetUtcNow());
        var regions = found.Select(b => b.RegionCode).Distinct().ToList();
        var codes = found.Select(b => b.DepartmentCode).Distinct().ToList();
        var departments = await db.Departments.AsNoTracking().Where(d => regions.Contains(d.RegionCode) && codes.Contains(d.Code))
            .Select(d => new { d.RegionCode, d.Code, d.NameZh, d.NameEn }).ToListAsync(ct);
        return [.. found.Select(b =>
        {
            var d = departments.FirstOrDefault(x => x.RegionCode == b.RegionCode && x.Code == b.DepartmentCode);
            var open = b.State == BillState.Open;
            var lines = open ? b.LinesDue(today) : b.Lines;
            var fee = open ? b.LateFee(today) : 0;
            return new PayableBillDto(b.Id, b.RegionCode, b.DepartmentCode, d?.NameZh ?? b.DepartmentCode, d?.NameEn ?? b.DepartmentCode, b.TitleZh, b.TitleEn, b.State,
                [.. lines.Select(BillLineDto.From)], b.AmountFen, fee, open ? b.AmountFen + fee : 0, BillDates.Format(b.DueDate), open && today > b.DueDate,
                b.PayerKind == BillPayerKind.Plate ? plateMasked : null, b.SecondFactorKind, b.PaidAt);
        })];
    }
}
