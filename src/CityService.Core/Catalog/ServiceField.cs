using System.Text.Json.Serialization;
using CityService.Core.Common;

namespace CityService.Core.Catalog;

/// <summary>The twelve fields the catalog is organised in (the seeds' "100 items in 12 fields").</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ServiceField>))]
public enum ServiceField
{
    [JsonStringEnumMemberName("social-security")] SocialSecurity,
    [JsonStringEnumMemberName("transportation")] Transportation,
    [JsonStringEnumMemberName("policing")] Policing,
    [JsonStringEnumMemberName("civil-affairs")] CivilAffairs,
    [JsonStringEnumMemberName("criminal-justice")] CriminalJustice,
    [JsonStringEnumMemberName("tax")] Tax,
    [JsonStringEnumMemberName("healthcare")] Healthcare,
    [JsonStringEnumMemberName("utilities")] Utilities,
    [JsonStringEnumMemberName("housing-fund")] HousingFund,
    [JsonStringEnumMemberName("education")] Education,
    [JsonStringEnumMemberName("tourism")] Tourism,
    [JsonStringEnumMemberName("exit-entry")] ExitEntry,
}

[JsonConverter(typeof(JsonStringEnumConverter<FeeKind>))]
public enum FeeKind
{
    [JsonStringEnumMemberName("free")] Free,
    [JsonStringEnumMemberName("fixed")] Fixed,
    [JsonStringEnumMemberName("by-bill")] ByBill,
}

/// <summary>How often a citizen must appear in person ("run at most once": none or once is the goal).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<Visits>))]
public enum Visits
{
    [JsonStringEnumMemberName("none")] None,
    [JsonStringEnumMemberName("once")] Once,
    [JsonStringEnumMemberName("more")] More,
}

[JsonConverter(typeof(JsonStringEnumConverter<OnlineMode>))]
public enum OnlineMode
{
    [JsonStringEnumMemberName("form")] Form,
    [JsonStringEnumMemberName("payment")] Payment,
    [JsonStringEnumMemberName("appointment")] Appointment,
    [JsonStringEnumMemberName("report")] Report,
    [JsonStringEnumMemberName("external-link")] ExternalLink,
}

public static class ServiceFields
{
    private static readonly (ServiceField Field, string Slug, LocalizedText Name)[] All =
    [
        (ServiceField.SocialSecurity, "social-security", new("社会保障", "Social security")),
        (ServiceField.Transportation, "transportation", new("交通出行", "Transportation")),
        (ServiceField.Policing, "policing", new("公安服务", "Policing")),
        (ServiceField.CivilAffairs, "civil-affairs", new("民政服务", "Civil affairs")),
        (ServiceField.CriminalJustice, "criminal-justice", new("司法服务", "Criminal justice")),
        (ServiceField.Tax, "tax", new("税务服务", "Tax")),
        (ServiceField.Healthcare, "healthcare", new("医疗健康", "Healthcare")),
        (ServiceField.Utilities, "utilities", new("生活缴费", "Utilities")),
        (ServiceField.HousingFund, "housing-fund", new("住房公积金", "Housing fund")),
        (ServiceField.Education, "education", new("教育服务", "Education")),
        (ServiceField.Tourism, "tourism", new("文化旅游", "Tourism")),
        (ServiceField.ExitEntry, "exit-entry", new("出入境", "Exit & entry")),
    ];

    public static IReadOnlyList<ServiceField> Ordered { get; } = All.Select(f => f.Field).ToArray();

    public static string Slug(this ServiceField field) => All[(int)field].Slug;

    public static LocalizedText DisplayName(this ServiceField field) => All[(int)field].Name;

    public static ServiceField? FromSlug(string? slug) =>
        All.Where(f => string.Equals(f.Slug, slug, StringComparison.OrdinalIgnoreCase)).Select(f => (ServiceField?)f.Field).FirstOrDefault();

    public static Error Unknown(string? given) => Error.Invalid(
        "field",
        CatalogErrors.FieldUnknown,
        $"未知的服务领域“{given}”。可用：{string.Join("、", All.Select(f => f.Slug))}。",
        $"Unknown service field '{given}'. Use one of: {string.Join(", ", All.Select(f => f.Slug))}.");
}
