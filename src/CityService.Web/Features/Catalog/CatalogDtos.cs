using CityService.Core.Catalog;
using CityService.Core.Common;
using CityService.Core.Identity;

namespace CityService.Web.Features.Catalog;

public sealed record DepartmentDto(string RegionCode, string Code, string NameZh, string NameEn)
{
    public static DepartmentDto From(DepartmentRef d) => new(d.RegionCode, d.Code, d.Name.Zh, d.Name.En);
}

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
    IReadOnlyList<string> Keywords)
{
    public static GuideDto From(ServiceGuide g) => new(g.Materials, FeeDto.From(g.Fee), g.LegalBasis, g.PromisedDays, g.Visits, g.Online, g.ExternalUrl, g.Keywords);
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
        DepartmentDto.From(i.Department), GuideDto.From(i.Guide), i.RequiredLevel, i.DefinedIn, i.OverriddenIn, i.UpdatedAt);
}

public sealed record ServiceListDto(IReadOnlyList<ServiceSummaryDto> Items, int Total, int Page, int PageSize);

public sealed record FieldCountDto(ServiceField Field, string NameZh, string NameEn, int Count);

/// <summary>Whether the signed-in citizen may start the service now.</summary>
public sealed record EligibilityDto(bool Allowed, AssuranceLevel RequiredLevel, AssuranceLevel CurrentLevel);
