using System.Globalization;

namespace CityService.RegistrySimulator;

/// <summary>
/// A generated, fictional person held by the registry simulator: a Chinese name, a valid resident ID number
/// (GB 11643, never a real person's) and a reference face made from <see cref="FaceSeed"/>.
/// </summary>
public sealed class SimulatedPerson
{
    private readonly Lazy<GrayImage> _face;

    internal SimulatedPerson(string name, string idNumber, DateOnly birthDate, bool isMale, string addressCode, ulong faceSeed)
    {
        Name = name;
        IdNumber = idNumber;
        BirthDate = birthDate;
        IsMale = isMale;
        AddressCode = addressCode;
        FaceSeed = faceSeed;
        _face = new Lazy<GrayImage>(() => SyntheticFace.Generate(faceSeed));
    }

    public string Name { get; }

    /// <summary>The 18-character resident ID number (test data).</summary>
    public string IdNumber { get; }

    public DateOnly BirthDate { get; }

    public bool IsMale { get; }

    /// <summary>The GB/T 2260 code of the Hangzhou district in the ID number.</summary>
    public string AddressCode { get; }

    public ulong FaceSeed { get; }

    /// <summary>The registry's 64×64 grayscale reference photo.</summary>
    public GrayImage ReferenceFace => _face.Value;

    public byte[] ReferencePng() => ReferenceFace.ToPng();

    /// <summary>
    /// A "live" photo of this person: the reference plus Gaussian noise and a small brightness shift, optionally resampled
    /// to <paramref name="size"/>×<paramref name="size"/>, as PNG. The same <paramref name="seed"/> gives the same photo.
    /// </summary>
    public byte[] LiveSnapshotPng(int? seed = null, int size = FaceMatcher.Size) => LiveSnapshot(seed, size).ToPng();

    /// <summary>The same live photo as a (grayscale, baseline) JPEG, as a phone sends it.</summary>
    public byte[] LiveSnapshotJpeg(int? seed = null, int size = FaceMatcher.Size) => LiveSnapshot(seed, size).ToJpeg();

    public GrayImage LiveSnapshot(int? seed = null, int size = FaceMatcher.Size)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
#pragma warning disable CA5394 // test imagery, not security
        var random = seed is { } s ? new Random(s) : Random.Shared;
        var shift = random.Next(-12, 13);
        var reference = ReferenceFace.Pixels;
        var pixels = new byte[reference.Length];
        for (var i = 0; i < pixels.Length; i++)
        {
            // Box–Muller: a normal deviate with σ = 6 grey levels.
            var u1 = 1.0 - random.NextDouble();
            var u2 = random.NextDouble();
            var noise = Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2) * 6.0;
            pixels[i] = (byte)Math.Clamp((int)Math.Round(reference[i] + shift + noise), 0, 255);
        }
#pragma warning restore CA5394

        var image = new GrayImage(ReferenceFace.Width, ReferenceFace.Height, pixels);
        return size == image.Width ? image : image.Resize(size, size);
    }

    /// <summary>The name with the ID number masked, so a person can be printed without exposing the number.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Name} ({Core.Identity.ResidentIdNumber.Mask(IdNumber)})");
}
