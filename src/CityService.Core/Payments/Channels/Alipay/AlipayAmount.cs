using System.Globalization;

namespace CityService.Core.Payments.Channels.Alipay;

/// <summary>
/// Amounts on Alipay's wire are yuan with exactly two decimals (<c>"200.00"</c>); inside they are fen. Converted with
/// integer arithmetic only; anything else (no decimals, one decimal, a sign, exponent, spaces, leading zeros, more
/// than 100 million yuan — Alipay's own limit) is refused.
/// </summary>
public static class AlipayAmount
{
    /// <summary>Alipay's largest amount of one trade: 100,000,000.00 yuan.</summary>
    public const long MaxFen = 10_000_000_000;

    public static string ToYuan(long fen)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(fen);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(fen, MaxFen);
        return (fen / 100).ToString(CultureInfo.InvariantCulture) + "." + (fen % 100).ToString("00", CultureInfo.InvariantCulture);
    }

    /// <summary>A signed amount of a bill file (refund lines are negative, e.g. <c>"-50.00"</c>).</summary>
    public static bool TryParseSignedFen(string? text, out long fen)
    {
        if (text is ['-', .. var rest] && TryParseFen(rest, out var positive))
        {
            fen = -positive;
            return true;
        }

        return TryParseFen(text, out fen);
    }

    public static bool TryParseFen(string? text, out long fen)
    {
        fen = 0;
        if (text is null || text.Length < 4 || text.Length > 13 || text[^3] != '.')
        {
            return false;
        }

        long whole = 0;
        for (var i = 0; i < text.Length - 3; i++)
        {
            var c = text[i];
            if (c is < '0' or > '9' || (i == 0 && c == '0' && text.Length > 4))
            {
                return false;
            }

            whole = (whole * 10) + (c - '0');
        }

        if (text[^2] is < '0' or > '9' || text[^1] is < '0' or > '9')
        {
            return false;
        }

        var result = (whole * 100) + ((text[^2] - '0') * 10) + (text[^1] - '0');
        if (result > MaxFen)
        {
            return false;
        }

        fen = result;
        return true;
    }
}
