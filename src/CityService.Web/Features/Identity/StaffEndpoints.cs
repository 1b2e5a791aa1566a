using System.Security.Claims;
using CityService.Core.Identity;
using CityService.Core.Regions;
using CityService.Web.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CityService.Web.Features.Identity;

public sealed record AssignmentDto(string RegionCode, string DepartmentCode, string Role);

public sealed record StaffSelfDto(Guid AccountId, AccountKind Kind, bool PlatformAdmin, IReadOnlyList<AssignmentDto> Assignments);

public sealed record StaffMemberDto(Guid AccountId, string PhoneMasked, IReadOnlyList<string> Roles)
{
    public static StaffMemberDto From(StaffMember m) => new(m.AccountId, m.PhoneMasked, m.Roles.Select(StaffRoles.Slug).ToList());
}

public sealed record GrantRoleRequest(string? Phone, string? Role);

public static class StaffEndpoints
{
    public static IEndpointRouteBuilder MapStaff(this IEndpointRouteBuilder app)
    {
        var staff = app.MapGroup("/api").WithTags("Staff").RequireAuthorization(IdentitySetup.StaffPolicy)
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status404NotFound);
        staff.MapGet("/staff/me", Me).WithName("GetStaffSelf").WithSummary("The signed-in staff member's roles per department and region.");
        var department = staff.MapGroup("/regions/{code}/departments/{department}/staff");
        department.MapGet("", List).WithName("ListDepartmentStaff").WithSummary("Staff of a department (department admins of it and platform admins).");
        department.MapPost("", Grant).WithName("GrantStaffRole").WithSummary("Gives a role in the department to a phone's staff account, opening it if needed.")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status409Conflict);
        department.MapDelete("/{accountId:guid}/roles/{role}", Revoke).WithName("RevokeStaffRole").WithSummary("Takes a role away.");
        return app;
    }

    public static async Task<Results<Ok<StaffSelfDto>, ProblemHttpResult>> Me(ClaimsPrincipal user, StaffService service, HttpContext http, CancellationToken ct)
    {
        var actor = await service.ActorAsync(user.AccountId(), ct);
        return actor is null
            ? Problems.From(SessionEnded, http)
            : TypedResults.Ok(new StaffSelfDto(actor.AccountId, actor.Kind, actor.IsPlatformAdmin,
                actor.Assignments.Select(a => new AssignmentDto(a.RegionCode, a.DepartmentCode, StaffRoles.Slug(a.Role))).ToList()));
    }

    public static async Task<Results<Ok<IReadOnlyList<StaffMemberDto>>, ProblemHttpResult>> List(
        string code, string department, ClaimsPrincipal user, RegionDirectory regions, StaffService service, HttpContext http, CancellationToken ct)
    {
        var region = regions.Get(code);
        var actor = await service.ActorAsync(user.AccountId(), ct);
        if (!region.IsOk || actor is null)
        {
            return Problems.From(region.Error ?? SessionEnded, http);
        }

        var members = await service.ListAsync(actor, region.Value.Code, department, ct);
        return members.IsOk ? TypedResults.Ok<IReadOnlyList<StaffMemberDto>>(members.Value.Select(StaffMemberDto.From).ToList()) : Problems.From(members.Error, http);
    }

    public static async Task<Results<Created<StaffMemberDto>, ProblemHttpResult>> Grant(
        string code, string department, GrantRoleRequest request, ClaimsPrincipal user, RegionDirectory regions, StaffService service, HttpContext http, CancellationToken ct)
    {
        var region = regions.Get(code);
        var actor = await service.ActorAsync(user.AccountId(), ct);
        if (!region.IsOk || actor is null)
        {
            return Problems.From(region.Error ?? SessionEnded, http);
        }

        var member = await service.GrantAsync(actor, request.Phone, region.Value.Code, department, request.Role, ct);
        return member.IsOk
            ? TypedResults.Created($"/api/regions/{region.Value.Code}/departments/{department}/staff", StaffMemberDto.From(member.Value))
            : Problems.From(member.Error, http);
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> Revoke(
        string code, string department, Guid accountId, string role, ClaimsPrincipal user, RegionDirectory regions, StaffService service, HttpContext http, CancellationToken ct)
    {
        var region = regions.Get(code);
        var actor = await service.ActorAsync(user.AccountId(), ct);
        if (!region.IsOk || actor is null)
        {
            return Problems.From(region.Error ?? SessionEnded, http);
        }

        var revoked = await service.RevokeAsync(actor, region.Value.Code, department, accountId, role, ct);
        return revoked.IsOk ? TypedResults.NoContent() : Problems.From(revoked.Error, http);
    }

    private static Core.Common.Error SessionEnded => new(Core.Common.ErrorKind.Forbidden, "auth.session-ended",
        new("登录状态已失效，请重新登录。", "Your session has ended; please sign in again."));
}
