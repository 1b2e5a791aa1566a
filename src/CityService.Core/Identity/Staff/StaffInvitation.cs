namespace CityService.Core.Identity.Staff;

/// <summary>
/// An admin's offer of a role in a department to whoever holds a phone. Nothing about the phone's account is looked at
/// until its holder accepts with a code sent to it; open 72 hours, single use, and the admin may withdraw it.
/// </summary>
public sealed class StaffInvitation
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(72);

    private StaffInvitation()
    {
        RegionCode = DepartmentCode = PhoneIndex = PhoneCipher = string.Empty;
    }

    public Guid Id { get; private set; }

    public string RegionCode { get; private set; }

    public string DepartmentCode { get; private set; }

    public StaffRole Role { get; private set; }

    public string PhoneIndex { get; private set; }

    public string PhoneCipher { get; private set; }

    public Guid InvitedBy { get; private set; }

    public DateTimeOffset CreatedAt { get; private set; }

    public DateTimeOffset ExpiresAt { get; private set; }

    public DateTimeOffset? WithdrawnAt { get; private set; }

    public DateTimeOffset? AcceptedAt { get; private set; }

    public static StaffInvitation Issue(string regionCode, string departmentCode, StaffRole role, string phoneIndex, string phoneCipher, Guid invitedBy, DateTimeOffset now) => new()
    {
        Id = Guid.CreateVersion7(now), RegionCode = regionCode, DepartmentCode = departmentCode, Role = role,
        PhoneIndex = phoneIndex, PhoneCipher = phoneCipher, InvitedBy = invitedBy, CreatedAt = now, ExpiresAt = now + Lifetime,
    };

    public bool IsOpen(DateTimeOffset now) => WithdrawnAt is null && AcceptedAt is null && now < ExpiresAt;
}

public sealed class StaffInvitationConfiguration : IEntityTypeConfiguration<StaffInvitation>
{
    public void Configure(EntityTypeBuilder<StaffInvitation> builder)
    {
        builder.ToTable("staff_invitations");
        builder.HasKey(i => i.Id);
        builder.Property(i => i.Role).HasEnumText(StaffRoles.Slug, StaffRoles.TryParse);
        builder.HasOne<Catalog.Department>().WithMany().HasForeignKey(i => new { i.RegionCode, i.DepartmentCode }).OnDelete(DeleteBehavior.Restrict);
        builder.HasIndex(i => new { i.RegionCode, i.DepartmentCode }).HasDatabaseName("ix_staff_invitations_department");
        builder.HasIndex(i => i.PhoneIndex).HasDatabaseName("ix_staff_invitations_phone_index");
    }
}
