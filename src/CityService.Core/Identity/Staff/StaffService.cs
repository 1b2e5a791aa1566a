using CityService.Core.Common;
using CityService.Core.Identity.SignIn;
using CityService.Core.Notifications.Senders;
using Microsoft.EntityFrameworkCore;

namespace CityService.Core.Identity.Staff;

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

public sealed record PendingInvitation(Guid Id, string RegionCode, string DepartmentCode, string PhoneMasked, StaffRole Role, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt);

public sealed record AcceptedRole(string RegionCode, string DepartmentCode, StaffRole Role);

/// <summary>
/// Staff accounts and their roles. Platform admins manage every department; a department admin manages (and lists) staff of
/// their own department in their own region. Anything outside what the actor may see answers "not found", never "forbidden",
/// so ids of other departments cannot be probed. Roles are given by invitation only (ADR 009): the admin's answer is the
/// same for every phone, and only the phone's holder, after proving it with a code, learns whether it can be staff.
/// </summary>
public sealed class StaffService(CityDbContext db, PersonalDataProtector protector, TimeProvider time, OtpService otp, ISmsSender sms, Audit.AuditLog audit)
{
    /// <summary>Binds acceptance codes to this purpose: they neither sign in nor confirm channel links.</summary>
    private const string AcceptContext = "staff-invitation";

    public async Task<Actor?> ActorAsync(Guid? accountId, CancellationToken ct)
    {
        if (accountId is not { } id || await db.Accounts.AsNoTracking().Where(a => a.Id == id).Select(a => (AccountKind?)a.Kind).SingleOrDefaultAsync(ct) is not { } kind)
        {
            return null;
        }

        var assignments = await db.StaffAssignments.AsNoTracking().Where(a => a.AccountId == id).ToListAsync(ct);
        return new Actor(id, kind, assignments);
    }

    /// <summary>The department's staff: for its admins and platform admins only (least privilege); other staff of it get 403.</summary>
    public async Task<Result<IReadOnlyList<StaffMember>>> ListAsync(Actor actor, string regionCode, string departmentCode, CancellationToken ct)
    {
        if (await Guard(actor, regionCode, departmentCode, ct) is { } refused)
        {
            return refused;
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

    /// <summary>
    /// Invites whoever holds the phone to a role in the department: the same answer whatever the phone is (unused, citizen,
    /// operator or staff), since no account is looked at. An open invitation for the same phone and role is answered again
    /// instead of texting twice.
    /// </summary>
    public async Task<Result<PendingInvitation>> InviteAsync(Actor actor, string? phoneInput, string regionCode, string departmentCode, string? roleInput, CancellationToken ct)
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
            return Error.Invalid("role", IdentityErrors.Staff.RoleUnknown, "角色必须是 clerk（受理）、approver（审批）或 dept-admin（部门管理员）。",
                "The role must be clerk, approver or dept-admin.");
        }

        var now = time.GetUtcNow();
        var index = protector.BlindIndex(phone.Value.Value, "phone");
        var open = await db.StaffInvitations.AsNoTracking()
            .Where(i => i.RegionCode == regionCode && i.DepartmentCode == departmentCode && i.PhoneIndex == index && i.Role == role
                && i.WithdrawnAt == null && i.AcceptedAt == null && i.ExpiresAt > now)
            .FirstOrDefaultAsync(ct);
        if (open is not null)
        {
            return ToPending(open, phone.Value.Masked);
        }

        var invitation = StaffInvitation.Issue(regionCode, departmentCode, role, index, protector.Encrypt(phone.Value.Value, "phone"), actor.AccountId, now);
        db.StaffInvitations.Add(invitation);
        await db.SaveChangesAsync(ct);

        var department = await db.Departments.AsNoTracking().Where(d => d.RegionCode == regionCode && d.Code == departmentCode)
            .Select(d => new { d.NameZh, d.NameEn }).SingleAsync(ct);
        var (roleZh, roleEn) = RoleNames(role);
        try
        {
            await sms.SendAsync(phone.Value, new LocalizedText(
                $"【城市服务】{department.NameZh}邀请您担任{roleZh}。请在 72 小时内打开城市服务“接受工作人员邀请”页面（/staff/accept），用本手机号接收验证码接受邀请。",
                $"[CityService] {department.NameEn} invites you to be {roleEn}. Within 72 hours, open CityService's \"Accept a staff invitation\" page (/staff/accept) and accept with a code sent to this phone."), ct);
        }
        catch (SmsNotSentException)
        {
            return SignIn.OtpService.SmsUnavailable; // the invitation stands: the admin may withdraw it or invite again
        }

        return ToPending(invitation, phone.Value.Masked);
    }

    /// <summary>The department's open invitations (admins only, like the staff list).</summary>
    public async Task<Result<IReadOnlyList<PendingInvitation>>> InvitationsAsync(Actor actor, string regionCode, string departmentCode, CancellationToken ct)
    {
        if (await Guard(actor, regionCode, departmentCode, ct) is { } refused)
        {
            return refused;
        }

        var now = time.GetUtcNow();
        var open = await db.StaffInvitations.AsNoTracking()
            .Where(i => i.RegionCode == regionCode && i.DepartmentCode == departmentCode && i.WithdrawnAt == null && i.AcceptedAt == null && i.ExpiresAt > now)
            .OrderBy(i => i.CreatedAt)
            .ToListAsync(ct);
        return open.Select(i => ToPending(i, PhoneNumber.Mask(protector.Decrypt(i.PhoneCipher, "phone")))).ToList();
    }

    /// <summary>Withdraws an open invitation of the department; a closed or unknown one is 404.</summary>
    public async Task<Result<bool>> WithdrawAsync(Actor actor, string regionCode, string departmentCode, Guid invitationId, CancellationToken ct)
    {
        if (await Guard(actor, regionCode, departmentCode, ct) is { } refused)
        {
            return refused;
        }

        var now = time.GetUtcNow();
        DateTimeOffset? withdrawnAt = now;
        var withdrawn = await db.StaffInvitations
            .Where(i => i.Id == invitationId && i.RegionCode == regionCode && i.DepartmentCode == departmentCode
                && i.WithdrawnAt == null && i.AcceptedAt == null && i.ExpiresAt > now)
            .ExecuteUpdateAsync(u => u.SetProperty(i => i.WithdrawnAt, withdrawnAt), ct);
        return withdrawn == 1
            ? true
            : Error.NotFound(IdentityErrors.Staff.InvitationNotFound, "没有这份待接受的邀请。", "There is no such open invitation.");
    }

    /// <summary>Texts the phone a code for accepting its invitations (the sign-in limits apply; anyone may ask, nothing is told).</summary>
    public Task<Result<TimeSpan>> SendAcceptCodeAsync(string? phoneInput, string clientAddress, CancellationToken ct) =>
        otp.SendAsync(phoneInput, clientAddress, AcceptContext, code => new LocalizedText(
            $"【城市服务】您接受工作人员邀请的验证码是 {code}，5 分钟内有效。请勿告诉他人。",
            $"[CityService] Your code for accepting a staff invitation is {code}. It is valid for 5 minutes. Do not share it."), ct);

    /// <summary>
    /// The phone's holder, proven by the code, accepts every open invitation to that phone: a staff account is opened if the
    /// phone has none, the roles are added to a staff account; a citizen or operator phone is refused (told to the holder only).
    /// Each invitation is used once, also under parallel acceptance.
    /// </summary>
    public async Task<Result<IReadOnlyList<AcceptedRole>>> AcceptAsync(string? phoneInput, string? code, CancellationToken ct)
    {
        var phone = await otp.CheckAsync(phoneInput, code, AcceptContext, ct);
        if (!phone.IsOk)
        {
            return phone.Error;
        }

        var now = time.GetUtcNow();
        var index = protector.BlindIndex(phone.Value.Value, "phone");
        var open = await db.StaffInvitations.AsNoTracking()
            .Where(i => i.PhoneIndex == index && i.WithdrawnAt == null && i.AcceptedAt == null && i.ExpiresAt > now)
            .ToListAsync(ct);
        if (open.Count == 0)
        {
            return Error.NotFound(IdentityErrors.Staff.InvitationNotFound, "这个手机号没有待接受的邀请（可能已过期、已撤回或已接受）。",
                "This phone has no open invitation (it may have expired, been withdrawn or been accepted).");
        }

        var account = await db.FindOrOpenAccountAsync(AccountKind.Staff, index, () => protector.Encrypt(phone.Value.Value, "phone"), now, ct);

        if (account.Kind != AccountKind.Staff)
        {
            return new Error(ErrorKind.Conflict, IdentityErrors.Staff.NotAStaffAccount, new(
                "该手机号已是市民或运营账户，不能成为工作人员账户；请用单独的手机号，并请邀请您的管理员重新邀请。",
                "This phone belongs to a citizen or operator account and cannot be a staff account; use a separate phone number and ask your admin to invite that one."), "phone");
        }

        var accepted = new List<AcceptedRole>();
        DateTimeOffset? acceptedAt = now;
        foreach (var invitation in open)
        {
            // One conditional UPDATE per invitation: only one of parallel acceptances uses it.
            var used = await db.StaffInvitations.Where(i => i.Id == invitation.Id && i.WithdrawnAt == null && i.AcceptedAt == null && i.ExpiresAt > now)
                .ExecuteUpdateAsync(u => u.SetProperty(i => i.AcceptedAt, acceptedAt), ct);
            if (used == 0)
            {
                continue;
            }

            if (!await db.StaffAssignments.AnyAsync(a => a.AccountId == account.Id && a.RegionCode == invitation.RegionCode
                    && a.DepartmentCode == invitation.DepartmentCode && a.Role == invitation.Role, ct))
            {
                db.StaffAssignments.Add(new StaffAssignment(invitation.RegionCode, invitation.DepartmentCode, account.Id, invitation.Role, now));
                // a parallel acceptance of a twin invitation may have added the same role
                await audit.TrySaveWithAsync(db, [StaffAudit(Audit.AuditActions.RoleGranted, Audit.AuditActor.Account(account.Id), invitation.RegionCode, invitation.DepartmentCode, account.Id, invitation.Role, invitation.Id)], ct);
            }

            accepted.Add(new AcceptedRole(invitation.RegionCode, invitation.DepartmentCode, invitation.Role));
        }

        return accepted.Count > 0
            ? accepted
            : Error.NotFound(IdentityErrors.Staff.InvitationNotFound, "这个手机号没有待接受的邀请（可能已过期、已撤回或已接受）。",
                "This phone has no open invitation (it may have expired, been withdrawn or been accepted).");
    }

    private static PendingInvitation ToPending(StaffInvitation i, string masked) =>
        new(i.Id, i.RegionCode, i.DepartmentCode, masked, i.Role, i.CreatedAt, i.ExpiresAt);

    private static (string Zh, string En) RoleNames(StaffRole role) => role switch
    {
        StaffRole.Clerk => ("受理人员", "a clerk"),
        StaffRole.Approver => ("审批人员", "an approver"),
        _ => ("部门管理员", "a department admin"),
    };

    public async Task<Result<bool>> RevokeAsync(Actor actor, string regionCode, string departmentCode, Guid accountId, string? roleInput, CancellationToken ct)
    {
        if (await Guard(actor, regionCode, departmentCode, ct) is { } refused)
        {
            return refused;
        }

        var role = StaffRoles.TryParse(roleInput);
        if (role == StaffRole.DeptAdmin && accountId == actor.AccountId && !actor.IsPlatformAdmin)
        {
            return new Error(ErrorKind.Conflict, IdentityErrors.Staff.OwnAdminRole, new(
                "不能撤销自己的部门管理员角色，请由其他管理员操作。", "You cannot remove your own department admin role; ask another admin."));
        }

        var row = role is null ? null : await db.StaffAssignments.FirstOrDefaultAsync(
            a => a.RegionCode == regionCode && a.DepartmentCode == departmentCode && a.AccountId == accountId && a.Role == role, ct);
        if (row is null)
        {
            return Error.NotFound(IdentityErrors.Staff.AssignmentNotFound, "没有这项人员角色。", "There is no such staff role.");
        }

        db.StaffAssignments.Remove(row);
        await audit.SaveWithAsync(db, [StaffAudit(Audit.AuditActions.RoleRevoked, Audit.AuditActor.Staff(actor.AccountId), regionCode, departmentCode, accountId, role!.Value, null)], ct);
        return true;
    }

    private static Audit.AuditRecord StaffAudit(string action, Audit.AuditActor actor, string regionCode, string departmentCode, Guid accountId, StaffRole role, Guid? invitation) =>
        new(action, actor, Audit.AuditRecord.AccountObject, accountId.ToString(), RegionCode: regionCode,
            Details: Audit.AuditRecord.DetailsOf(new { department = departmentCode, role = StaffRoles.Slug(role), invitation }));

    /// <summary>Not visible: 404. Visible but not administered by the actor: 403.</summary>
    private async Task<Error?> Guard(Actor actor, string regionCode, string departmentCode, CancellationToken ct)
    {
        if (!actor.Sees(regionCode, departmentCode) || !await DepartmentExists(regionCode, departmentCode, ct))
        {
            return DepartmentNotFound();
        }

        return actor.Administers(regionCode, departmentCode)
            ? null
            : new Error(ErrorKind.Forbidden, IdentityErrors.Staff.AdminOnly, new("只有本部门管理员或平台管理员可以管理人员。", "Only the department's admin or a platform admin can manage staff."));
    }

    private Task<bool> DepartmentExists(string regionCode, string departmentCode, CancellationToken ct) =>
        db.Departments.AnyAsync(d => d.RegionCode == regionCode && d.Code == departmentCode, ct);

    private static Error DepartmentNotFound() => Error.NotFound(IdentityErrors.Staff.DepartmentNotFound, "没有找到该部门。", "No such department.");
}
