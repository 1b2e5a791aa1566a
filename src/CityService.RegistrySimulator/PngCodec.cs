using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace CityService.RegistrySimulator;

/// <summary>A PNG the simulator cannot read: not a PNG, damaged, or of a kind it does not support.</summary>
public sealed class PngFormatException : FormatException
{
    public PngFormatException()
    {
    }

    public PngFormatException(string message)
        : base(message)
    {
    }

    public PngFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// A minimal PNG codec: writes 8-bit grayscale; reads non-interlaced 8-bit grayscale, grayscale + alpha, RGB and RGBA
/// with all five filter types, converting colour to luminance (ITU-R BT.601 weights; alpha is ignored). Anything else
/// (palette, 1/2/4/16-bit samples, Adam7 interlacing, damaged chunks) is refused with a <see cref="PngFormatException"/>.
/// </summary>
public static class PngCodec
{
    /// <summary>Largest width or height read, which also bounds the memory a decompression can claim.</summary>
    public const int MaxDimension = 2048;

    internal const byte ColourGray = 0;
    internal const byte ColourRgb = 2;
    internal const byte ColourGrayAlpha = 4;
    internal const byte ColourRgba = 6;

    private static readonly byte[] Signature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Encodes an 8-bit grayscale PNG (colour type 0), each row with the Paeth filter.</summary>
    public static byte[] Encode(GrayImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        return EncodeRaw(image.Width, image.Height, ColourGray, image.Pixels, _ => 4);
    }

    /// <summary>Encodes 8-bit samples of a colour type (0, 2, 4, 6) with the filter type <paramref name="filterForRow"/> picks per row.</summary>
    internal static byte[] EncodeRaw(int width, int height, byte colourType, ReadOnlySpan<byte> samples, Func<int, byte> filterForRow)
    {
        var channels = Channels(colourType) ?? throw new ArgumentOutOfRangeException(nameof(colourType));
        var stride = width * channels;
        if (samples.Length != stride * height)
        {
            throw new ArgumentException("The samples do not fill the image.", nameof(samples));
        }

        var filtered = new byte[height * (stride + 1)];
        for (var y = 0; y < height; y++)
        {
            var filter = filterForRow(y);
            var row = samples.Slice(y * stride, stride);
            var previous = y == 0 ? ReadOnlySpan<byte>.Empty : samples.Slice((y - 1) * stride, stride);
            var output = filtered.AsSpan((y * (stride + 1)) + 1, stride);
            filtered[y * (stride + 1)] = filter;
            for (var i = 0; i < stride; i++)
            {
                var a = i >= channels ? row[i - channels] : 0;
                var b = previous.IsEmpty ? 0 : previous[i];
                var c = i >= channels && !previous.IsEmpty ? previous[i - channels] : 0;
                var predictor = Predictor(filter, a, b, c)
                    ?? throw new ArgumentOutOfRangeException(nameof(filterForRow), "PNG filter types are 0–4.");
                output[i] = (byte)(row[i] - predictor);
            }
        }

        byte[] compressed;
        using (var zlib = new MemoryStream())
        {
            using (var deflate = new ZLibStream(zlib, CompressionLevel.Optimal, leaveOpen: true))
            {
                deflate.Write(filtered);
            }

            compressed = zlib.ToArray();
        }

        using var png = new MemoryStream();
        png.Write(Signature);
        Span<byte> header = stackalloc byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header[4..], height);
        header[8] = 8; // bit depth
        header[9] = colourType;
        header[10] = 0; // compression: deflate
        header[11] = 0; // filter method 0
        header[12] = 0; // no interlace
        WriteChunk(png, "IHDR", header);
        WriteChunk(png, "IDAT", compressed);
        WriteChunk(png, "IEND", []);
        return png.ToArray();
    }

    /// <summary>Decodes a PNG to grayscale; throws <see cref="PngFormatException"/> for anything it cannot read.</summary>
    public static GrayImage Decode(ReadOnlySpan<byte> png)
    {
        if (png.Length < Signature.Length || !png[..Signature.Length].SequenceEqual(Signature))
        {
            throw new PngFormatException("Not a PNG file (the 8-byte PNG signature is missing).");
        }

        var position = Signature.Length;
        int width = 0, height = 0;
        byte colourType = 0;
        var sawHeader = false;
        var sawEnd = false;
        using var idat = new MemoryStream();
        while (!sawEnd)
        {
            if (png.Length - position < 12)
            {
                throw new PngFormatException("The PNG ends before its IEND chunk.");
            }

            var length = BinaryPrimitives.ReadUInt32BigEndian(png[position..]);
            var typeBytes = png.Slice(position + 4, 4);
            if (length > int.MaxValue || length > (uint)(png.Length - position - 12))
            {
                throw new PngFormatException("A PNG chunk is longer than the file.");
            }

            foreach (var t in typeBytes)
            {
                if (!char.IsAsciiLetter((char)t))
                {
                    throw new PngFormatException("A PNG chunk has an invalid type.");
                }
            }

            var type = Encoding.ASCII.GetString(typeBytes);
            var data = png.Slice(position + 8, (int)length);
            var storedCrc = BinaryPrimitives.ReadUInt32BigEndian(png[(position + 8 + (int)length)..]);
            if (Crc32.Compute(png.Slice(position + 4, 4 + (int)length)) != storedCrc)
            {
                throw new PngFormatException($"The PNG chunk {type} is damaged (CRC mismatch).");
            }

            position += 12 + (int)length;
            if (!sawHeader && type != "IHDR")
            {
                throw new PngFormatException("The PNG does not start with an IHDR chunk.");
            }

            switch (type)
            {
                case "IHDR":
                    if (sawHeader || length != 13)
                    {
                        throw new PngFormatException("The PNG has a malformed IHDR chunk.");
                    }

                    (width, height, colourType) = ReadHeader(data);
                    sawHeader = true;
                    break;
                case "IDAT":
                    idat.Write(data);
                    break;
                case "IEND":
                    sawEnd = true;
                    break;
                case "PLTE":
                    break; // a suggested palette for truecolour images; not needed
                default:
                    if (char.IsAsciiLetterUpper(type[0]))
                    {
                        throw new PngFormatException($"The PNG has an unknown critical chunk {type}.");
                    }

                    break; // ancillary chunks (text, gamma, ...) are ignored
            }
        }

        if (idat.Length == 0)
        {
            throw new PngFormatException("The PNG has no image data (IDAT).");
        }

        var channels = Channels(colourType)!.Value;
        var stride = width * channels;
        var raw = new byte[(long)height * (stride + 1)];
        idat.Position = 0;
        try
        {
            using var zlib = new ZLibStream(idat, CompressionMode.Decompress);
            zlib.ReadExactly(raw);
        }
        catch (EndOfStreamException e)
        {
            throw new PngFormatException("The PNG's image data is shorter than its size says.", e);
        }
        catch (InvalidDataException e)
        {
            throw new PngFormatException("The PNG's image data is not valid zlib data.", e);
        }

        var samples = Unfilter(raw, width, height, channels);
        return new GrayImage(width, height, ToGray(samples, width * height, colourType));
    }

    private static (int Width, int Height, byte ColourType) ReadHeader(ReadOnlySpan<byte> data)
    {
        var width = BinaryPrimitives.ReadUInt32BigEndian(data);
        var height = BinaryPrimitives.ReadUInt32BigEndian(data[4..]);
        var bitDepth = data[8];
        var colourType = data[9];
        if (width == 0 || height == 0)
        {
            throw new PngFormatException("The PNG has no pixels (width or height is 0).");
        }

        if (width > MaxDimension || height > MaxDimension)
        {
            throw new PngFormatException($"The PNG is larger than {MaxDimension}×{MaxDimension} pixels.");
        }

        if (colourType == 3)
        {
            throw new PngFormatException("Palette (indexed-colour) PNGs are not supported; use 8-bit grayscale, RGB or RGBA.");
        }

        if (Channels(colourType) is null)
        {
            throw new PngFormatException($"The PNG colour type {colourType} is not valid.");
        }

        if (bitDepth != 8)
        {
            throw new PngFormatException($"{bitDepth}-bit PNGs are not supported; use 8 bits per sample.");
        }

        if (data[10] != 0 || data[11] != 0)
        {
            throw new PngFormatException("The PNG uses an unknown compression or filter method.");
        }

        if (data[12] != 0)
        {
            throw new PngFormatException("Interlaced (Adam7) PNGs are not supported.");
        }

        return ((int)width, (int)height, colourType);
    }

    private static byte[] Unfilter(byte[] raw, int width, int height, int channels)
    {
        var stride = width * channels;
        var samples = new byte[stride * height];
        for (var y = 0; y < height; y++)
        {
            var filter = raw[y * (stride + 1)];
            var input = raw.AsSpan((y * (stride + 1)) + 1, stride);
            var row = samples.AsSpan(y * stride, stride);
            var previous = y == 0 ? Span<byte>.Empty : samples.AsSpan((y - 1) * stride, stride);
            for (var i = 0; i < stride; i++)
            {
                var a = i >= channels ? row[i - channels] : 0;
                var b = previous.IsEmpty ? 0 : previous[i];
                var c = i >= channels && !previous.IsEmpty ? previous[i - channels] : 0;
                var predictor = Predictor(filter, a, b, c)
                    ?? throw new PngFormatException($"The PNG row {y} has an unknown filter type {filter}.");
                row[i] = (byte)(input[i] + predictor);
            }
        }

        return samples;
    }

    private static byte[] ToGray(byte[] samples, int pixels, byte colourType)
    {
        switch (colourType)
        {
            case ColourGray:
                return samples;
            case ColourGrayAlpha:
                var gray = new byte[pixels];
                for (var i = 0; i < pixels; i++)
                {
                    gray[i] = samples[i * 2];
                }

                return gray;
            default:
                var channels = colourType == ColourRgb ? 3 : 4;
                var luminance = new byte[pixels];
                for (var i = 0; i < pixels; i++)
                {
                    var p = i * channels;
                    luminance[i] = (byte)(((299 * samples[p]) + (587 * samples[p + 1]) + (114 * samples[p + 2]) + 500) / 1000);
                }

                return luminance;
        }
    }

    private static int? Channels(byte colourType) => colourType switch
    {
        ColourGray => 1,
        ColourRgb => 3,
        ColourGrayAlpha => 2,
        ColourRgba => 4,
        _ => null,
    };

    /// <summary>The value a PNG filter type predicts from the left (a), upper (b) and upper-left (c) bytes; null for an unknown type.</summary>
    private static int? Predictor(byte filter, int a, int b, int c) => filter switch
    {
        0 => 0,
        1 => a,
        2 => b,
        3 => (a + b) / 2,
        4 => Paeth(a, b, c),
        _ => null,
    };

    private static int Paeth(int a, int b, int c)
    {
        var p = a + b - c;
        var pa = Math.Abs(p - a);
        var pb = Math.Abs(p - b);
        var pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }

    private static void WriteChunk(Stream png, string type, ReadOnlySpan<byte> data)
    {
        Span<byte> buffer = stackalloc byte[8];
        BinaryPrimitives.WriteInt32BigEndian(buffer, data.Length);
        Encoding.ASCII.GetBytes(type, buffer[4..]);
        png.Write(buffer);
        png.Write(data);
        var crc = Crc32.Append(Crc32.Compute(buffer[4..]), data);
        BinaryPrimitives.WriteUInt32BigEndian(buffer, crc);
        png.Write(buffer[..4]);
    }
}
