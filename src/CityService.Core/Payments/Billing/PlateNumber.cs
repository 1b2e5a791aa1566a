using System.Text;
using System.Text.RegularExpressions;

namespace CityService.Core.Payments.Billing;

/// <summary>
/// A Chinese motor-vehicle plate, normalised: province character, issuing-authority letter, then 5 characters (blue or
/// yellow plates, 浙A12345) or 6 (new-energy green plates, 浙AD12345). Spaces, the middle dot and hyphens people type are
/// dropped and letters upper-cased, so "浙a·d12345" and "浙AD12345" are one plate (and one blind index).
/// </summary>
public static partial class PlateNumber
{
    private const string Provinces = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼";

    public static string? Normalise(string? input)
    {
        if (string.IsNullOrWhiteSpace(input) || input.Length > 20)
        {
            return null;
        }

        var plate = new StringBuilder(8);
        foreach (var c in input)
        {
            if (c is ' ' or '·' or '•' or '-' or '.' or '\u3000')
            {
                continue;
            }

            plate.Append(char.ToUpperInvariant(c));
        }

        var value = plate.ToString();
        return value.Length >= 7 && Provinces.Contains(value[0], StringComparison.Ordinal) && Shape().IsMatch(value[1..]) ? value : null;
    }

    /// <summary>What a lookup may show: 浙A***45 (province, authority letter, the last two characters).</summary>
    public static string Mask(string plate) => plate.Length < 4 ? new string('*', plate.Length) : plate[..2] + "***" + plate[^2..];

    // The authority letter, then 5 (classic) or 6 (new energy) letters and digits; I and O are never used on plates.
    [GeneratedRegex("^[A-HJ-NP-Z][A-HJ-NP-Z0-9]{5,6}$", RegexOptions.CultureInvariant)]
    private static partial Regex Shape();
}
