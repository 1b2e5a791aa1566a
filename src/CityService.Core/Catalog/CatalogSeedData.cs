using System.Reflection;
using System.Text.Json;
using CityService.Core.Common;
using CityService.Core.Identity;

namespace CityService.Core.Catalog;

/// <summary>The demo departments and catalog shipped as <c>Catalog/Data/catalog.json</c> (format: SCHEMA.md beside it).</summary>
public sealed record CatalogSeedData(
    IReadOnlyList<CatalogSeedData.DepartmentRow> Departments,
    IReadOnlyList<CatalogSeedData.ItemRow> Items,
    IReadOnlyList<CatalogSeedData.OverrideRow> Overrides,
    IReadOnlyList<CatalogSeedData.HallRow> Halls)
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        AllowTrailingCommas = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
    };

    public static CatalogSeedData Load()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("catalog.json")
            ?? throw new InvalidOperationException("The embedded catalog.json is missing from the build.");
        return JsonSerializer.Deserialize<CatalogSeedData>(stream, Options)
            ?? throw new InvalidOperationException("catalog.json is empty.");
    }

    public sealed record DepartmentRow(string Region, string Code, string NameZh, string NameEn, string? Phone = null);

    public sealed record HallRow(
        string Region,
        string Code,
        LocalizedText Name,
        LocalizedText Address,
        LocalizedText Hours,
        string Phone,
        IReadOnlyList<ServiceField>? Fields = null);

    public sealed record FeeRow(FeeKind Kind, long? Fen)
    {
        public Fee ToFee() => new(Kind, Kind == FeeKind.Fixed ? Fen : null);
    }

    public sealed record ItemRow(
        string Region,
        string Code,
        ServiceField Field,
        string DepartmentRegion,
        string Department,
        string NameZh,
        string NameEn,
        string DescriptionZh,
        string DescriptionEn,
        IReadOnlyList<LocalizedText> Materials,
        FeeRow Fee,
        LocalizedText LegalBasis,
        int PromisedDays,
        Visits Visits,
        IReadOnlyList<OnlineMode> Online,
        string? ExternalUrl,
        IReadOnlyList<string> Keywords,
        AssuranceLevel? RequiredLevel = null,
        IReadOnlyList<LocalizedText>? Conditions = null,
        IReadOnlyList<LocalizedText>? Steps = null,
        IReadOnlyList<FaqEntry>? Faq = null,
        string? EnquiryPhone = null,
        string? ComplaintPhone = null)
    {
        public ServiceGuide Guide => new(Materials, Fee.ToFee(), LegalBasis, PromisedDays, Visits, Online, ExternalUrl, Keywords)
        {
            Conditions = Conditions ?? [],
            Steps = Steps ?? [],
            Faq = Faq ?? [],
            EnquiryPhone = EnquiryPhone,
            ComplaintPhone = ComplaintPhone,
        };
    }

    public sealed record OverrideRow(
        string Region,
        string Service,
        bool? Enabled,
        string? DepartmentRegion,
        string? Department,
        IReadOnlyList<LocalizedText>? Materials,
        FeeRow? Fee,
        LocalizedText? LegalBasis,
        int? PromisedDays,
        Visits? Visits,
        IReadOnlyList<OnlineMode>? Online,
        string? ExternalUrl,
        IReadOnlyList<string>? Keywords,
        IReadOnlyList<LocalizedText>? Conditions = null,
        IReadOnlyList<LocalizedText>? Steps = null,
        IReadOnlyList<FaqEntry>? Faq = null,
        string? EnquiryPhone = null,
        string? ComplaintPhone = null)
    {
        public GuidePatch Patch => new(Materials, Fee?.ToFee(), LegalBasis, PromisedDays, Visits, Online, ExternalUrl, Keywords)
        {
            Conditions = Conditions,
            Steps = Steps,
            Faq = Faq,
            EnquiryPhone = EnquiryPhone,
            ComplaintPhone = ComplaintPhone,
        };
    }
}
