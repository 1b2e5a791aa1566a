using System.Globalization;
using CityService.Core.Common;

namespace CityService.Core.Identity;

/// <summary>
/// A citizen's resident identity number (公民身份号码) by GB 11643-1999: six-digit address code,
/// birth date YYYYMMDD, three-digit sequence (odd for men), and an ISO 7064 MOD 11-2 check character.
/// </summary>
public sealed record ResidentIdNumber
{
    private static readonly int[] Weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    private const string CheckCharacters = "10X98765432"; // index = weighted sum mod 11

    // Provincial prefixes of GB/T 2260 (incl. Taiwan 71, Hong Kong 81, Macao 82 as issued on mainland documents).
    private static readonly HashSet<string> ProvincePrefixes =
    [
        "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
        "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65",
        "71", "81", "82",
    ];

    private ResidentIdNumber(string value, DateOnly birthDate)
    {
        Value = value;
        BirthDate = birthDate;
    }

    /// <summary>The canonical 18 characters (a lower-case x is normalised to X).</summary>
    public string Value { get; }

    public DateOnly BirthDate { get; }

    public string AddressCode => Value[..6];

    public bool IsMale => (Value[16] - '0') % 2 == 1;

    /// <summary>First 3 and last 4 characters, for everyone but the owner.</summary>
    public string Masked => Mask(Value);

    public static string Mask(string value) => value.Length <= 7 ? new string('*', value.Length) : value[..3] + new string('*', value.Length - 7) + value[^4..];

    public override string ToString() => Masked; // never print the full number by accident

    public static Result<ResidentIdNumber> Parse(string? input, DateOnly today, string parameter = "idNumber")
    {
        var value = (input ?? string.Empty).Trim().ToUpperInvariant();
        if (value.Length != 18)
        {
            return Fail(parameter, "id-number.length", "身份证号码应为 18 位。", "A resident ID number has 18 characters.");
        }

        for (var i = 0; i < 17; i++)
        {
            if (!char.IsAsciiDigit(value[i]))
            {
                return Fail(parameter, "id-number.characters", "身份证号码前 17 位只能是数字，最后一位是数字或 X。", "The first 17 characters of a resident ID number are digits; the last is a digit or X.");
            }
        }

        if (!char.IsAsciiDigit(value[17]) && value[17] != 'X')
        {
            return Fail(parameter, "id-number.characters", "身份证号码前 17 位只能是数字，最后一位是数字或 X。", "The first 17 characters of a resident ID number are digits; the last is a digit or X.");
        }

        if (!ProvincePrefixes.Contains(value[..2]) || value[2..6] == "0000")
        {
            return Fail(parameter, "id-number.region", "身份证号码的地址码（前 6 位）不是有效的行政区划代码。", "The address code (first six digits) of the ID number is not a valid region code.");
        }

        if (!DateOnly.TryParseExact(value[6..14], "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var birth)
            || birth.Year < 1900 || birth > today)
        {
            return Fail(parameter, "id-number.birth-date", "身份证号码中的出生日期不是真实日期或在未来。", "The birth date in the ID number is not a real date, or lies in the future.");
        }

        if (CheckCharacter(value.AsSpan(0, 17)) != value[17])
        {
            return Fail(parameter, "id-number.checksum", "身份证号码校验位不正确，请核对是否输错。", "The check character of the ID number is wrong; please check for a typing mistake.");
        }

        return new ResidentIdNumber(value, birth);
    }

    /// <summary>The ISO 7064 MOD 11-2 check character for the first 17 digits.</summary>
    public static char CheckCharacter(ReadOnlySpan<char> first17)
    {
        var sum = 0;
        for (var i = 0; i < 17; i++)
        {
            sum += (first17[i] - '0') * Weights[i];
        }

        return CheckCharacters[sum % 11];
    }

    /// <summary>Builds a valid number for a generated test person (never a real person's).</summary>
    public static string Generate(string addressCode, DateOnly birth, int sequence)
    {
        var first17 = string.Create(CultureInfo.InvariantCulture, $"{addressCode}{birth:yyyyMMdd}{sequence:000}");
        return first17 + CheckCharacter(first17);
    }

    private static Error Fail(string parameter, string code, string zh, string en) => Error.Invalid(parameter, code, zh, en);
}
