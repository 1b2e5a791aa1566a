using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace CityService.Bench;

/// <summary>
/// The same measurement through <c>wrk --latency</c> (Debian package <c>wrk</c>): a warm-up run whose output
/// is discarded, then the measured run, whose text report is parsed. wrk counts 2xx and 3xx as success.
/// </summary>
public static partial class WrkRunner
{
    public static async Task<IReadOnlyList<PathResult>> RunAsync(BenchOptions options, Action<string> progress, CancellationToken ct)
    {
        var results = new List<PathResult>();
        foreach (var path in options.Paths)
        {
            var url = options.UrlFor(path).ToString();
            if (options.Warmup > TimeSpan.Zero)
            {
                progress(string.Create(CultureInfo.InvariantCulture, $"warm-up {path} ({options.Warmup.TotalSeconds:0.#} s, wrk)"));
                _ = await RunWrkAsync(options, url, options.Warmup, ct);
            }

            progress(string.Create(CultureInfo.InvariantCulture, $"measure {path} ({options.Duration.TotalSeconds:0.#} s, wrk)"));
            var cpu = new CpuTotals();
            var before = CpuSnapshot.Take(options.ServerPid);
            var output = await RunWrkAsync(options, url, options.Duration, ct);
            cpu.Add(before, CpuSnapshot.Take(options.ServerPid));
            results.Add(Parse(path, output, cpu));
        }

        return results;
    }

    /// <summary>Reads wrk 4.x's report (with <c>--latency</c>).</summary>
    public static PathResult Parse(string path, string output, CpuTotals cpu)
    {
        var latency = LatencyLine().Match(output);
        var summary = SummaryLine().Match(output);
        if (!latency.Success || !summary.Success)
        {
            throw new InvalidOperationException("could not read wrk's output:\n" + output);
        }

        double Percentile(string p)
        {
            var m = Regex.Match(output, @"^\s*" + Regex.Escape(p) + @"%\s+(\S+)\s*$", RegexOptions.Multiline);
            return m.Success ? DurationMs(m.Groups[1].Value) : double.NaN;
        }

        var requests = long.Parse(summary.Groups["n"].Value, CultureInfo.InvariantCulture);
        var elapsed = TimeSpan.FromMilliseconds(DurationMs(summary.Groups["t"].Value));
        var bytes = Bytes(summary.Groups["b"].Value);
        var non2xx = NonSuccessLine().Match(output) is { Success: true } n ? long.Parse(n.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
        var socket = SocketErrorsLine().Match(output);
        var socketErrors = socket.Success
            ? Enumerable.Range(1, 4).Sum(g => long.Parse(socket.Groups[g].Value, CultureInfo.InvariantCulture))
            : 0;
        var ok = requests - non2xx;
        return new PathResult(
            path,
            ok,
            non2xx + socketErrors,
            elapsed,
            Percentile("50"),
            Percentile("99"),
            DurationMs(latency.Groups["max"].Value),
            DurationMs(latency.Groups["avg"].Value),
            requests > 0 ? (long)(bytes / requests) : 0,
            non2xx + socketErrors > 0
                ? string.Create(CultureInfo.InvariantCulture, $"wrk: {non2xx} non-2xx/3xx responses{(socket.Success ? "; " + socket.Value : string.Empty)}")
                : null,
            cpu);
    }

    private static async Task<string> RunWrkAsync(BenchOptions options, string url, TimeSpan duration, CancellationToken ct)
    {
        var start = new ProcessStartInfo("wrk")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
                 {
                     "-t", options.WrkThreads.ToString(CultureInfo.InvariantCulture),
                     "-c", options.Concurrency.ToString(CultureInfo.InvariantCulture),
                     "-d", string.Create(CultureInfo.InvariantCulture, $"{Math.Max(1, (int)Math.Round(duration.TotalSeconds))}s"),
                     "--timeout", "30s",
                     "--latency",
                     "-H", LoadRunner.ForwardedProto,
                     url,
                 })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start wrk");
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        return process.ExitCode == 0
            ? await stdout
            : throw new InvalidOperationException($"wrk exited with {process.ExitCode}: {await stderr}{await stdout}");
    }

    private static double DurationMs(string text)
    {
        var m = ValueWithUnit().Match(text);
        if (!m.Success)
        {
            return double.NaN;
        }

        var value = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        return m.Groups[2].Value switch
        {
            "us" => value / 1000,
            "ms" => value,
            "s" => value * 1000,
            "m" => value * 60_000,
            "h" => value * 3_600_000,
            _ => double.NaN,
        };
    }

    private static double Bytes(string text)
    {
        var m = ValueWithUnit().Match(text);
        var value = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        return m.Groups[2].Value switch
        {
            "KB" => value * 1024,
            "MB" => value * 1024 * 1024,
            "GB" => value * 1024 * 1024 * 1024,
            "TB" => value * 1024 * 1024 * 1024 * 1024,
            _ => value,
        };
    }

    [GeneratedRegex(@"^\s*Latency\s+(?<avg>\S+)\s+(?<stdev>\S+)\s+(?<max>\S+)\s+\S+%", RegexOptions.Multiline)]
    private static partial Regex LatencyLine();

    [GeneratedRegex(@"^\s*(?<n>\d+) requests in (?<t>\S+), (?<b>\S+) read", RegexOptions.Multiline)]
    private static partial Regex SummaryLine();

    [GeneratedRegex(@"Non-2xx or 3xx responses: (\d+)")]
    private static partial Regex NonSuccessLine();

    [GeneratedRegex(@"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")]
    private static partial Regex SocketErrorsLine();

    [GeneratedRegex(@"^([0-9.]+)([a-zA-Z]*)$")]
    private static partial Regex ValueWithUnit();
}
