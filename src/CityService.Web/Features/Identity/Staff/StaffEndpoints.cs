using System.Security.Claims;
using CityService.Core.Common;
using CityService.Core.Identity;
using CityService.Core.Identity.Staff;
using CityService.Core.Regions;
using CityService.Web.Features.Identity.SignIn;
using CityService.Web.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CityService.Web.Features.Identity.Staff;

public sealed record AssignmentDto(string RegionCode, string DepartmentCode, string Role);

public sealed record StaffSelfDto(Guid AccountId, AccountKind Kind, bool PlatformAdmin, IReadOnlyList<AssignmentDto> Assignments);

public sealed record StaffMemberDto(Guid AccountId, string PhoneMasked, IReadOnlyList<string> Roles)
{
    public static StaffMemberDto From(StaffMember m) => new(m.AccountId, m.PhoneMasked, m.Roles.Select(StaffRoles.Slug).ToList());
}

public sealed record GrantRoleRequest(string? Phone, string? Role);

public sealed record StaffInvitationDto(Guid InvitationId, string Status, string RegionCode, string DepartmentCode, string PhoneMasked, string Role, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt)
{
    public static StaffInvitationDto From(PendingInvitation i) =>
        new(i.Id, "pending", i.RegionCode, i.DepartmentCode, i.PhoneMasked, StaffRoles.Slug(i.Role), i.CreatedAt, i.ExpiresAt);
}

public sealed record InvitationCodeRequest(string? Phone);

public sealed record AcceptInvitationRequest(string? Phone, string? Code);

public sealed record AcceptedInvitationsDto(IReadOnlyList<AssignmentDto> Accepted);

public static class StaffEndpoints
{
    public static void AddStaff(this WebApplicationBuilder builder) => builder.Services.AddScoped<StaffService>();

    public static IEndpointRouteBuilder MapStaff(this IEndpointRouteBuilder app)
    {
        var staff = app.MapGroup("/api").WithTags("Staff").RequireAuthorization(IdentitySetup.StaffPolicy)
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status404NotFound);
        staff.MapGet("/staff/me", Me).WithName("GetStaffSelf").WithSummary("The signed-in staff member's roles per department and region.");
        var department = staff.MapGroup("/regions/{code}/departments/{department}/staff");
        department.MapGet("", List).WithName("ListDepartmentStaff")
            .WithSummary("Staff of a department: for the department's admins and platform admins only; its other staff get 403, everyone else 404.")
            .ProducesProblem(StatusCodes.Status403Forbidden);
        department.MapPost("", Grant).WithName("GrantStaffRole")
            .WithSummary("Invites the holder of a phone to a role (202, the same answer for every phone). The platform texts them; the role is given when they accept with a code.")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden);
        department.MapGet("/invitations", Invitations).WithName("ListStaffInvitations")
            .WithSummary("The department's open invitations (admins only).").ProducesProblem(StatusCodes.Status403Forbidden);
        department.MapDelete("/invitations/{invitationId:guid}", Withdraw).WithName("WithdrawStaffInvitation")
            .WithSummary("Withdraws an open invitation.").ProducesProblem(StatusCodes.Status403Forbidden);
        department.MapDelete("/{accountId:guid}/roles/{role}", Revoke).WithName("RevokeStaffRole").WithSummary("Takes a role away.")
            .ProducesProblem(StatusCodes.Status403Forbidden);

        var accept = app.MapGroup("/api/staff/invitations").WithTags("Staff").AllowAnonymous()
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status429TooManyRequests);
        accept.MapPost("/code", SendAcceptCode).WithName("SendStaffInvitationCode")
            .WithSummary("Texts a code for accepting staff invitations to a phone (valid 5 minutes; sign-in code limits).");
        accept.MapPost("/accept", Accept).WithName("AcceptStaffInvitations")
            .WithSummary("The phone's holder accepts its open invitations with the code: a staff account is opened or the roles added; a citizen or operator phone is refused (409).")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
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
        var caller = await CallerAsync(code, user, regions, service, ct);
        if (!caller.IsOk)
        {
            return Problems.From(caller.Error, http);
        }

        var (region, actor) = caller.Value;
        var members = await service.ListAsync(actor, region, department, ct);
        return members.IsOk ? TypedResults.Ok<IReadOnlyList<StaffMemberDto>>(members.Value.Select(StaffMemberDto.From).ToList()) : Problems.From(members.Error, http);
    }

    public static async Task<Results<Accepted<StaffInvitationDto>, ProblemHttpResult>> Grant(
        string code, string department, GrantRoleRequest request, ClaimsPrincipal user, RegionDirectory regions, StaffService service, HttpContext http, CancellationToken ct)
    {
        var caller = await CallerAsync(code, user, regions, service, ct);
        if (!caller.IsOk)
        {
            return Problems.From(caller.Error, http);
        }

        var (region, actor) = caller.Value;
        var invitation = await service.InviteAsync(actor, request.Phone, region, department, request.Role, ct);
        return invitation.IsOk
            ? TypedResults.Accepted($"/api/regions/{region}/departments/{department}/staff/invitations", StaffInvitationDto.From(invitation.Value))
            : Problems.From(invitation.Error, http);
    }

    public static async Task<Results<Ok<IReadOnlyList<StaffInvitationDto>>, ProblemHttpResult>> Invitations(
        string code, string department, ClaimsPrincipal user, RegionDirectory regions, StaffService service, HttpContext http, CancellationToken ct)
    {
        var caller = await CallerAsync(code, user, regions, service, ct);
        if (!caller.IsOk)
        {
            return Problems.From(caller.Error, http);
        }

        var (region, actor) = caller.Value;
        var open = await service.InvitationsAsync(actor, region, department, ct);
        return open.IsOk ? TypedResults.Ok<IReadOnlyList<StaffInvitationDto>>(open.Value.Select(StaffInvitationDto.From).ToList()) : Problems.From(open.Error, http);
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> Withdraw(
        string code, string department, Guid invitationId, ClaimsPrincipal user, RegionDirectory regions, StaffService service, HttpContext http, CancellationToken ct)
    {
        var caller = await CallerAsync(code, user, regions, service, ct);
        if (!caller.IsOk)
        {
            return Problems.From(caller.Error, http);
        }

        var (region, actor) = caller.Value;
        var withdrawn = await service.WithdrawAsync(actor, region, department, invitationId, ct);
        return withdrawn.IsOk ? TypedResults.NoContent() : Problems.From(withdrawn.Error, http);
    }

    public static async Task<Results<Accepted<OtpSent>, ProblemHttpResult>> SendAcceptCode(InvitationCodeRequest request, StaffService service, HttpContext http, CancellationToken ct)
    {
        var sent = await service.SendAcceptCodeAsync(request.Phone, http.ClientAddress(), ct);
        return sent.IsOk ? TypedResults.Accepted((string?)null, new OtpSent((int)sent.Value.TotalSeconds)) : Problems.From(sent.Error, http);
    }

    public static async Task<Results<Ok<AcceptedInvitationsDto>, ProblemHttpResult>> Accept(AcceptInvitationRequest request, StaffService service, HttpContext http, CancellationToken ct)
    {
        var accepted = await service.AcceptAsync(request.Phone, request.Code, ct);
        return accepted.IsOk
            ? TypedResults.Ok(new AcceptedInvitationsDto(accepted.Value.Select(a => new AssignmentDto(a.RegionCode, a.DepartmentCode, StaffRoles.Slug(a.Role))).ToList()))
            : Problems.From(accepted.Error, http);
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> Revoke(
        string code, string department, Guid accountId, string role, ClaimsPrincipal user, RegionDirectory regions, StaffService service, HttpContext http, CancellationToken ct)
    {
        var caller = await CallerAsync(code, user, regions, service, ct);
        if (!caller.IsOk)
        {
            return Problems.From(caller.Error, http);
        }

        var (region, actor) = caller.Value;
        var revoked = await service.RevokeAsync(actor, region, department, accountId, role, ct);
        return revoked.IsOk ? TypedResults.NoContent() : Problems.From(revoked.Error, http);
    }

    /// <summary>The region (validated) and the acting staff member, or why not.</summary>
    private static async Task<Result<(string Region, Actor Actor)>> CallerAsync(string code, ClaimsPrincipal user, RegionDirectory regions, StaffService service, CancellationToken ct)
    {
        var region = regions.Get(code);
        if (!region.IsOk)
        {
            return region.Error;
        }

        return await service.ActorAsync(user.AccountId(), ct) is { } actor ? (region.Value.Code, actor) : SessionEnded;
    }

    private static Core.Common.Error SessionEnded => new(Core.Common.ErrorKind.Forbidden, IdentityErrors.Auth.SessionEnded,
        new("登录状态已失效，请重新登录。", "Your session has ended; please sign in again."));
}
