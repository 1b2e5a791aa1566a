using System.Globalization;

namespace CityService.PaymentBench;

/// <summary>Latencies of one measured run, in microseconds, kept whole (a sorted array: nearest-rank percentiles).</summary>
public sealed class Latencies
{
    private readonly List<long>[] perClient;

    public Latencies(int clients)
    {
        perClient = new List<long>[clients];
        for (var i = 0; i < clients; i++)
        {
            perClient[i] = new List<long>(4096);
        }
    }

    public void Add(int client, long micros) => perClient[client].Add(micros);

    public long[] Sorted()
    {
        var all = perClient.SelectMany(l => l).ToArray();
        Array.Sort(all);
        return all;
    }

    public static double Percentile(long[] sorted, double p) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Length) - 1, 0, sorted.Length - 1)] / 1000.0;

    public static string Summary(long[] sorted) => sorted.Length == 0
        ? "no samples"
        : string.Create(CultureInfo.InvariantCulture, $"p50 {Percentile(sorted, 50):F2} ms, p99 {Percentile(sorted, 99):F2} ms, max {sorted[^1] / 1000.0:F1} ms ({sorted.Length} samples)");
}
