using System.Security.Claims;
using CityService.Core.Common;
using CityService.Core.Identity.Staff;
using CityService.Core.Jobs;
using CityService.Core.Payments;
using CityService.Core.Payments.Refunds;
using CityService.Web.Features.Identity;
using CityService.Web.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CityService.Web.Features.Payments.Refunds;

/// <param name="Amount">Fen to refund.</param>
/// <param name="RefundAmountAvailable">The amount available to refund (fen) the caller saw; a stale one is refused with 412.</param>
/// <param name="DepartmentCode">Only for an approver of several of the payment's departments.</param>
public sealed record RefundRequestDto(long? Amount, long? RefundAmountAvailable, string? Reason, string? DepartmentCode);

public sealed record RefundDto(Guid RefundId, Guid PaymentId, string State, long AmountFen, string Reason, string? DepartmentCode, bool Automatic, DateTimeOffset CreatedAt, DateTimeOffset? CompletedAt);

public sealed record RefundAcceptedDto(RefundDto Refund, long RefundAmountAvailable);

public sealed record PaymentRefundsDto(Guid PaymentId, long AmountFen, long RefundedFen, long RefundAmountAvailable, IReadOnlyList<RefundDto> Refunds);

/// <summary>Refunds (issue 10 §6, docs/decisions/024-refunds-and-reconciliation.md): the API, the job, the department's pages.</summary>
public static class RefundEndpoints
{
    public static void AddRefunds(this WebApplicationBuilder builder)
    {
        builder.Services.AddScoped<RefundService>();
        builder.Services.AddScoped<RefundProcessor>();
        builder.Services.AddOneOffJob<RefundJob>(Refund.JobName);
    }

    public static IEndpointRouteBuilder MapRefunds(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/payments/{id:guid}/refunds").WithTags("Refunds")
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPost("", Request).RequireAuthorization(IdentitySetup.StaffPolicy).WithName("RequestRefund")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed).ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .WithSummary("Refunds (part of) a succeeded payment: a department approver signed in with a code in the last 5 minutes; 412 when refundAmountAvailable is stale.");
        group.MapGet("", List).RequireAuthorization(IdentitySetup.SignedInPolicy).WithName("ListRefunds")
            .WithSummary("The payment's refunds and its refundAmountAvailable: for its payer, the departments whose bills it paid, and operators.");
        return app;
    }

    public static async Task<Results<Accepted<RefundAcceptedDto>, ProblemHttpResult>> Request(
        Guid id, RefundRequestDto request, ClaimsPrincipal user, StaffService staff, RefundService refunds, TimeProvider time, HttpContext http, CancellationToken ct)
    {
        if (await staff.ActorAsync(user.AccountId(), ct) is not { } actor)
        {
            return Problems.From(Error.NotFound(PaymentErrors.Refund.PaymentNotFound, "找不到这笔缴费。", "No such payment."), http);
        }

        var result = await refunds.RequestAsync(actor, id, new RefundInput(request.Amount, request.RefundAmountAvailable, request.Reason, request.DepartmentCode),
            user.HasFreshCode(time.GetUtcNow()), ct);
        return result.IsOk
            ? TypedResults.Accepted($"/api/payments/{id}/refunds", new RefundAcceptedDto(ToDto(result.Value.Refund), result.Value.RefundAmountAvailable))
            : Problems.From(result.Error, http);
    }

    public static async Task<Results<Ok<PaymentRefundsDto>, ProblemHttpResult>> List(
        Guid id, ClaimsPrincipal user, StaffService staff, RefundService refunds, HttpContext http, CancellationToken ct)
    {
        var actor = await staff.ActorAsync(user.AccountId(), ct);
        var result = actor is null ? Error.NotFound(PaymentErrors.Refund.PaymentNotFound, "找不到这笔缴费。", "No such payment.") : await refunds.ListAsync(actor, id, ct);
        if (!result.IsOk)
        {
            return Problems.From(result.Error, http);
        }

        var (order, list) = result.Value;
        return TypedResults.Ok(new PaymentRefundsDto(order.Id, order.AmountFen, order.RefundedFen, order.RefundAmountAvailable, [.. list.Select(ToDto)]));
    }

    public static RefundDto ToDto(Refund r) =>
        new(r.Id, r.PaymentId, Slug(r.State), r.AmountFen, r.Reason, r.DepartmentCode, r.Automatic, r.CreatedAt, r.CompletedAt);

    public static string Slug(RefundState state) => state.ToString().ToLowerInvariant();
}
