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
        if (width == Width && height == Height)
        {
            return this;
        }

        var result = new byte[width * height];
        for (var y = 0; y < height; y++)
        {
            var y0 = (int)((long)y * Height / height);
            var y1 = Math.Max(y0 + 1, (int)((long)(y + 1) * Height / height));
            for (var x = 0; x < width; x++)
            {
                var x0 = (int)((long)x * Width / width);
                var x1 = Math.Max(x0 + 1, (int)((long)(x + 1) * Width / width));
                long sum = 0;
                for (var sy = y0; sy < y1; sy++)
                {
                    for (var sx = x0; sx < x1; sx++)
                    {
                        sum += _pixels[(sy * Width) + sx];
                    }
                }

                var count = (long)(y1 - y0) * (x1 - x0);
                result[(y * width) + x] = (byte)((sum + (count / 2)) / count);
            }
        }

        return new GrayImage(width, height, result);
    }
}
