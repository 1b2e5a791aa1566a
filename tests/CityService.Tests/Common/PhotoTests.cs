using System.Diagnostics;
using CityService.Core.Common;
using CityService.RegistrySimulator;
using CityService.Tests.Infrastructure;

namespace CityService.Tests.Common;

public sealed class PhotoTests
{
    private static readonly SimulatedPerson Person = SimulatedPersons.All[5];

    [Fact]
    public void A_phone_photo_is_turned_upright_scaled_down_and_still_matches()
    {
        var upload = PhonePhotos.Jpeg(Person, width: 1500, height: 2000, exifOrientation: 6);

        var prepared = Photo.Prepare(upload);

        Assert.True(prepared.IsOk, prepared.Error?.Message.En);
        var image = GrayImage.Decode(prepared.Value);
        Assert.Equal((768, 1024), (image.Width, image.Height)); // upright (portrait), longer side 1024
        Assert.True(FaceMatcher.Score(Person.ReferenceFace, image) >= 0.95);
        Assert.InRange(prepared.Value.Length, 1, Photo.MaxPreparedBytes);
    }

    [Fact]
    public void The_exif_orientation_is_what_turns_it()
    {
        var stillTurned = Photo.Prepare(PhonePhotos.Jpeg(Person, width: 600, height: 800, exifOrientation: 6, withExif: false));

        var image = GrayImage.Decode(stillTurned.Value!);
        Assert.Equal((800, 600), (image.Width, image.Height));
        Assert.True(FaceMatcher.Score(Person.ReferenceFace, image) < 0.85); // a face on its side does not match
    }

    [Fact]
    public void The_prepared_photo_carries_no_metadata()
    {
        var prepared = Photo.Prepare(PhonePhotos.Jpeg(Person, width: 300, height: 400, exifOrientation: 6)).Value!;

        Assert.Equal([0xFF, 0xD8], prepared[..2]);
        Assert.Equal(-1, prepared.AsSpan().IndexOf("Exif"u8));
    }

    [Fact]
    public void A_png_is_accepted_and_a_small_photo_is_not_enlarged()
    {
        var prepared = Photo.Prepare(Person.LiveSnapshotPng(seed: 3));

        var image = GrayImage.Decode(prepared.Value!);
        Assert.Equal((64, 64), (image.Width, image.Height));
        Assert.True(FaceMatcher.Score(Person.ReferenceFace, image) >= 0.95);
    }

    [Fact]
    public void HEIC_and_other_formats_are_refused_saying_what_to_do()
    {
        var heic = Photo.Prepare(PhonePhotos.Heic()).Error!;
        Assert.Equal((ErrorKind.UnsupportedType, "photo.heic", "image"), (heic.Kind, heic.Code, heic.Parameter));
        Assert.Contains("JPEG", heic.Message.Zh, StringComparison.Ordinal);
        Assert.Contains("Most Compatible", heic.Message.En, StringComparison.Ordinal);

        foreach (var other in new[] { "GIF89a\u0001\u0000\u0001\u0000"u8.ToArray(), "hello world"u8.ToArray(), "BM\0\0\0\0\0\0\0\0"u8.ToArray() })
        {
            Assert.Equal("photo.unsupported-type", Photo.Prepare(other).Error!.Code);
        }
    }

    [Fact]
    public void Damaged_photos_are_refused_without_hanging()
    {
        var jpeg = PhonePhotos.Jpeg(Person, width: 200, height: 200);
        var clock = Stopwatch.StartNew();
        foreach (var bad in new[]
        {
            Array.Empty<byte>(),
            jpeg[..6],
            [0xFF, 0xD8, 0xFF, 0xE0, 0, 16, .. "JFIF"u8, 0, 1, 2, 3], // a segment past the end: StbImageSharp alone never returns
            [.. Person.LiveSnapshotPng()[..40]],
        })
        {
            var error = Photo.Prepare(bad).Error!;
            Assert.Equal((ErrorKind.Invalid, "photo.unreadable", "image"), (error.Kind, error.Code, error.Parameter));
        }

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void Too_large_is_a_413_kind_naming_the_limit()
    {
        var error = Photo.Prepare(new byte[Photo.MaxBytes + 1]).Error!;

        Assert.Equal((ErrorKind.TooLarge, "photo.too-large"), (error.Kind, error.Code));
        Assert.Contains("10 MB", error.Message.Zh, StringComparison.Ordinal);
        Assert.Contains("10 MB", error.Message.En, StringComparison.Ordinal);
    }
}
