namespace CityService.Core.Identity.Staff;

public enum StaffRole
{
    Clerk,
    Approver,
    DeptAdmin,
}

public static class StaffRoles
{
    public static string Slug(StaffRole role) => role switch
    {
        StaffRole.Clerk => "clerk",
        StaffRole.Approver => "approver",
        _ => "dept-admin",
    };

    public static StaffRole Parse(string slug) => TryParse(slug) ?? throw new InvalidOperationException($"Unknown staff role '{slug}'.");

    public static StaffRole? TryParse(string? slug) => slug switch
    {
        "clerk" => StaffRole.Clerk,
        "approver" => StaffRole.Approver,
        "dept-admin" => StaffRole.DeptAdmin,
        _ => null,
    };
}

/// <summary>A staff member's role in one department of one region (region-scoped: the key leads with the region code).</summary>
public sealed class StaffAssignment(string regionCode, string departmentCode, Guid accountId, StaffRole role, DateTimeOffset grantedAt)
{
    public string RegionCode { get; private set; } = regionCode;

    public string DepartmentCode { get; private set; } = departmentCode;

    public Guid AccountId { get; private set; } = accountId;

    public StaffRole Role { get; private set; } = role;

    public DateTimeOffset GrantedAt { get; private set; } = grantedAt;
}

public sealed class StaffAssignmentConfiguration : IEntityTypeConfiguration<StaffAssignment>
{
    public void Configure(EntityTypeBuilder<StaffAssignment> builder)
    {
        builder.ToTable("staff_assignments");
        builder.HasKey(a => new { a.RegionCode, a.DepartmentCode, a.AccountId, a.Role });
        builder.Property(a => a.Role).HasEnumText(StaffRoles.Slug, StaffRoles.TryParse);
        builder.HasOne<Account>().WithMany().HasForeignKey(a => a.AccountId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<Catalog.Department>().WithMany().HasForeignKey(a => new { a.RegionCode, a.DepartmentCode }).OnDelete(DeleteBehavior.Restrict);
        builder.HasIndex(a => a.AccountId).HasDatabaseName("ix_staff_assignments_account_id");
    }
}
