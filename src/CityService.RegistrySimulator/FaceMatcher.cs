namespace CityService.RegistrySimulator;

/// <summary>
/// The simulator's stand-in for face recognition: the normalised cross-correlation of the reference photo and the
/// snapshot (resampled to the reference's size), clamped to 0..1. Brightness shifts do not change it; noise lowers it
/// a little; another person's photo correlates weakly.
/// </summary>
public static class FaceMatcher
{
    /// <summary>Width and height of reference photos.</summary>
    public const int Size = 64;

    public static double Score(GrayImage reference, GrayImage snapshot)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(snapshot);
        var resized = snapshot.Resize(reference.Width, reference.Height);
        var a = reference.Pixels;
        var b = resized.Pixels;
        double meanA = 0, meanB = 0;
        for (var i = 0; i < a.Length; i++)
        {
            meanA += a[i];
            meanB += b[i];
        }

        meanA /= a.Length;
        meanB /= b.Length;
        double covariance = 0, varianceA = 0, varianceB = 0;
        for (var i = 0; i < a.Length; i++)
        {
            var da = a[i] - meanA;
            var db = b[i] - meanB;
            covariance += da * db;
            varianceA += da * da;
            varianceB += db * db;
        }

        if (varianceA <= 0 || varianceB <= 0)
        {
            return 0; // a flat image resembles nothing
        }

        return Math.Clamp(covariance / Math.Sqrt(varianceA * varianceB), 0, 1);
    }
}
