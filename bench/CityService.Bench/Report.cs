using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace CityService.Bench;

/// <summary>The text the driver prints; numbers are always formatted with the invariant culture.</summary>
public static class Report
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static string Header(BenchOptions o)
    {
        var sb = new StringBuilder();
        sb.AppendLine(Inv, $"CityService load test against {o.BaseUrl}");
        var driver = o.UseWrk ? string.Create(Inv, $"wrk --latency, {o.WrkThreads} threads") : "HttpClient + SocketsHttpHandler (HTTP/1.1, keep-alive)";
        var turns = o.UseWrk || o.Rounds == 1 ? string.Empty : string.Create(Inv, $", taken in {o.Rounds} turns of {o.Duration.TotalSeconds / o.Rounds:0.#} s");
        sb.AppendLine(Inv, $"  driver: {driver}; {o.Concurrency} connections, one request in flight each; "
            + $"{o.Warmup.TotalSeconds:0.#} s warm-up + {o.Duration.TotalSeconds:0.#} s measured per path{turns}");
        sb.AppendLine(Inv, $"  client machine: {Environment.ProcessorCount} logical CPUs, {RuntimeInformation.OSDescription}, .NET {Environment.Version}");
        if (o.BaseUrl.IsLoopback)
        {
            sb.AppendLine(Inv, $"  NOTE: the server is on this machine, so driver and server share its {Environment.ProcessorCount} CPUs;");
            sb.AppendLine("        absolute numbers are lower than on a dedicated server, ratios between paths are the useful part.");
        }

        return sb.ToString();
    }

    public static string Table(IReadOnlyList<PathResult> results)
    {
        var width = Math.Max(4, results.Max(r => r.Path.Length));
        var sb = new StringBuilder();
        sb.AppendLine(Inv, $"{"path".PadRight(width)}  {"ok",9}  {"errors",6}  {"req/s",9}  {"p50 ms",8}  {"p99 ms",8}  {"max ms",8}  {"mean ms",8}  {"bytes/resp",10}");
        sb.AppendLine(new string('-', width + 88));
        foreach (var r in results)
        {
            sb.AppendLine(Inv, $"{r.Path.PadRight(width)}  {r.Ok,9}  {r.Errors,6}  {r.RequestsPerSecond,9:F0}  {r.P50Ms,8:F2}  {r.P99Ms,8:F2}  {r.MaxMs,8:F2}  {r.MeanMs,8:F2}  {r.BytesPerResponse,10}");
        }

        foreach (var r in results.Where(r => r.FirstError is not null))
        {
            sb.AppendLine(Inv, $"  {r.Path}: {r.Errors} errors, first: {r.FirstError}");
        }

        return sb.ToString();
    }

    /// <summary>Where the machine's CPU went while each path was measured (Linux /proc; empty elsewhere).</summary>
    public static string CpuTable(IReadOnlyList<PathResult> results)
    {
        if (results.All(r => r.Cpu.MachineBusy is null))
        {
            return string.Empty;
        }

        static string F(double? v, string format) => v is { } x ? x.ToString(format, Inv) : "-";
        var width = Math.Max(4, results.Max(r => r.Path.Length));
        var sb = new StringBuilder();
        sb.AppendLine(Inv, $"CPU in cores (1.00 = one CPU busy) while measuring; host = --server-pid, other = everything else on the machine");
        sb.AppendLine(Inv, $"{"path".PadRight(width)}  {"host",6}  {"driver",6}  {"other",6}  {"steal",6}  {"host µs/req",11}");
        sb.AppendLine(new string('-', width + 47));
        foreach (var r in results)
        {
            var c = r.Cpu;
            var other = c.MachineBusy is { } busy && c.Driver is { } driver ? busy - driver - (c.Server ?? 0) - (c.Steal ?? 0) : (double?)null;
            sb.AppendLine(Inv, $"{r.Path.PadRight(width)}  {F(c.Cores(c.Server), "F2"),6}  {F(c.Cores(c.Driver), "F2"),6}  {F(c.Cores(other), "F2"),6}  {F(c.Cores(c.Steal), "F2"),6}  {F(r.ServerMicrosecondsPerRequest, "F1"),11}");
        }

        return sb.ToString();
    }

    /// <summary>Every path against the first (by default: the catalog list against /healthz).</summary>
    public static string Ratios(IReadOnlyList<PathResult> results)
    {
        if (results.Count < 2)
        {
            return string.Empty;
        }

        var baseline = results[0];
        var sb = new StringBuilder();
        foreach (var r in results.Skip(1))
        {
            if (baseline.RequestsPerSecond <= 0 || r.RequestsPerSecond <= 0)
            {
                sb.AppendLine(Inv, $"ratio {r.Path} / {baseline.Path}: n/a (no successful requests to compare)");
                continue;
            }

            var throughput = 100 * r.RequestsPerSecond / baseline.RequestsPerSecond;
            var p99 = baseline.P99Ms > 0 ? 100 * r.P99Ms / baseline.P99Ms : double.NaN;
            sb.AppendLine(Inv, $"ratio {r.Path} / {baseline.Path}: throughput {throughput:F1} %, p99 latency {p99:F0} % ({p99 / 100:F2}x)");
            if (baseline.ServerMicrosecondsPerRequest is { } b && r.ServerMicrosecondsPerRequest is { } c && c > 0)
            {
                sb.AppendLine(Inv, $"  host CPU per request {c:F1} µs vs {b:F1} µs ({c / b:F2}x): a host with the CPUs to itself would serve {r.Path} at about {100 * b / c:F0} % of {baseline.Path}'s rate");
            }
        }

        return sb.ToString();
    }
}
