using System.Globalization;

namespace CityService.Core.Common;

/// <summary>An amount of Chinese yuan held as integer fen (1 yuan = 100 fen); never a floating value.</summary>
public readonly record struct Money(long Fen)
{
    public static Money Zero => new(0);

    public static Money FromYuan(long yuan) => new(checked(yuan * 100));

    /// <summary>Formats as <c>¥12.50</c> with the invariant culture, so the output never depends on the server's locale.</summary>
    public override string ToString()
    {
        var sign = Fen < 0 ? "-" : string.Empty;
        var abs = Math.Abs(Fen);
        return string.Create(CultureInfo.InvariantCulture, $"{sign}¥{abs / 100}.{abs % 100:00}");
    }
}
