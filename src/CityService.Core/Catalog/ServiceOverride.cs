using CityService.Core.Common;

namespace CityService.Core.Catalog;

/// <summary>
/// A city's or county's change to an inherited item, applying to it and every region below it.
/// Nearer overrides win field by field; <see cref="Enabled"/> null means "as inherited".
/// </summary>
public sealed class ServiceOverride
{
    private ServiceOverride()
    {
        RegionCode = ServiceCode = string.Empty;
    }

    public ServiceOverride(string regionCode, string serviceCode, DateTimeOffset now)
    {
        RegionCode = regionCode;
        ServiceCode = serviceCode;
        UpdatedAt = now;
    }

    public string RegionCode { get; private set; }

    public string ServiceCode { get; private set; }

    public bool? Enabled { get; private set; }

    public string? DepartmentRegionCode { get; private set; }

    public string? DepartmentCode { get; private set; }

    public IReadOnlyList<LocalizedText>? Materials { get; private set; }

    public FeeKind? FeeKind { get; private set; }

    public long? FeeFen { get; private set; }

    public string? LegalBasisZh { get; private set; }

    public string? LegalBasisEn { get; private set; }

    public int? PromisedDays { get; private set; }

    public Visits? Visits { get; private set; }

    public IReadOnlyList<OnlineMode>? OnlineModes { get; private set; }

    public string? ExternalUrl { get; private set; }

    public IReadOnlyList<string>? Keywords { get; private set; }

    public DateTimeOffset UpdatedAt { get; private set; }

    public GuidePatch Patch => new(
        Materials,
        FeeKind is { } kind ? new Fee(kind, FeeFen) : null,
        LegalBasisZh is not null && LegalBasisEn is not null ? new LocalizedText(LegalBasisZh, LegalBasisEn) : null,
        PromisedDays,
        Visits,
        OnlineModes,
        ExternalUrl,
        Keywords);

    public void Disable(DateTimeOffset now) => (Enabled, UpdatedAt) = (false, now);

    public void Enable(DateTimeOffset now) => (Enabled, UpdatedAt) = (true, now);

    public void Inherit(DateTimeOffset now) => (Enabled, UpdatedAt) = (null, now);

    public void AssignTo((string RegionCode, string Code)? department, DateTimeOffset now)
    {
        (DepartmentRegionCode, DepartmentCode) = (department?.RegionCode, department?.Code);
        UpdatedAt = now;
    }

    public void ChangeGuide(GuidePatch patch, DateTimeOffset now)
    {
        Materials = patch.Materials;
        FeeKind = patch.Fee?.Kind;
        FeeFen = patch.Fee?.Fen;
        LegalBasisZh = patch.LegalBasis?.Zh;
        LegalBasisEn = patch.LegalBasis?.En;
        PromisedDays = patch.PromisedDays;
        Visits = patch.Visits;
        OnlineModes = patch.Online;
        ExternalUrl = patch.ExternalUrl;
        Keywords = patch.Keywords;
        UpdatedAt = now;
    }
}
