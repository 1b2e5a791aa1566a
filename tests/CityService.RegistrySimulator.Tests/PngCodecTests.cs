using System.Buffers.Binary;
using System.Text;
using CityService.RegistrySimulator;

namespace CityService.RegistrySimulator.Tests;

public sealed class PngCodecTests
{
    private static readonly byte[] Signature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    [Fact]
    public void Crc32_matches_the_standard_check_value()
    {
        Assert.Equal(0xCBF43926u, Crc32.Compute("123456789"u8));
        Assert.Equal(0xAE426082u, Crc32.Compute("IEND"u8)); // every PNG ends with these four bytes
    }

    [Fact]
    public void A_grayscale_image_survives_a_round_trip()
    {
        var image = Gradient(37, 23);
        var decoded = PngCodec.Decode(PngCodec.Encode(image));

        Assert.Equal(37, decoded.Width);
        Assert.Equal(23, decoded.Height);
        Assert.Equal(image.Pixels.ToArray(), decoded.Pixels.ToArray());
    }

    [Fact]
    public void A_reference_face_survives_a_round_trip()
    {
        var person = SimulatedPersons.All[0];
        Assert.Equal(person.ReferenceFace.Pixels.ToArray(), PngCodec.Decode(person.ReferencePng()).Pixels.ToArray());
    }

    [Fact]
    public void The_encoder_writes_a_standard_8_bit_grayscale_png()
    {
        var png = PngCodec.Encode(Gradient(64, 64));

        Assert.Equal(Signature, png[..8]);
        Assert.Equal(13, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(8)));
        Assert.Equal("IHDR", Encoding.ASCII.GetString(png, 12, 4));
        Assert.Equal(64, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)));
        Assert.Equal(64, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20)));
        Assert.Equal([8, 0, 0, 0, 0], png[24..29]); // 8-bit, grayscale, deflate, filter method 0, not interlaced
        Assert.Equal(Crc32.Compute(png.AsSpan(12, 17)), BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(29)));
        Assert.Equal([0, 0, 0, 0, (byte)'I', (byte)'E', (byte)'N', (byte)'D', 0xAE, 0x42, 0x60, 0x82], png[^12..]);
        Assert.Equal(0x78, png[41]); // the IDAT data is a zlib stream (CMF: deflate, 32 KiB window)
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(-1)] // a different filter on each row
    public void Grayscale_rows_with_every_filter_type_decode(int filter)
    {
        var image = Gradient(19, 11);
        var png = PngCodec.EncodeRaw(19, 11, PngCodec.ColourGray, image.Pixels, FilterFor(filter));
        Assert.Equal(image.Pixels.ToArray(), PngCodec.Decode(png).Pixels.ToArray());
    }

    [Theory]
    [InlineData(PngCodec.ColourRgb, 0)]
    [InlineData(PngCodec.ColourRgb, 1)]
    [InlineData(PngCodec.ColourRgb, 2)]
    [InlineData(PngCodec.ColourRgb, 3)]
    [InlineData(PngCodec.ColourRgb, 4)]
    [InlineData(PngCodec.ColourRgb, -1)]
    [InlineData(PngCodec.ColourRgba, 0)]
    [InlineData(PngCodec.ColourRgba, 1)]
    [InlineData(PngCodec.ColourRgba, 2)]
    [InlineData(PngCodec.ColourRgba, 3)]
    [InlineData(PngCodec.ColourRgba, 4)]
    [InlineData(PngCodec.ColourRgba, -1)]
    [InlineData(PngCodec.ColourGrayAlpha, 4)]
    public void Colour_images_with_every_filter_type_decode_to_luminance(byte colourType, int filter)
    {
        const int width = 13, height = 9;
        var channels = colourType switch { PngCodec.ColourRgb => 3, PngCodec.ColourRgba => 4, _ => 2 };
        var samples = new byte[width * height * channels];
        var expected = new byte[width * height];
        for (var i = 0; i < width * height; i++)
        {
            byte r = (byte)((i * 37) % 256), g = (byte)((i * 91 + 13) % 256), b = (byte)((i * 151 + 7) % 256);
            var p = i * channels;
            if (channels == 2)
            {
                samples[p] = r;
                samples[p + 1] = b;
                expected[i] = r;
                continue;
            }

            samples[p] = r;
            samples[p + 1] = g;
            samples[p + 2] = b;
            if (channels == 4)
            {
                samples[p + 3] = (byte)(255 - (i % 256));
            }

            expected[i] = (byte)Math.Round((0.299 * r) + (0.587 * g) + (0.114 * b), MidpointRounding.AwayFromZero);
        }

        var decoded = PngCodec.Decode(PngCodec.EncodeRaw(width, height, colourType, samples, FilterFor(filter)));

        Assert.Equal(width, decoded.Width);
        Assert.Equal(height, decoded.Height);
        Assert.Equal(expected, decoded.Pixels.ToArray());
    }

    [Theory]
    [InlineData(8, 3, 0, "Palette")]
    [InlineData(16, 0, 0, "16-bit")]
    [InlineData(4, 0, 0, "4-bit")]
    [InlineData(8, 0, 1, "Interlaced")]
    [InlineData(8, 5, 0, "colour type 5")]
    public void Unsupported_kinds_of_png_are_refused_with_a_clear_message(byte bitDepth, byte colourType, byte interlace, string expected)
    {
        var png = PngCodec.Encode(Gradient(8, 8));
        png[24] = bitDepth;
        png[25] = colourType;
        png[28] = interlace;
        FixCrc(png, 8);

        var error = Assert.Throws<PngFormatException>(() => PngCodec.Decode(png));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Damaged_or_foreign_files_are_refused()
    {
        var png = PngCodec.Encode(Gradient(16, 16));

        var crc = (byte[])png.Clone();
        crc[45] ^= 0xFF; // inside the IDAT data (IDAT starts at 33: length, type, data from 41)
        Assert.Contains("CRC", Assert.Throws<PngFormatException>(() => PngCodec.Decode(crc)).Message, StringComparison.Ordinal);
        Assert.Contains("IEND", Assert.Throws<PngFormatException>(() => PngCodec.Decode(png.AsSpan(0, png.Length - 12))).Message, StringComparison.Ordinal);
        Assert.Contains("signature", Assert.Throws<PngFormatException>(() => PngCodec.Decode("GIF89a......"u8)).Message, StringComparison.Ordinal);
        Assert.Throws<PngFormatException>(() => PngCodec.Decode([]));
        Assert.Throws<PngFormatException>(() => PngCodec.Decode(png.AsSpan(0, 20)));

        var big = (byte[])png.Clone();
        BinaryPrimitives.WriteInt32BigEndian(big.AsSpan(16), 100_000);
        FixCrc(big, 8);
        Assert.Contains("larger than", Assert.Throws<PngFormatException>(() => PngCodec.Decode(big)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Image_data_shorter_than_the_header_says_is_refused()
    {
        var small = PngCodec.Encode(Gradient(16, 8));
        var tall = (byte[])small.Clone();
        BinaryPrimitives.WriteInt32BigEndian(tall.AsSpan(20), 16); // claims 16 rows, has 8
        FixCrc(tall, 8);

        Assert.Contains("shorter", Assert.Throws<PngFormatException>(() => PngCodec.Decode(tall)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_filter_type_is_refused()
    {
        var image = Gradient(8, 4);
        var png = PngCodec.EncodeRaw(8, 4, PngCodec.ColourGray, image.Pixels, _ => 0);
        // Re-encode with filter byte 5 on row 0 by building the raw stream by hand.
        var raw = new byte[4 * 9];
        for (var y = 0; y < 4; y++)
        {
            raw[y * 9] = y == 0 ? (byte)5 : (byte)0;
            image.Pixels.Slice(y * 8, 8).CopyTo(raw.AsSpan((y * 9) + 1));
        }

        var bad = ReplaceIdat(png, raw);
        Assert.Contains("filter type 5", Assert.Throws<PngFormatException>(() => PngCodec.Decode(bad)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resizing_averages_boxes_and_repeats_pixels_when_enlarging()
    {
        var image = new GrayImage(4, 2, [0, 10, 20, 30, 40, 50, 60, 70]);

        Assert.Equal([25, 45], image.Resize(2, 1).Pixels.ToArray());
        Assert.Equal([0, 0, 10, 10, 20, 20, 30, 30], image.Resize(8, 4).Pixels.ToArray()[..8]);
        Assert.Equal([40, 40, 50, 50, 60, 60, 70, 70], image.Resize(8, 4).Pixels.ToArray()[^8..]);
    }

    internal static GrayImage Gradient(int width, int height)
    {
        var pixels = new byte[width * height];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                pixels[(y * width) + x] = (byte)(((x * 7) + (y * 13) + (x * y)) % 256);
            }
        }

        return new GrayImage(width, height, pixels);
    }

    private static Func<int, byte> FilterFor(int filter) => filter < 0 ? row => (byte)(row % 5) : _ => (byte)filter;

    /// <summary>Recomputes the CRC of the chunk starting at <paramref name="offset"/>.</summary>
    private static void FixCrc(byte[] png, int offset)
    {
        var length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(offset));
        var crc = Crc32.Compute(png.AsSpan(offset + 4, length + 4));
        BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(offset + 8 + length), crc);
    }

    private static byte[] ReplaceIdat(byte[] png, byte[] raw)
    {
        using var zlib = new MemoryStream();
        using (var deflate = new System.IO.Compression.ZLibStream(zlib, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
        {
            deflate.Write(raw);
        }

        var data = zlib.ToArray();
        var chunk = new byte[12 + data.Length];
        BinaryPrimitives.WriteInt32BigEndian(chunk, data.Length);
        "IDAT"u8.CopyTo(chunk.AsSpan(4));
        data.CopyTo(chunk, 8);
        BinaryPrimitives.WriteUInt32BigEndian(chunk.AsSpan(8 + data.Length), Crc32.Compute(chunk.AsSpan(4, 4 + data.Length)));
        return [.. png[..33], .. chunk, .. png[^12..]]; // signature + IHDR, new IDAT, IEND
    }
}
