using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;

namespace CityService.Bench;

/// <summary>What was measured for one path.</summary>
public sealed record PathResult(
    string Path,
    long Ok,
    long Errors,
    TimeSpan Elapsed,
    double P50Ms,
    double P99Ms,
    double MaxMs,
    double MeanMs,
    long BytesPerResponse,
    string? FirstError,
    CpuTotals Cpu)
{
    /// <summary>Successful (200) responses per second of measured time.</summary>
    public double RequestsPerSecond => Elapsed > TimeSpan.Zero ? Ok / Elapsed.TotalSeconds : 0;

    /// <summary>The host's CPU time per answered request, in microseconds, when its process id was given.</summary>
    public double? ServerMicrosecondsPerRequest =>
        Cpu.Server is { } ticks && Ok + Errors > 0 ? ticks / CpuSnapshot.TicksPerSecond * 1e6 / (Ok + Errors) : null;
}

/// <summary>
/// Closed-loop load: <c>concurrency</c> workers, each keeping one request in flight on its own pooled
/// HTTP/1.1 connection. Every path is warmed up (discarded), then the measured time of each path is taken in
/// <c>rounds</c> slices in turns, so slow phases of a shared machine fall on every path alike.
/// </summary>
public static class LoadRunner
{
    /// <summary>
    /// Every request says it came through a TLS-terminating proxy, as in production (docs/operations.md): a Production
    /// host started with ASPNETCORE_FORWARDEDHEADERS_ENABLED=true then serves it instead of redirecting to https.
    /// </summary>
    public const string ForwardedProto = "X-Forwarded-Proto: https";

    public static async Task<IReadOnlyList<PathResult>> RunAsync(BenchOptions options, Action<string> progress, CancellationToken ct)
    {
        using var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = options.Concurrency,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            ConnectTimeout = TimeSpan.FromSeconds(10),
            AutomaticDecompression = DecompressionMethods.None,
            AllowAutoRedirect = false,
            UseCookies = false,
            UseProxy = false,
        };
        using var client = new HttpClient(handler, disposeHandler: false)
        {
            Timeout = TimeSpan.FromSeconds(30),
            DefaultRequestVersion = HttpVersion.Version11,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };

        client.DefaultRequestHeaders.Add(ForwardedProto[..ForwardedProto.IndexOf(':', StringComparison.Ordinal)], "https");
        if (options.SignIn is { } signIn)
        {
            var colon = signIn.IndexOf(':', StringComparison.Ordinal);
            using var answer = await client.PostAsJsonAsync(options.UrlFor("/api/auth/password"), new { phone = signIn[..colon], password = signIn[(colon + 1)..] }, ct);
            answer.EnsureSuccessStatusCode();
            var token = (await answer.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>(ct)).GetProperty("accessToken").GetString();
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
            progress("signed in as " + signIn[..3] + "****" + signIn[(colon - 4)..colon] + ": every request carries its bearer token");
        }

        var urls = options.Paths.Select(options.UrlFor).ToArray();
        if (options.Warmup > TimeSpan.Zero)
        {
            foreach (var (url, path) in urls.Zip(options.Paths))
            {
                progress(string.Create(CultureInfo.InvariantCulture, $"warm-up {path} ({options.Warmup.TotalSeconds:0.#} s)"));
                _ = await RunPhaseAsync(client, url, options.Concurrency, options.Warmup, ct);
            }
        }

        var slice = options.Duration / options.Rounds;
        var workers = options.Paths.Select(_ => new List<Worker>()).ToArray();
        var elapsed = new TimeSpan[options.Paths.Count];
        var cpu = options.Paths.Select(_ => new CpuTotals()).ToArray();
        for (var round = 1; round <= options.Rounds && !ct.IsCancellationRequested; round++)
        {
            for (var i = 0; i < urls.Length && !ct.IsCancellationRequested; i++)
            {
                progress(string.Create(CultureInfo.InvariantCulture, $"round {round}/{options.Rounds}: {options.Paths[i]} ({slice.TotalSeconds:0.#} s)"));

                // Keep the driver's own garbage out of the measured slice as far as possible.
                GC.Collect();
                GC.WaitForPendingFinalizers();
                var before = CpuSnapshot.Take(options.ServerPid);
                var phase = await RunPhaseAsync(client, urls[i], options.Concurrency, slice, ct);
                cpu[i].Add(before, CpuSnapshot.Take(options.ServerPid));
                workers[i].AddRange(phase.Workers);
                elapsed[i] += phase.Elapsed;
            }
        }

        return options.Paths.Select((path, i) => Summarize(path, workers[i], elapsed[i], cpu[i])).ToList();
    }

    /// <summary>Nearest-rank percentile of sorted values.</summary>
    public static long Percentile(long[] sorted, double p)
    {
        if (sorted.Length == 0)
        {
            return 0;
        }

        var rank = (int)Math.Ceiling(p * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }

    private static PathResult Summarize(string path, List<Worker> workers, TimeSpan elapsed, CpuTotals cpu)
    {
        var latencies = workers.SelectMany(w => w.Latencies).ToArray();
        Array.Sort(latencies);
        var ok = latencies.LongLength;
        return new PathResult(
            path,
            ok,
            workers.Sum(w => w.Errors),
            elapsed,
            Milliseconds(Percentile(latencies, 0.50)),
            Milliseconds(Percentile(latencies, 0.99)),
            Milliseconds(ok > 0 ? latencies[^1] : 0),
            ok > 0 ? Milliseconds(latencies.Average(l => (double)l)) : 0,
            ok > 0 ? workers.Sum(w => w.Bytes) / ok : 0,
            workers.Select(w => w.FirstError).FirstOrDefault(e => e is not null),
            cpu);
    }

    private static double Milliseconds(double stopwatchTicks) => stopwatchTicks * 1000.0 / Stopwatch.Frequency;

    private static async Task<(Worker[] Workers, TimeSpan Elapsed)> RunPhaseAsync(
        HttpClient client, Uri url, int concurrency, TimeSpan duration, CancellationToken ct)
    {
        var workers = Enumerable.Range(0, concurrency).Select(_ => new Worker()).ToArray();
        var started = Stopwatch.GetTimestamp();
        var end = started + (long)(duration.TotalSeconds * Stopwatch.Frequency);

        // Workers start on the thread pool so none of them runs its first request inline here.
        await Task.WhenAll(workers.Select(w => Task.Run(() => w.RunAsync(client, url, end, ct), CancellationToken.None)));
        return (workers, Stopwatch.GetElapsedTime(started));
    }

    private sealed class Worker
    {
        private readonly byte[] _buffer = new byte[64 * 1024];

        public List<long> Latencies { get; } = new(capacity: 1 << 12);

        public long Errors { get; private set; }

        public long Bytes { get; private set; }

        public string? FirstError { get; private set; }

        public async Task RunAsync(HttpClient client, Uri url, long end, CancellationToken ct)
        {
            while (!ct.IsCancellationRequested && Stopwatch.GetTimestamp() < end)
            {
                var start = Stopwatch.GetTimestamp();
                try
                {
                    using var request = new HttpRequestMessage(HttpMethod.Get, url);
                    using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
                    long read = 0;
                    await using (var body = await response.Content.ReadAsStreamAsync(ct))
                    {
                        int n;
                        while ((n = await body.ReadAsync(_buffer, ct)) > 0)
                        {
                            read += n;
                        }
                    }

                    var elapsed = Stopwatch.GetTimestamp() - start;
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        Latencies.Add(elapsed);
                        Bytes += read;
                    }
                    else
                    {
                        Fail("HTTP " + ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture) + " " + response.ReasonPhrase);
                    }
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex) when (ex is HttpRequestException or IOException or TaskCanceledException)
                {
                    Fail(ex.GetType().Name + ": " + ex.Message);

                    // A refused connection fails in microseconds; do not spin the shared CPU on it.
                    await Task.Delay(5, CancellationToken.None);
                }
            }
        }

        private void Fail(string message)
        {
            Errors++;
            FirstError ??= message;
        }
    }
}
