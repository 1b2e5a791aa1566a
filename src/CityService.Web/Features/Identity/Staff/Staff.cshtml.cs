using CityService.Core.Catalog;
using CityService.Core.Common;
using CityService.Core.Identity;
using CityService.Core.Identity.Staff;
using CityService.Core.Regions;
using CityService.Core.Storage;
using CityService.Web.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace CityService.Web.Features.Identity.Staff;

/// <summary>
/// Staff management as plain forms: a department admin manages their own department(s), a platform admin picks any region and
/// department. Listing, granting and revoking go through <see cref="StaffService"/>, the same rules as the staff API:
/// a department outside what the actor may see answers "not found" (404), one seen but not administered "forbidden" (403).
/// </summary>
[Authorize(Policy = IdentitySetup.StaffPolicy)]
public sealed class StaffModel(CityDbContext db, StaffService staff, RegionDirectory regions, Texts texts) : AccountPageModel
{
    public const string Path = "/admin/staff";

    /// <summary>The region code of the chosen department.</summary>
    [BindProperty(Name = "region", SupportsGet = true)]
    public string? Region { get; set; }

    /// <summary>The chosen department's code within <see cref="Region"/>.</summary>
    [BindProperty(Name = "department", SupportsGet = true)]
    public string? Department { get; set; }

    /// <summary>After a grant or revoke the page is shown again (post, redirect, get) with this outcome: granted or revoked.</summary>
    [BindProperty(Name = "done", SupportsGet = true)]
    public string? Done { get; set; }

    [BindProperty(Name = "phone")]
    public string? Phone { get; set; }

    [BindProperty(Name = "role")]
    public string? Role { get; set; }

    [BindProperty(Name = "accountId")]
    public string? AccountId { get; set; }

    [BindProperty(Name = "invitationId")]
    public string? InvitationId { get; set; }

    /// <summary>The chosen department's open invitations.</summary>
    public IReadOnlyList<PendingInvitation> Invitations { get; private set; } = [];

    public Actor Actor { get; private set; } = null!;

    /// <summary>A clerk or approver: they administer no department, so the page only explains who manages staff.</summary>
    public bool ManagesNothing => !Actor.IsPlatformAdmin && !Actor.Assignments.Any(a => a.Role == StaffRole.DeptAdmin);

    /// <summary>For a platform admin: the regions that have departments.</summary>
    public IReadOnlyList<Region> RegionChoices { get; private set; } = [];

    /// <summary>For a platform admin: the departments of the chosen region.</summary>
    public IReadOnlyList<Department> DepartmentChoices { get; private set; } = [];

    /// <summary>For a department admin: the departments they administer.</summary>
    public IReadOnlyList<Department> Administered { get; private set; } = [];

    /// <summary>The actor's own roles (shown to clerks and approvers with the explanation).</summary>
    public IReadOnlyList<(Department Department, StaffRole Role)> OwnRoles { get; private set; } = [];

    /// <summary>The department whose staff are shown, when it is one the actor administers.</summary>
    public Department? Selected { get; private set; }

    public Region? SelectedRegion { get; private set; }

    public IReadOnlyList<StaffMember> Members { get; private set; } = [];

    /// <summary>Why no department is shown (not found, not allowed, malformed region), with the status the page answers.</summary>
    public string? Outcome { get; private set; }

    public string? DoneText => Done switch
    {
        "invited" => texts["staff.done.invited"],
        "withdrawn" => texts["staff.done.withdrawn"],
        "revoked" => texts["staff.done.revoked"],
        _ => null,
    };

    public static string RoleName(Texts t, StaffRole role) => t["staff.role." + StaffRoles.Slug(role)];

    public static IReadOnlyList<StaffRole> AllRoles { get; } = Enum.GetValues<StaffRole>();

    public static string PageUrl(string region, string department, string? done = null) =>
        Path + "?region=" + Uri.EscapeDataString(region) + "&department=" + Uri.EscapeDataString(department) + (done is null ? string.Empty : "&done=" + done);

    public static string DepartmentName(Department department) => Texts.Pick(department.NameZh, department.NameEn);

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        if (await ActorAsync(ct) is not { } actor)
        {
            return await SessionEndedAsync();
        }

        Actor = actor;
        await LoadAsync(ct);
        return Page();
    }

    /// <summary>Invites the phone's holder to the role (the same outcome for every phone); errors at the phone or role field.</summary>
    public async Task<IActionResult> OnPostGrantAsync(CancellationToken ct)
    {
        if (await ActorAsync(ct) is not { } actor)
        {
            return await SessionEndedAsync();
        }

        Actor = actor;
        if (!await LoadAsync(ct))
        {
            return Page();
        }

        var granted = await staff.InviteAsync(actor, Phone, Selected!.RegionCode, Selected.Code, Role, ct);
        if (granted.IsOk)
        {
            return LocalRedirect(PageUrl(Selected.RegionCode, Selected.Code, "invited"));
        }

        Fail(granted.Error, "phone", "role");
        return Page();
    }

    /// <summary>Withdraws one open invitation of the chosen department.</summary>
    public async Task<IActionResult> OnPostWithdrawAsync(CancellationToken ct)
    {
        if (await ActorAsync(ct) is not { } actor)
        {
            return await SessionEndedAsync();
        }

        Actor = actor;
        if (!await LoadAsync(ct))
        {
            return Page();
        }

        var invitationId = Guid.TryParse(InvitationId, out var id) ? id : Guid.Empty;
        var withdrawn = await staff.WithdrawAsync(actor, Selected!.RegionCode, Selected.Code, invitationId, ct);
        if (withdrawn.IsOk)
        {
            return LocalRedirect(PageUrl(Selected.RegionCode, Selected.Code, "withdrawn"));
        }

        Fail(withdrawn.Error);
        return Page();
    }

    /// <summary>Takes one role away from one staff member of the chosen department.</summary>
    public async Task<IActionResult> OnPostRevokeAsync(CancellationToken ct)
    {
        if (await ActorAsync(ct) is not { } actor)
        {
            return await SessionEndedAsync();
        }

        Actor = actor;
        if (!await LoadAsync(ct))
        {
            return Page();
        }

        var accountId = Guid.TryParse(AccountId, out var id) ? id : Guid.Empty;
        var revoked = await staff.RevokeAsync(actor, Selected!.RegionCode, Selected.Code, accountId, Role, ct);
        if (revoked.IsOk)
        {
            return LocalRedirect(PageUrl(Selected.RegionCode, Selected.Code, "revoked"));
        }

        Fail(revoked.Error);
        return Page();
    }

    /// <summary>
    /// Fills the choices and, when a department is chosen that the actor administers, its staff. Returns whether a department
    /// the actor administers is selected (the only case where a grant or revoke may go ahead); otherwise sets the answer's status.
    /// </summary>
    private async Task<bool> LoadAsync(CancellationToken ct)
    {
        var posting = HttpMethods.IsPost(Request.Method);
        if (ManagesNothing)
        {
            OwnRoles = await OwnRolesAsync(ct);
            if (posting)
            {
                Response.StatusCode = StatusCodes.Status403Forbidden;
            }

            return false;
        }

        if (Actor.IsPlatformAdmin)
        {
            var codes = await db.Departments.AsNoTracking().Select(d => d.RegionCode).Distinct().ToListAsync(ct);
            RegionChoices = codes.Select(regions.Find).OfType<Region>().OrderBy(r => r.Code, StringComparer.Ordinal).ToList();
            if (RegionDirectory.IsWellFormedCode(Region))
            {
                DepartmentChoices = await db.Departments.AsNoTracking().Where(d => d.RegionCode == Region).OrderBy(d => d.Code).ToListAsync(ct);
            }
        }
        else
        {
            var pairs = Actor.Assignments.Where(a => a.Role == StaffRole.DeptAdmin).Select(a => (a.RegionCode, a.DepartmentCode)).Distinct().ToList();
            Administered = await DepartmentsAsync(pairs, ct);
            if (string.IsNullOrEmpty(Region) && string.IsNullOrEmpty(Department) && Administered.Count > 0)
            {
                Region = Administered[0].RegionCode; // a department admin starts on their (first) department
                Department = Administered[0].Code;
            }
        }

        if (string.IsNullOrEmpty(Region) || string.IsNullOrEmpty(Department))
        {
            if (posting)
            {
                Response.StatusCode = StatusCodes.Status400BadRequest;
                Outcome = texts["staff.choose.missing"];
            }

            return false;
        }

        var region = regions.Get(Region, "region");
        if (!region.IsOk)
        {
            Refuse(region.Error);
            return false;
        }

        var members = await staff.ListAsync(Actor, region.Value.Code, Department, ct);
        if (!members.IsOk)
        {
            Refuse(members.Error);
            return false;
        }

        SelectedRegion = region.Value;
        Selected = await db.Departments.AsNoTracking().SingleAsync(d => d.RegionCode == region.Value.Code && d.Code == Department, ct);
        Members = members.Value;
        Invitations = (await staff.InvitationsAsync(Actor, region.Value.Code, Department, ct)).Value ?? [];
        return true;
    }

    /// <summary>The chosen department cannot be shown: the reason in the page, with the matching status (no stack trace, no redirect).</summary>
    private void Refuse(Error error)
    {
        Response.StatusCode = Status(error);
        Outcome = Texts.Pick(error.Message);
    }

    /// <summary>A grant or revoke was refused: the reason at its field, or at the top of the form.</summary>
    private void Fail(Error error, params string[] fields)
    {
        Errors.Add(error, fields);
        if (error.Kind is ErrorKind.NotFound or ErrorKind.Forbidden) // a wrong input keeps 200, like the other forms
        {
            Response.StatusCode = Status(error);
        }
    }

    private static int Status(Error error) => error.Kind switch
    {
        ErrorKind.NotFound => StatusCodes.Status404NotFound,
        ErrorKind.Forbidden => StatusCodes.Status403Forbidden,
        ErrorKind.Conflict => StatusCodes.Status409Conflict,
        _ => StatusCodes.Status400BadRequest,
    };

    /// <summary>The signed-in staff member or operator, or null when the account is gone. (The staff policy has already
    /// checked that the session's security stamp is current.)</summary>
    private async Task<Actor?> ActorAsync(CancellationToken ct) =>
        await staff.ActorAsync(User.AccountId(), ct) is { Kind: AccountKind.Staff or AccountKind.Operator } actor ? actor : null;

    private async Task<IReadOnlyList<(Department, StaffRole)>> OwnRolesAsync(CancellationToken ct)
    {
        var departments = await DepartmentsAsync(Actor.Assignments.Select(a => (a.RegionCode, a.DepartmentCode)).Distinct().ToList(), ct);
        return Actor.Assignments
            .Select(a => (Department: departments.FirstOrDefault(d => d.RegionCode == a.RegionCode && d.Code == a.DepartmentCode), a.Role))
            .Where(x => x.Department is not null)
            .Select(x => (x.Department!, x.Role))
            .ToList();
    }

    /// <summary>The departments named by (region, code) pairs, in region and code order.</summary>
    private async Task<IReadOnlyList<Department>> DepartmentsAsync(IReadOnlyList<(string Region, string Code)> pairs, CancellationToken ct)
    {
        var regionCodes = pairs.Select(p => p.Region).Distinct().ToList();
        var candidates = await db.Departments.AsNoTracking().Where(d => regionCodes.Contains(d.RegionCode)).ToListAsync(ct);
        return candidates.Where(d => pairs.Contains((d.RegionCode, d.Code)))
            .OrderBy(d => d.RegionCode, StringComparer.Ordinal).ThenBy(d => d.Code, StringComparer.Ordinal).ToList();
    }
}
