using System.Text.Json.Serialization;
using CityService.Core.Common;

namespace CityService.Core.Catalog;

/// <summary>The twelve fields the catalog is organised in (the seeds' "100 items in 12 fields"). The English names are what a person
/// would say (公安 is "Public security", not "Policing"); the slugs stay as they are, clients rely on them.</summary>
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
        (ServiceField.Transportation, "transportation", new("交通出行", "Transport")),
        (ServiceField.Policing, "policing", new("公安服务", "Public security")),
        (ServiceField.CivilAffairs, "civil-affairs", new("民政服务", "Family and welfare")),
        (ServiceField.CriminalJustice, "criminal-justice", new("司法服务", "Legal services")),
        (ServiceField.Tax, "tax", new("税务服务", "Taxes")),
        (ServiceField.Healthcare, "healthcare", new("医疗健康", "Health care")),
        (ServiceField.Utilities, "utilities", new("生活缴费", "Household bills")),
        (ServiceField.HousingFund, "housing-fund", new("住房公积金", "Housing provident fund")),
        (ServiceField.Education, "education", new("教育服务", "Education")),
        (ServiceField.Tourism, "tourism", new("文化旅游", "Culture and tourism")),
        (ServiceField.ExitEntry, "exit-entry", new("出入境", "Passports and permits")),
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
