using CityService.Core.Common;

namespace CityService.Core.Identity;

/// <summary>A mainland China mobile number (11 digits starting 13–19), normalised without spaces or +86.</summary>
public sealed record PhoneNumber
{
    private PhoneNumber(string value) => Value = value;

    public string Value { get; }

    /// <summary>138****8000: first 3 and last 4 digits.</summary>
    public string Masked => Mask(Value);

    /// <summary>The one masking rule for phone numbers shown to anyone: first 3 and last 4 digits.</summary>
    public static string Mask(string phone) => phone.Length < 7 ? new string('*', phone.Length) : phone[..3] + "****" + phone[^4..];

    public override string ToString() => Masked;

    public static Result<PhoneNumber> Parse(string? input, string parameter = "phone")
    {
        var digits = new string((input ?? string.Empty).Where(c => c is not (' ' or '-')).ToArray());
        if (digits.StartsWith("+86", StringComparison.Ordinal))
        {
            digits = digits[3..];
        }
        else if (digits.StartsWith("0086", StringComparison.Ordinal))
        {
            digits = digits[4..];
        }

        return digits.Length == 11 && digits[0] == '1' && digits[1] is >= '3' and <= '9' && digits.All(char.IsAsciiDigit)
            ? new PhoneNumber(digits)
            : Error.Invalid(parameter, IdentityErrors.Phone.Malformed,
                "手机号码格式不正确：应为 11 位中国大陆手机号，例如 13800138000。",
                "The phone number is not valid: use an 11-digit mainland China mobile number, e.g. 13800138000.");
    }
}
