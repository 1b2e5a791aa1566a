namespace CityService.Core.Common;

/// <summary>Whether a text may span lines: single-line text refuses every control character, multi-line text allows tab and line breaks.</summary>
public enum TextKind
{
    SingleLine,
    MultiLine,
}

/// <summary>
/// What text the platform accepts from outside, in one place: no C0 or C1 control characters (NUL included; a
/// multi-line text may hold tab, CR and LF), no DEL, no lone surrogate halves, no noncharacters U+FFFE/U+FFFF, and at
/// most a given number of characters. PostgreSQL cannot store NUL and neither database should store the rest.
/// The web host applies <see cref="Check"/> to every JSON string, route value, query value and form field; Core code
/// applies it to text that arrives inside other formats (e.g. the <c>sub</c> of a channel's signed assertion).
/// </summary>
public static class TextInput
{
    /// <summary>The cap for any text whose field has no smaller natural limit.</summary>
    public const int DefaultMaxLength = 4096;

    /// <summary>Null when <paramref name="value"/> is acceptable, otherwise the 400 error naming <paramref name="parameter"/>.</summary>
    public static Error? Check(string? value, string parameter, int maxLength = DefaultMaxLength, TextKind kind = TextKind.SingleLine)
    {
        if (value is null)
        {
            return null;
        }

        if (value.Length > maxLength)
        {
            return Error.Invalid(parameter, InputErrors.Text.TooLong,
                $"“{parameter}”过长：最多 {maxLength} 个字符。", $"'{parameter}' is too long: at most {maxLength} characters.");
        }

        var bad = FirstInvalid(value, kind);
        return bad < 0 ? null : Error.Invalid(parameter, InputErrors.Text.InvalidCharacter,
            $"“{parameter}”含有不允许的字符（控制字符或无效的 Unicode，位置 {bad + 1}）。",
            $"'{parameter}' contains a character that is not allowed (a control character or invalid Unicode, at position {bad + 1}).");
    }

    /// <summary>The index of the first character that is not allowed, or -1.</summary>
    public static int FirstInvalid(ReadOnlySpan<char> value, TextKind kind = TextKind.SingleLine)
    {
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsHighSurrogate(c))
            {
                if (i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
                {
                    i++;
                    continue;
                }

                return i;
            }

            if (char.IsLowSurrogate(c) || c is '\uFFFE' or '\uFFFF')
            {
                return i;
            }

            if (char.IsControl(c) && !(kind == TextKind.MultiLine && c is '\t' or '\r' or '\n'))
            {
                return i;
            }
        }

        return -1;
    }
}
