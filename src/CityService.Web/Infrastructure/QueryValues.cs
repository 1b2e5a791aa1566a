using System.Globalization;
using CityService.Core.Common;

namespace CityService.Web.Infrastructure;

/// <summary>Parses query values as strings so a bad value is answered with a problem naming the parameter, not a bare 400.</summary>
public static class QueryValues
{
    public static Result<int> WholeNumber(string? raw, string name, int fallback)
    {
        if (string.IsNullOrWhiteSpace(raw))
        {
            return fallback;
        }

        return int.TryParse(raw.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            ? value
            : Error.Invalid(name, HttpErrors.Request.NotAnInteger, $"参数 {name} 必须是整数，收到“{Shorten(raw)}”。", $"{name} must be a whole number; got '{Shorten(raw)}'.");
    }

    public static Result<double> Coordinate(string? raw, string name, int limit)
    {
        if (string.IsNullOrWhiteSpace(raw))
        {
            return Error.Invalid(name, HttpErrors.Request.Missing, $"缺少参数 {name}。", $"{name} is required.");
        }

        if (!double.TryParse(raw.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
        {
            return Error.Invalid(name, HttpErrors.Request.NotANumber, $"参数 {name} 必须是数字，收到“{Shorten(raw)}”。", $"{name} must be a number; got '{Shorten(raw)}'.");
        }

        return Math.Abs(value) > limit
            ? Error.Invalid(name, HttpErrors.Request.OutOfRange, $"参数 {name} 必须在 -{limit} 到 {limit} 之间。", $"{name} must be between -{limit} and {limit}.")
            : value;
    }

    private static string Shorten(string raw) => raw.Length <= 40 ? raw : raw[..40] + "…";
}
