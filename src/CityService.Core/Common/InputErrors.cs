namespace CityService.Core.Common;

/// <summary>The stable error codes of the checks every input passes (text, photos): the <c>code</c> of their problem details.</summary>
public static class InputErrors
{
    public static class Text
    {
        public const string InvalidCharacter = "text.invalid-character";
        public const string InvalidName = "text.invalid-name";
        public const string TooLong = "text.too-long";
    }

    public static class Photo
    {
        public const string Heic = "photo.heic";
        public const string TooLarge = "photo.too-large";
        public const string Unreadable = "photo.unreadable";
        public const string UnsupportedType = "photo.unsupported-type";
    }
}
