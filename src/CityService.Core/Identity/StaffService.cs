using CityService.Core.Common;
using CityService.Core.Storage;
using Microsoft.EntityFrameworkCore;

namespace CityService.Core.Identity;

/// <summary>Who acts: the signed-in account with its kind and, for staff, its roles per department and region.</summary>
public sealed record Actor(Guid AccountId, AccountKind Kind, IReadOnlyList<StaffAssignment> Assignments)
{
    public bool IsPlatformAdmin => Kind == AccountKind.Operator;

    public bool Holds(string regionCode, string departmentCode, StaffRole role) =>
        Assignments.Any(a => a.RegionCode == regionCode && a.DepartmentCode == departmentCode && a.Role == role);

    /// <summary>Staff see their own department in their own region; operators see everything.</summary>
    public bool Sees(string regionCode, string departmentCode) =>
        IsPlatformAdmin || Assignments.Any(a => a.RegionCode == regionCode && a.DepartmentCode == departmentCode);

    public bool Administers(string regionCode, string departmentCode) => IsPlatformAdmin || Holds(regionCode, departmentCode, StaffRole.DeptAdmin);
}

public sealed record StaffMember(Guid AccountId, string PhoneMasked, IReadOnlyList<StaffRole> Roles);

/// <summary>
/// Staff accounts and their roles. Platform admins manage every department; a department admin manages staff of their
/// own department in their own region. Anything outside what the actor may see answers "not found", never "forbidden",
/// so ids of other departments cannot be probed.
/// </summary>
public sealed class StaffService(CityDbContext db, PersonalDataProtector protector, TimeProvider time)
{
    public async Task<Actor?> ActorAsync(Guid? accountId, CancellationToken ct)
    {
        if (accountId is not { } id || await db.Accounts.AsNoTracking().Where(a => a.Id == id).Select(a => (AccountKind?)a.Kind).SingleOrDefaultAsync(ct) is not { } kind)
        {
            return null;
        }

        var assignments = await db.StaffAssignments.AsNoTracking().Where(a => a.AccountId == id).ToListAsync(ct);
        return new Actor(id, kind, assignments);
    }

    public async Task<Result<IReadOnlyList<StaffMember>>> ListAsync(Actor actor, string regionCode, string departmentCode, CancellationToken ct)
    {
        if (!actor.Sees(regionCode, departmentCode) || !await DepartmentExists(regionCode, departmentCode, ct))
        {
            return DepartmentNotFound();
        }

        var rows = await db.StaffAssignments.AsNoTracking()
            .Where(a => a.RegionCode == regionCode && a.DepartmentCode == departmentCode)
            .Join(db.Accounts.AsNoTracking(), a => a.AccountId, u => u.Id, (a, u) => new { a.AccountId, a.Role, u.PhoneCipher })
            .ToListAsync(ct);
        return rows.GroupBy(r => (r.AccountId, r.PhoneCipher))
            .Select(g => new StaffMember(g.Key.AccountId, PhoneNumber.Mask(protector.Decrypt(g.Key.PhoneCipher, "phone")), g.Select(r => r.Role).Order().ToList()))
            .OrderBy(m => m.AccountId)
            .ToList();
    }

    /// <summary>Gives a role in a department to the person with this phone, opening a staff account if they have none.</summary>
    public async Task<Result<StaffMember>> GrantAsync(Actor actor, string? phoneInput, string regionCode, string departmentCode, string? roleInput, CancellationToken ct)
    {
        if (await Guard(actor, regionCode, departmentCode, ct) is { } refused)
        {
            return refused;
        }

        var phone = PhoneNumber.Parse(phoneInput);
        if (!phone.IsOk)
        {
            return phone.Error;
        }

        if (StaffRoles.TryParse(roleInput) is not { } role)
        {
            return Error.Invalid("role", "staff.role-unknown", "角色必须是 clerk（受理）、approver（审批）或 dept-admin（部门管理员）。",
                "The role must be clerk, approver or dept-admin.");
        }

        var now = time.GetUtcNow();
        var index = protector.BlindIndex(phone.Value.Value, "phone");
        var account = await db.Accounts.FirstOrDefaultAsync(a => a.PhoneIndex == index, ct);
        if (account is null)
        {
            account = Account.Open(AccountKind.Staff, index, protector.Encrypt(phone.Value.Value, "phone"), now);
            db.Accounts.Add(account);
        }
        else if (account.Kind != AccountKind.Staff)
        {
            return new Error(ErrorKind.Conflict, "staff.not-a-staff-account", new(
                "该手机号已是市民或运营账户，工作人员请使用单独的手机号。", "This phone belongs to a citizen or operator account; staff need a separate phone number."), "phone");
        }

        if (!await db.StaffAssignments.AnyAsync(a => a.AccountId == account.Id && a.RegionCode == regionCode && a.DepartmentCode == departmentCode && a.Role == role, ct))
        {
            db.StaffAssignments.Add(new StaffAssignment(regionCode, departmentCode, account.Id, role, now));
        }

        if (!await db.TrySaveChangesAsync(ct))
        {
            // Someone granted the same at the same moment: the grant stands, answer with it.
            return await GrantAsync(actor, phoneInput, regionCode, departmentCode, roleInput, ct);
        }
        var roles = await db.StaffAssignments.AsNoTracking()
            .Where(a => a.AccountId == account.Id && a.RegionCode == regionCode && a.DepartmentCode == departmentCode)
            .Select(a => a.Role).ToListAsync(ct);
        return new StaffMember(account.Id, phone.Value.Masked, roles.Order().ToList());
    }

    public async Task<Result<bool>> RevokeAsync(Actor actor, string regionCode, string departmentCode, Guid accountId, string? roleInput, CancellationToken ct)
    {
        if (await Guard(actor, regionCode, departmentCode, ct) is { } refused)
        {
            return refused;
        }

        var role = StaffRoles.TryParse(roleInput);
        if (role == StaffRole.DeptAdmin && accountId == actor.AccountId && !actor.IsPlatformAdmin)
        {
            return new Error(ErrorKind.Conflict, "staff.own-admin-role", new(
                "不能撤销自己的部门管理员角色，请由其他管理员操作。", "You cannot remove your own department admin role; ask another admin."));
        }

        var row = role is null ? null : await db.StaffAssignments.FirstOrDefaultAsync(
            a => a.RegionCode == regionCode && a.DepartmentCode == departmentCode && a.AccountId == accountId && a.Role == role, ct);
        if (row is null)
        {
            return Error.NotFound("staff.assignment-not-found", "没有这项人员角色。", "There is no such staff role.");
        }

        db.StaffAssignments.Remove(row);
        await db.SaveChangesAsync(ct);
        return true;
    }

    /// <summary>Not visible: 404. Visible but not administered by the actor: 403.</summary>
    private async Task<Error?> Guard(Actor actor, string regionCode, string departmentCode, CancellationToken ct)
    {
        if (!actor.Sees(regionCode, departmentCode) || !await DepartmentExists(regionCode, departmentCode, ct))
        {
            return DepartmentNotFound();
        }

        return actor.Administers(regionCode, departmentCode)
            ? null
            : new Error(ErrorKind.Forbidden, "staff.admin-only", new("只有本部门管理员或平台管理员可以管理人员。", "Only the department's admin or a platform admin can manage staff."));
    }

    private Task<bool> DepartmentExists(string regionCode, string departmentCode, CancellationToken ct) =>
        db.Departments.AnyAsync(d => d.RegionCode == regionCode && d.Code == departmentCode, ct);

    private static Error DepartmentNotFound() => Error.NotFound("staff.department-not-found", "没有找到该部门。", "No such department.");
}
