using CityService.Core.Common;
using CityService.Core.Identity;

namespace CityService.Core.Catalog;

/// <summary>
/// A service item as defined in one region. Regions below inherit it; what they see is the
/// <see cref="EffectiveServiceItem"/> after their <see cref="ServiceOverride"/>s.
/// </summary>
public sealed class ServiceItem
{
    private ServiceItem()
    {
        RegionCode = Code = DepartmentRegionCode = DepartmentCode = string.Empty;
        NameZh = NameEn = DescriptionZh = DescriptionEn = LegalBasisZh = LegalBasisEn = string.Empty;
        Materials = [];
        OnlineModes = [];
        Keywords = [];
    }

    public ServiceItem(
        string regionCode,
        string code,
        ServiceField field,
        (string RegionCode, string Code) department,
        LocalizedText name,
        LocalizedText description,
        ServiceGuide guide,
        DateTimeOffset now)
        : this()
    {
        RegionCode = regionCode;
        Code = code;
        Field = field;
        AssignTo(department);
        Describe(name, description);
        ReviseGuide(guide, now);
    }

    public string RegionCode { get; private set; }

    public string Code { get; private set; }

    public ServiceField Field { get; private set; }

    public string DepartmentRegionCode { get; private set; }

    public string DepartmentCode { get; private set; }

    public string NameZh { get; private set; }

    public string NameEn { get; private set; }

    public string DescriptionZh { get; private set; }

    public string DescriptionEn { get; private set; }

    public IReadOnlyList<LocalizedText> Materials { get; private set; }

    public FeeKind FeeKind { get; private set; }

    public long? FeeFen { get; private set; }

    public string LegalBasisZh { get; private set; }

    public string LegalBasisEn { get; private set; }

    public int PromisedDays { get; private set; }

    public Visits Visits { get; private set; }

    public IReadOnlyList<OnlineMode> OnlineModes { get; private set; }

    public string? ExternalUrl { get; private set; }

    public IReadOnlyList<string> Keywords { get; private set; }

    public DateTimeOffset UpdatedAt { get; private set; }

    /// <summary>The assurance level a citizen needs to start this service (L1 unless the law asks for a verified identity).</summary>
    public AssuranceLevel RequiredLevel { get; private set; } = AssuranceLevel.L1;

    public void RequireLevel(AssuranceLevel level, DateTimeOffset now) => (RequiredLevel, UpdatedAt) = (level, now);

    public ServiceGuide Guide => new(
        Materials, new Fee(FeeKind, FeeFen), new LocalizedText(LegalBasisZh, LegalBasisEn), PromisedDays, Visits, OnlineModes, ExternalUrl, Keywords);

    public void AssignTo((string RegionCode, string Code) department) =>
        (DepartmentRegionCode, DepartmentCode) = department;

    public void Describe(LocalizedText name, LocalizedText description)
    {
        (NameZh, NameEn) = (name.Zh, name.En);
        (DescriptionZh, DescriptionEn) = (description.Zh, description.En);
    }

    public void ReviseGuide(ServiceGuide guide, DateTimeOffset now)
    {
        Materials = guide.Materials;
        FeeKind = guide.Fee.Kind;
        FeeFen = guide.Fee.Fen;
        (LegalBasisZh, LegalBasisEn) = (guide.LegalBasis.Zh, guide.LegalBasis.En);
        PromisedDays = guide.PromisedDays;
        Visits = guide.Visits;
        OnlineModes = guide.Online;
        ExternalUrl = guide.ExternalUrl;
        Keywords = guide.Keywords;
        UpdatedAt = now;
    }
}
