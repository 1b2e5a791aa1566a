using CityService.Core.Common;
using CityService.RegistrySimulator;

namespace CityService.Tests.Infrastructure;

/// <summary>Photos as phones send them: large colour JPEGs, stored turned with an EXIF orientation, with data after the image.</summary>
public static class PhonePhotos
{
    /// <summary>
    /// A colour JPEG of <paramref name="person"/>'s live face at <paramref name="width"/>×<paramref name="height"/> (as the
    /// person sees it). With <paramref name="exifOrientation"/> 6 the pixels are stored turned a quarter to the left, as a
    /// phone held upright stores them, and the EXIF tag says to turn them back. <paramref name="padTo"/> appends bytes
    /// after the image (phones append a preview or depth map there) up to that file size.
    /// </summary>
    public static byte[] Jpeg(SimulatedPerson person, int width = 1200, int height = 1600, int exifOrientation = 1, int padTo = 0, int seed = 21, bool withExif = true)
    {
        var face = person.LiveSnapshot(seed);
        var gray = Photo.Resize(face.Pixels, face.Width, face.Height, 1, width, height);
        var (storedWidth, storedHeight) = (width, height);
        if (exifOrientation == 6)
        {
            gray = TurnLeft(gray, width, height);
            (storedWidth, storedHeight) = (height, width);
        }

        var rgb = new byte[gray.Length * 3];
        for (var i = 0; i < gray.Length; i++)
        {
            rgb[i * 3] = (byte)Math.Min(255, gray[i] + 12); // a warm tint: the registry compares luminance
            rgb[(i * 3) + 1] = gray[i];
            rgb[(i * 3) + 2] = (byte)Math.Max(0, gray[i] - 12);
        }

        var jpeg = Photo.EncodeJpeg(rgb, storedWidth, storedHeight, 3, quality: 92);
        if (withExif)
        {
            jpeg = [.. jpeg[..2], .. ExifSegment(exifOrientation), .. jpeg[2..]];
        }

        return padTo > jpeg.Length ? [.. jpeg, .. new byte[padTo - jpeg.Length]] : jpeg;
    }

    /// <summary>The start of a HEIC file (an iPhone's default): an ISO-BMFF <c>ftyp</c> box with the brand <c>heic</c>.</summary>
    public static byte[] Heic() =>
        [0, 0, 0, 0x18, .. "ftypheic"u8, 0, 0, 0, 0, .. "mif1heic"u8, 0, 0, 0, 0x10, .. "meta"u8, .. new byte[4096]];

    /// <summary>An APP1 segment with a TIFF header and one IFD entry: Orientation (0x0112), SHORT, 1 value.</summary>
    private static byte[] ExifSegment(int orientation) =>
    [
        0xFF, 0xE1, 0, 34, .. "Exif"u8, 0, 0,
        .. "MM"u8, 0, 0x2A, 0, 0, 0, 8,
        0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, (byte)orientation, 0, 0,
        0, 0, 0, 0,
    ];

    private static byte[] TurnLeft(byte[] pixels, int width, int height)
    {
        var turned = new byte[pixels.Length];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                turned[((width - 1 - x) * height) + y] = pixels[(y * width) + x]; // (x, y) → (y, width − 1 − x) in a height-wide image
            }
        }

        return turned;
    }
}
