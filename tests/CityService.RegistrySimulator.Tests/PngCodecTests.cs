using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;
using CityService.Core.Common;

namespace CityService.RegistrySimulator.Tests;

/// <summary>The simulator's image reading and writing (StbImageSharp, StbImageWriteSharp) and resampling.</summary>
public sealed class PngCodecTests
{
    private static readonly byte[] Signature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    [Fact]
    public void The_crc_used_to_build_test_pngs_is_pngs_crc_32()
    {
        Assert.Equal(0xCBF43926u, Crc32.HashToUInt32("123456789"u8));
        Assert.Equal(0xAE426082u, Crc32.HashToUInt32("IEND"u8)); // every PNG ends with these four bytes
    }

    [Fact]
    public void A_grayscale_image_survives_a_round_trip()
    {
        var image = Gradient(37, 23);
        var decoded = GrayImage.Decode(image.ToPng());

        Assert.Equal(37, decoded.Width);
        Assert.Equal(23, decoded.Height);
        Assert.Equal(image.Pixels.ToArray(), decoded.Pixels.ToArray());
    }

    [Fact]
    public void A_reference_face_survives_a_round_trip()
    {
        var person = SimulatedPersons.All[0];
        Assert.Equal(person.ReferenceFace.Pixels.ToArray(), GrayImage.Decode(person.ReferencePng()).Pixels.ToArray());
    }

    [Fact]
    public void The_encoder_writes_a_standard_8_bit_grayscale_png()
    {
        var png = Gradient(64, 64).ToPng();

        Assert.Equal(Signature, png[..8]);
        Assert.Equal(13, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(8)));
        Assert.Equal("IHDR", Encoding.ASCII.GetString(png, 12, 4));
        Assert.Equal(64, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)));
        Assert.Equal(64, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20)));
        Assert.Equal([8, 0, 0, 0, 0], png[24..29]); // 8-bit, grayscale, deflate, filter method 0, not interlaced
        Assert.Equal(Crc32.HashToUInt32(png.AsSpan(12, 17)), BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(29)));
        Assert.Equal([0, 0, 0, 0, (byte)'I', (byte)'E', (byte)'N', (byte)'D', 0xAE, 0x42, 0x60, 0x82], png[^12..]);
        Assert.Equal(0x78, png[41]); // the IDAT data is a zlib stream (CMF: deflate, 32 KiB window)
    }

    [Theory]
    [InlineData(3)] // RGB
    [InlineData(4)] // RGBA
    [InlineData(2)] // gray + alpha
    public void Colour_images_decode_to_luminance(int channels)
    {
        const int width = 13, height = 9;
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

        var decoded = GrayImage.Decode(Photo.EncodePng(samples, width, height, channels));

        Assert.Equal(width, decoded.Width);
        Assert.Equal(height, decoded.Height);
        Assert.Equal(expected, decoded.Pixels.ToArray());
    }

    [Fact]
    public void A_jpeg_decodes_close_to_what_was_encoded_and_still_matches_its_face()
    {
        var person = SimulatedPersons.All[3];
        var jpeg = person.LiveSnapshotJpeg(seed: 5, size: 128);
        Assert.Equal([0xFF, 0xD8, 0xFF], jpeg[..3]);

        var decoded = GrayImage.Decode(jpeg);
        var original = person.LiveSnapshot(seed: 5, size: 128);
        Assert.Equal((128, 128), (decoded.Width, decoded.Height));
        var meanError = decoded.Pixels.ToArray().Zip(original.Pixels.ToArray(), (a, b) => Math.Abs(a - b)).Average();
        Assert.InRange(meanError, 0, 3);
        Assert.True(FaceMatcher.Score(person.ReferenceFace, decoded) >= 0.95);
    }

    [Fact]
    public void A_colour_jpeg_decodes_to_luminance()
    {
        var face = SimulatedPersons.All[0].LiveSnapshot(seed: 2);
        var rgb = new byte[64 * 64 * 3];
        for (var i = 0; i < 64 * 64; i++)
        {
            rgb[i * 3] = (byte)Math.Min(255, face.Pixels[i] + 20);
            rgb[(i * 3) + 1] = face.Pixels[i];
            rgb[(i * 3) + 2] = (byte)Math.Max(0, face.Pixels[i] - 20);
        }

        var decoded = GrayImage.Decode(Photo.EncodeJpeg(rgb, 64, 64, 3, quality: 95));
        var meanError = decoded.Pixels.ToArray().Zip(face.Pixels.ToArray(), (a, b) => Math.Abs(a - b)).Average();
        Assert.InRange(meanError, 0, 4); // 0.299·20 − 0.114·20 ≈ +4 before rounding and compression
        Assert.True(FaceMatcher.Score(SimulatedPersons.All[0].ReferenceFace, decoded) >= 0.95);
    }

    [Fact]
    public void Damaged_or_foreign_files_are_refused()
    {
        var png = Gradient(16, 16).ToPng();

        Assert.Contains("PNG or JPEG", Assert.Throws<ImageFormatException>(() => GrayImage.Decode("GIF89a......"u8.ToArray())).Message, StringComparison.Ordinal);
        Assert.Contains("PNG or JPEG", Assert.Throws<ImageFormatException>(() => GrayImage.Decode("BM......"u8.ToArray())).Message, StringComparison.Ordinal);
        Assert.Throws<ImageFormatException>(() => GrayImage.Decode([]));
        Assert.Throws<ImageFormatException>(() => GrayImage.Decode(png[..20]));
        Assert.Throws<ImageFormatException>(() => GrayImage.Decode(png[..(png.Length - 20)])); // cut inside the image data
        Assert.Throws<ImageFormatException>(() => GrayImage.Decode([0xFF, 0xD8, 0xFF, 0xE0, 0, 16, .. "JFIF"u8, 0, 1, 2, 3])); // StbImageSharp alone hangs on this

        var crc = (byte[])png.Clone();
        crc[45] ^= 0xFF; // inside the IDAT data (IDAT starts at 33: length, type, data from 41)
        Assert.Contains("CRC", Assert.Throws<ImageFormatException>(() => GrayImage.Decode(crc)).Message, StringComparison.Ordinal);

        var longIdat = (byte[])png.Clone();
        BinaryPrimitives.WriteInt32BigEndian(longIdat.AsSpan(33), 0x18_0000); // an IDAT length past the end: StbImageSharp alone hangs
        Assert.Throws<ImageFormatException>(() => GrayImage.Decode(longIdat));

        var big = (byte[])png.Clone();
        BinaryPrimitives.WriteInt32BigEndian(big.AsSpan(16), 100_000);
        FixCrc(big, 8);
        Assert.Contains("larger than", Assert.Throws<ImageFormatException>(() => GrayImage.Decode(big)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Image_data_shorter_than_the_header_says_is_refused()
    {
        var small = Gradient(16, 8).ToPng();
        var tall = (byte[])small.Clone();
        BinaryPrimitives.WriteInt32BigEndian(tall.AsSpan(20), 16); // claims 16 rows, has 8
        FixCrc(tall, 8);

        Assert.Throws<ImageFormatException>(() => GrayImage.Decode(tall));
    }

    [Fact]
    public void An_unknown_filter_type_is_refused()
    {
        var image = Gradient(8, 4);
        var png = image.ToPng();
        // Re-encode with filter byte 5 on row 0 by building the raw stream by hand.
        var raw = new byte[4 * 9];
        for (var y = 0; y < 4; y++)
        {
            raw[y * 9] = y == 0 ? (byte)5 : (byte)0;
            image.Pixels.Slice(y * 8, 8).CopyTo(raw.AsSpan((y * 9) + 1));
        }

        Assert.Throws<ImageFormatException>(() => GrayImage.Decode(ReplaceIdat(png, raw)));
        raw[0] = 0;
        Assert.Equal(image.Pixels.ToArray(), GrayImage.Decode(ReplaceIdat(png, raw)).Pixels.ToArray()); // the same stream with filter 0 reads
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

    /// <summary>Recomputes the CRC of the chunk starting at <paramref name="offset"/>.</summary>
    private static void FixCrc(byte[] png, int offset)
    {
        var length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(offset));
        var crc = Crc32.HashToUInt32(png.AsSpan(offset + 4, length + 4));
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
        BinaryPrimitives.WriteUInt32BigEndian(chunk.AsSpan(8 + data.Length), Crc32.HashToUInt32(chunk.AsSpan(4, 4 + data.Length)));
        return [.. png[..33], .. chunk, .. png[^12..]]; // signature + IHDR, new IDAT, IEND
    }
}
