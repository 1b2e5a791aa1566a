using CityService.Core.Catalog;
using CityService.Core.Common;
using CityService.Core.Identity;

namespace CityService.Web.Features.Catalog;

public sealed record DepartmentDto(string RegionCode, string Code, string NameZh, string NameEn)
{
    public static DepartmentDto From(DepartmentRef d) => new(d.RegionCode, d.Code, d.Name.Zh, d.Name.En);
}

/// <summary>Where to handle the item in person: a service hall of the region or of the nearest region above it that has one.</summary>
public sealed record HallDto(string RegionCode, string Code, LocalizedText Name, LocalizedText Address, LocalizedText Hours, string Phone)
{
    public static HallDto From(HallRef h) => new(h.RegionCode, h.Code, h.Name, h.Address, h.Hours, h.Phone);
}

/// <summary>Whom to call: the enquiry number (the guide's or the department's; null when none is listed) and the complaint number.</summary>
public sealed record PhonesDto(string? Enquiry, string Complaint);

public sealed record FeeDto(FeeKind Kind, long? Fen, string? Display)
{
    public static FeeDto From(Fee fee) => new(fee.Kind, fee.Fen, fee.Amount?.ToString());
}

public sealed record ServiceSummaryDto(
    string Code,
    ServiceField Field,
    string NameZh,
    string NameEn,
    string DescriptionZh,
    string DescriptionEn,
    DepartmentDto Department,
    FeeDto Fee,
    int PromisedDays,
    Visits Visits,
    IReadOnlyList<OnlineMode> Online,
    AssuranceLevel RequiredLevel,
    string DefinedIn)
{
    public static ServiceSummaryDto From(EffectiveServiceItem i) => new(
        i.Code, i.Field, i.Name.Zh, i.Name.En, i.Description.Zh, i.Description.En, DepartmentDto.From(i.Department),
        FeeDto.From(i.Guide.Fee), i.Guide.PromisedDays, i.Guide.Visits, i.Guide.Online, i.RequiredLevel, i.DefinedIn);
}

public sealed record GuideDto(
    IReadOnlyList<LocalizedText> Materials,
    FeeDto Fee,
    LocalizedText LegalBasis,
    int PromisedDays,
    Visits Visits,
    IReadOnlyList<OnlineMode> Online,
    string? ExternalUrl,
    IReadOnlyList<string> Keywords,
    IReadOnlyList<LocalizedText> Conditions,
    IReadOnlyList<LocalizedText> Steps,
    IReadOnlyList<HallDto> Halls,
    PhonesDto Phones,
    IReadOnlyList<FaqEntry> Faq)
{
    public static GuideDto From(EffectiveServiceItem i) => new(
        i.Guide.Materials, FeeDto.From(i.Guide.Fee), i.Guide.LegalBasis, i.Guide.PromisedDays, i.Guide.Visits, i.Guide.Online, i.Guide.ExternalUrl, i.Guide.Keywords,
        i.Guide.Conditions, i.Guide.Steps, i.Halls.Select(HallDto.From).ToList(), new PhonesDto(i.EnquiryPhone, i.ComplaintPhone), i.Guide.Faq);
}

public sealed record ServiceDetailDto(
    string Code,
    string RegionCode,
    ServiceField Field,
    string NameZh,
    string NameEn,
    string DescriptionZh,
    string DescriptionEn,
    DepartmentDto Department,
    GuideDto Guide,
    AssuranceLevel RequiredLevel,
    string DefinedIn,
    IReadOnlyList<string> OverriddenIn,
    DateTimeOffset UpdatedAt)
{
    public static ServiceDetailDto From(string regionCode, EffectiveServiceItem i) => new(
        i.Code, regionCode, i.Field, i.Name.Zh, i.Name.En, i.Description.Zh, i.Description.En,
        DepartmentDto.From(i.Department), GuideDto.From(i), i.RequiredLevel, i.DefinedIn, i.OverriddenIn, i.UpdatedAt);
}

public sealed record ServiceListDto(IReadOnlyList<ServiceSummaryDto> Items, int Total, int Page, int PageSize);

public sealed record FieldCountDto(ServiceField Field, string NameZh, string NameEn, int Count);

/// <summary>Whether the signed-in citizen may start the service now.</summary>
public sealed record EligibilityDto(bool Allowed, AssuranceLevel RequiredLevel, AssuranceLevel CurrentLevel);
