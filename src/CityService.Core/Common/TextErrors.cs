namespace CityService.Core.Common;

/// <summary>The stable error codes the text check of every input answers with (the <c>code</c> of its problem details); clients may rely on them.</summary>
public static class TextErrors
{
    public const string InvalidCharacter = "text.invalid-character";
    public const string InvalidName = "text.invalid-name";
    public const string TooLong = "text.too-long";
}
