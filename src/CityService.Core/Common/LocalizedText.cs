namespace CityService.Core.Common;

/// <summary>A user-facing text in Chinese (the default) and English.</summary>
public sealed record LocalizedText(string Zh, string En)
{
    public string In(bool english) => english && !string.IsNullOrWhiteSpace(En) ? En : Zh;
}
