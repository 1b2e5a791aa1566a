namespace CityService.RegistrySimulator;

/// <summary>
/// Deterministic 64×64 "faces": a sum of smooth Gaussian blobs, light and dark, placed by a per-person seed and
/// normalised to the same mean and contrast. Smooth structure keeps a noisy copy highly correlated with its original,
/// while two seeds' blob layouts correlate weakly.
/// </summary>
internal static class SyntheticFace
{
    private const int Blobs = 28;
    private const double Mean = 128;
    private const double Contrast = 42; // standard deviation in grey levels

    public static GrayImage Generate(ulong seed)
    {
        const int size = FaceMatcher.Size;
        var random = new SplitMix64(seed);
        var field = new double[size * size];
        for (var k = 0; k < Blobs; k++)
        {
            var cx = 2 + (random.NextDouble() * (size - 4));
            var cy = 2 + (random.NextDouble() * (size - 4));
            var sigma = 2.5 + (random.NextDouble() * 4.5);
            var amplitude = (random.NextDouble() < 0.5 ? -1 : 1) * (0.5 + random.NextDouble());
            var twoSigmaSquared = 2 * sigma * sigma;
            for (var y = 0; y < size; y++)
            {
                var dy = y - cy;
                for (var x = 0; x < size; x++)
                {
                    var dx = x - cx;
                    field[(y * size) + x] += amplitude * Math.Exp(-((dx * dx) + (dy * dy)) / twoSigmaSquared);
                }
            }
        }

        var mean = field.Average();
        var deviation = Math.Sqrt(field.Sum(v => (v - mean) * (v - mean)) / field.Length);
        var pixels = new byte[size * size];
        for (var i = 0; i < pixels.Length; i++)
        {
            var value = Mean + ((field[i] - mean) / deviation * Contrast);
            pixels[i] = (byte)Math.Clamp((int)Math.Round(value), 0, 255);
        }

        return new GrayImage(size, size, pixels);
    }
}

/// <summary>SplitMix64: a small, fast, fully specified generator, so generated data is the same on every runtime.</summary>
internal struct SplitMix64(ulong seed)
{
    private ulong _state = seed;

    public ulong Next()
    {
        var z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (Next() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [0, maxExclusive).</summary>
    public int Next(int maxExclusive) => (int)(Next() % (ulong)maxExclusive);
}
