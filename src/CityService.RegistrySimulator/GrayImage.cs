using CityService.Core.Common;
using StbImageSharp;

namespace CityService.RegistrySimulator;

/// <summary>An 8-bit grayscale image, row by row, top to bottom (0 = black, 255 = white).</summary>
public sealed class GrayImage
{
    private readonly byte[] _pixels;

    public GrayImage(int width, int height, byte[] pixels)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentNullException.ThrowIfNull(pixels);
        if (pixels.Length != width * height)
        {
            throw new ArgumentException($"A {width}×{height} image has {width * height} pixels, not {pixels.Length}.", nameof(pixels));
        }

        Width = width;
        Height = height;
        _pixels = pixels;
    }

    public int Width { get; }

    public int Height { get; }

    public ReadOnlySpan<byte> Pixels => _pixels;

    public byte this[int x, int y] => _pixels[(y * Width) + x];

    /// <summary>
    /// Resamples to <paramref name="width"/>×<paramref name="height"/>: each target pixel is the mean of the source pixels
    /// its area covers (box filter), or the nearest source pixel when enlarging.
    /// </summary>
    public GrayImage Resize(int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        return width == Width && height == Height ? this : new GrayImage(width, height, Photo.Resize(_pixels, Width, Height, 1, width, height));
    }

    /// <summary>An 8-bit grayscale PNG (colour type 0).</summary>
    public byte[] ToPng() => Photo.EncodePng(_pixels, Width, Height, 1);

    /// <summary>A grayscale baseline JPEG.</summary>
    public byte[] ToJpeg(int quality = 90) => Photo.EncodeJpeg(_pixels, Width, Height, 1, quality);

    /// <summary>
    /// Reads a PNG or JPEG (StbImageSharp: every PNG colour type, bit depth and interlacing; baseline and progressive JPEG)
    /// as luminance: gray as stored, colour by ITU-R BT.601 weights, alpha ignored. Anything else, or an image wider or
    /// taller than <see cref="MaxDimension"/>, is refused with an <see cref="ImageFormatException"/>.
    /// </summary>
    public static GrayImage Decode(byte[] file)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (!IsPng(file) && !IsJpeg(file))
        {
            throw new ImageFormatException("Not a PNG or JPEG file.");
        }

        if (!Photo.IsWellFormed(file))
        {
            throw new ImageFormatException("The image is damaged or cut short (a PNG chunk or JPEG segment runs past the end, or a PNG CRC does not match).");
        }

        try
        {
            using var stream = new MemoryStream(file, writable: false);
            var info = ImageInfo.FromStream(stream) ?? throw new ImageFormatException("The image header cannot be read.");
            if (info.Width > MaxDimension || info.Height > MaxDimension)
            {
                throw new ImageFormatException($"The image is larger than {MaxDimension}×{MaxDimension} pixels.");
            }

            var gray = info.ColorComponents is ColorComponents.Grey or ColorComponents.GreyAlpha;
            var image = ImageResult.FromMemory(file, gray ? ColorComponents.Grey : ColorComponents.RedGreenBlue);
            return new GrayImage(image.Width, image.Height, gray ? image.Data : Luminance(image.Data));
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or IndexOutOfRangeException or OverflowException)
        {
            throw new ImageFormatException("The image cannot be decoded: " + e.Message, e);
        }
    }

    /// <summary>Largest width or height read, which also bounds the memory a decoding can claim.</summary>
    public const int MaxDimension = 2048;

    private static bool IsPng(ReadOnlySpan<byte> file) => file.StartsWith((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);

    private static bool IsJpeg(ReadOnlySpan<byte> file) => file.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]);

    private static byte[] Luminance(byte[] rgb)
    {
        var luminance = new byte[rgb.Length / 3];
        for (var i = 0; i < luminance.Length; i++)
        {
            var p = i * 3;
            luminance[i] = (byte)(((299 * rgb[p]) + (587 * rgb[p + 1]) + (114 * rgb[p + 2]) + 500) / 1000);
        }

        return luminance;
    }
}

/// <summary>An image the simulator cannot read: not a PNG or JPEG, damaged, or too large.</summary>
public sealed class ImageFormatException : FormatException
{
    public ImageFormatException()
    {
    }

    public ImageFormatException(string message)
        : base(message)
    {
    }

    public ImageFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
