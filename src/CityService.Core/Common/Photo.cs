using System.Buffers.Binary;
using System.IO.Hashing;
using MetadataExtractor;
using MetadataExtractor.Formats.Exif;
using MetadataExtractor.Formats.Jpeg;
using MetadataExtractor.Util;
using StbImageSharp;
using StbImageWriteSharp;
using ReadColors = StbImageSharp.ColorComponents;
using WriteColors = StbImageWriteSharp.ColorComponents;

namespace CityService.Core.Common;

/// <summary>
/// A photo as a person takes it with a phone or picks it on a computer: JPEG or PNG of at most <see cref="MaxBytes"/> and
/// <see cref="MaxPixels"/>. HEIC (an iPhone's default) and other formats are refused with a message that says what to do.
/// <see cref="Prepare"/> decodes it (StbImageSharp), turns it upright by its EXIF orientation (MetadataExtractor), scales it
/// down so that its longer side is at most <see cref="MaxSide"/> and re-encodes it as JPEG (StbImageWriteSharp), which
/// also leaves behind every piece of metadata (location, device) before the photo leaves the platform (ADR 015).
/// </summary>
public static class Photo
{
    /// <summary>Largest upload: a phone camera's full-size JPEG is 3–8 MB.</summary>
    public const int MaxBytes = 10 * 1024 * 1024;

    /// <summary>Largest image decoded (a 50-megapixel camera's full size): bounds the memory one upload can claim.</summary>
    public const long MaxPixels = 52_000_000;

    /// <summary>Longer side of the photo that is passed on.</summary>
    public const int MaxSide = 1024;

    /// <summary>Largest prepared photo: it travels base64 in a request the registry limits to 512 KiB.</summary>
    public const int MaxPreparedBytes = 320 * 1024;

    private const int JpegQuality = 90;

    public static int MaxMegabytes => MaxBytes / (1024 * 1024);

    /// <summary>The upload as an upright JPEG whose longer side is at most <see cref="MaxSide"/>, or why it cannot be used.</summary>
    public static Result<byte[]> Prepare(byte[] upload)
    {
        ArgumentNullException.ThrowIfNull(upload);
        if (upload.Length == 0)
        {
            return Unreadable();
        }

        if (upload.Length > MaxBytes)
        {
            return TooLarge();
        }

        var type = Detect(upload);
        if (type is FileType.Heif)
        {
            return new Error(ErrorKind.UnsupportedType, InputErrors.Photo.Heic, new(
                "暂不支持 HEIC/HEIF 格式的照片。请在手机相机设置中选择“兼容性最佳”（JPEG）后重拍，或选择 JPEG、PNG 格式的照片。",
                "HEIC/HEIF photos are not supported yet. Set the phone camera to 'Most Compatible' (JPEG) and take the photo again, or choose a JPEG or PNG photo."), "image");
        }

        if (type is not (FileType.Jpeg or FileType.Png))
        {
            return new Error(ErrorKind.UnsupportedType, InputErrors.Photo.UnsupportedType, new(
                "照片须为 JPEG 或 PNG 格式。", "The photo must be a JPEG or PNG image."), "image");
        }

        if (!IsWellFormed(upload))
        {
            return Unreadable();
        }

        RgbImage image;
        try
        {
            using var stream = new MemoryStream(upload, writable: false);
            if (ImageInfo.FromStream(stream) is not { } info)
            {
                return Unreadable();
            }

            if ((long)info.Width * info.Height > MaxPixels)
            {
                return TooLarge();
            }

            var decoded = ImageResult.FromMemory(upload, ReadColors.RedGreenBlue);
            image = new RgbImage(decoded.Width, decoded.Height, decoded.Data);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or IndexOutOfRangeException or OverflowException or NotSupportedException)
        {
            return Unreadable(); // stb's "bad huffman code", "corrupt JPEG", truncated data, ...
        }

        var upright = Orient(image, type == FileType.Jpeg ? Orientation(upload) : 1);
        for (var side = MaxSide; ; side /= 2)
        {
            var jpeg = EncodeJpeg(FitWithin(upright, side));
            if (jpeg.Length <= MaxPreparedBytes || side <= 128)
            {
                return jpeg;
            }
        }
    }

    /// <summary>
    /// Whether <paramref name="file"/> is a PNG whose chunks all lie within the file with valid CRCs up to IEND, or a JPEG
    /// whose marker segments all lie within the file up to the start of the scan. StbImageSharp loops forever on a
    /// segment or chunk that claims to run past the end of the file (seen with a 14-byte JPEG and a PNG with a damaged
    /// IDAT length), so nothing reaches it unchecked.
    /// </summary>
    public static bool IsWellFormed(ReadOnlySpan<byte> file) =>
        file.StartsWith(PngSignature) ? IsWellFormedPng(file) : file.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8]) && IsWellFormedJpeg(file);

    /// <summary>Encodes 8-bit samples (1 = gray, 3 = RGB, 4 = RGBA channels) as PNG.</summary>
    public static byte[] EncodePng(byte[] samples, int width, int height, int channels) =>
        Encode(samples, width, height, channels, (writer, colors, stream) => writer.WritePng(samples, width, height, colors, stream));

    /// <summary>Encodes 8-bit samples (1 = gray, 3 = RGB) as a baseline JPEG.</summary>
    public static byte[] EncodeJpeg(byte[] samples, int width, int height, int channels, int quality = JpegQuality) =>
        Encode(samples, width, height, channels, (writer, colors, stream) => writer.WriteJpg(samples, width, height, colors, stream, quality));

    /// <summary>
    /// Resamples <paramref name="channels"/>-channel 8-bit samples: each target sample is the mean of the source samples its
    /// area covers (box filter), or the nearest source sample when enlarging.
    /// </summary>
    public static byte[] Resize(ReadOnlySpan<byte> samples, int width, int height, int channels, int newWidth, int newHeight)
    {
        var result = new byte[newWidth * newHeight * channels];
        Span<long> sums = stackalloc long[channels];
        for (var y = 0; y < newHeight; y++)
        {
            var y0 = (int)((long)y * height / newHeight);
            var y1 = Math.Max(y0 + 1, (int)((long)(y + 1) * height / newHeight));
            for (var x = 0; x < newWidth; x++)
            {
                var x0 = (int)((long)x * width / newWidth);
                var x1 = Math.Max(x0 + 1, (int)((long)(x + 1) * width / newWidth));
                sums.Clear();
                for (var sy = y0; sy < y1; sy++)
                {
                    var row = samples.Slice(((sy * width) + x0) * channels, (x1 - x0) * channels);
                    for (var i = 0; i < row.Length; i++)
                    {
                        sums[i % channels] += row[i];
                    }
                }

                var count = (long)(y1 - y0) * (x1 - x0);
                for (var c = 0; c < channels; c++)
                {
                    result[(((y * newWidth) + x) * channels) + c] = (byte)((sums[c] + (count / 2)) / count);
                }
            }
        }

        return result;
    }

    private static byte[] Encode(byte[] samples, int width, int height, int channels, Action<ImageWriter, WriteColors, Stream> write)
    {
        ArgumentNullException.ThrowIfNull(samples);
        var colors = channels switch
        {
            1 => WriteColors.Grey,
            2 => WriteColors.GreyAlpha,
            3 => WriteColors.RedGreenBlue,
            4 => WriteColors.RedGreenBlueAlpha,
            _ => throw new ArgumentOutOfRangeException(nameof(channels)),
        };
        if (samples.Length != width * height * channels)
        {
            throw new ArgumentException("The samples do not fill the image.", nameof(samples));
        }

        using var stream = new MemoryStream();
        write(new ImageWriter(), colors, stream); // an ImageWriter keeps state while it writes: one per call
        return stream.ToArray();
    }

    private static ReadOnlySpan<byte> PngSignature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    private static bool IsWellFormedPng(ReadOnlySpan<byte> png)
    {
        var position = PngSignature.Length;
        while (png.Length - position >= 12)
        {
            var length = BinaryPrimitives.ReadUInt32BigEndian(png[position..]);
            if (length > (uint)(png.Length - position - 12))
            {
                return false;
            }

            var typeAndData = png.Slice(position + 4, 4 + (int)length);
            if (Crc32.HashToUInt32(typeAndData) != BinaryPrimitives.ReadUInt32BigEndian(png[(position + 8 + (int)length)..]))
            {
                return false; // damaged on the way
            }

            if (typeAndData.StartsWith("IEND"u8))
            {
                return true;
            }

            position += 12 + (int)length;
        }

        return false;
    }

    private static bool IsWellFormedJpeg(ReadOnlySpan<byte> jpeg)
    {
        var position = 2;
        while (jpeg.Length - position >= 4 && jpeg[position] == 0xFF)
        {
            var marker = jpeg[position + 1];
            if (marker == 0xFF)
            {
                position++; // fill byte
                continue;
            }

            if (marker is 0x01 or (>= 0xD0 and <= 0xD7))
            {
                position += 2; // a marker without a segment
                continue;
            }

            var length = (jpeg[position + 2] << 8) | jpeg[position + 3];
            if (marker is 0x00 or 0xD8 or 0xD9 || length < 2 || length > jpeg.Length - position - 2)
            {
                return false;
            }

            if (marker == 0xDA)
            {
                return true; // start of scan: the entropy-coded data follows
            }

            position += 2 + length;
        }

        return false;
    }

    private static FileType Detect(byte[] upload)
    {
        using var stream = new MemoryStream(upload, writable: false);
        try
        {
            return FileTypeDetector.DetectFileType(stream);
        }
        catch (IOException)
        {
            return FileType.Unknown;
        }
    }

    /// <summary>The EXIF orientation (1–8) of a JPEG; 1 (as stored) when it has none or it cannot be read.</summary>
    private static int Orientation(byte[] jpeg)
    {
        try
        {
            using var stream = new MemoryStream(jpeg, writable: false);
            var directories = JpegMetadataReader.ReadMetadata(stream, [new ExifReader()]);
            return directories.OfType<ExifIfd0Directory>().FirstOrDefault() is { } exif
                && exif.TryGetInt32(ExifDirectoryBase.TagOrientation, out var orientation) && orientation is >= 1 and <= 8
                ? orientation
                : 1;
        }
        catch (Exception e) when (e is MetadataExtractor.ImageProcessingException or JpegProcessingException or IOException or ArgumentException or IndexOutOfRangeException)
        {
            return 1;
        }
    }

    /// <summary>Applies an EXIF orientation: 2–4 mirror or turn half way, 5–8 swap width and height.</summary>
    private static RgbImage Orient(RgbImage image, int orientation)
    {
        if (orientation == 1)
        {
            return image;
        }

        var (w, h) = (image.Width, image.Height);
        var (newWidth, newHeight) = orientation >= 5 ? (h, w) : (w, h);
        var result = new byte[image.Pixels.Length];
        for (var y = 0; y < newHeight; y++)
        {
            for (var x = 0; x < newWidth; x++)
            {
                var (sx, sy) = orientation switch
                {
                    2 => (w - 1 - x, y),
                    3 => (w - 1 - x, h - 1 - y),
                    4 => (x, h - 1 - y),
                    5 => (y, x),
                    6 => (y, h - 1 - x),
                    7 => (w - 1 - y, h - 1 - x),
                    _ => (w - 1 - y, x),
                };
                image.Pixels.AsSpan(((sy * w) + sx) * 3, 3).CopyTo(result.AsSpan(((y * newWidth) + x) * 3));
            }
        }

        return new RgbImage(newWidth, newHeight, result);
    }

    private static RgbImage FitWithin(RgbImage image, int side)
    {
        var longer = Math.Max(image.Width, image.Height);
        if (longer <= side)
        {
            return image;
        }

        var width = Math.Max(1, (int)Math.Round((double)image.Width * side / longer));
        var height = Math.Max(1, (int)Math.Round((double)image.Height * side / longer));
        return new RgbImage(width, height, Resize(image.Pixels, image.Width, image.Height, 3, width, height));
    }

    private static byte[] EncodeJpeg(RgbImage image) => EncodeJpeg(image.Pixels, image.Width, image.Height, 3);

    public static Error TooLarge() => new(ErrorKind.TooLarge, InputErrors.Photo.TooLarge, new(
        $"照片过大：文件最多 {MaxMegabytes} MB、最多 {MaxPixels / 1_000_000} 百万像素。请选择较小的照片，或在相机中选择较低的分辨率。",
        $"The photo is too large: at most {MaxMegabytes} MB and {MaxPixels / 1_000_000} megapixels. Choose a smaller photo, or a lower resolution in the camera."), "image");

    private static Error Unreadable() => Error.Invalid("image", InputErrors.Photo.Unreadable,
        "照片无法读取（文件为空或已损坏）。请重新拍摄，或选择另一张 JPEG 或 PNG 照片。", "The photo cannot be read (the file is empty or damaged). Take it again, or choose another JPEG or PNG photo.");

    private sealed record RgbImage(int Width, int Height, byte[] Pixels);
}
