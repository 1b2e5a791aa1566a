using System.Globalization;

namespace CityService.Bench;

/// <summary>Command-line options of the load driver.</summary>
public sealed record BenchOptions(
    Uri BaseUrl,
    int Concurrency,
    TimeSpan Duration,
    TimeSpan Warmup,
    IReadOnlyList<string> Paths,
    int Rounds,
    int? ServerPid,
    bool UseWrk,
    int WrkThreads,
    bool ShowHelp,
    string? SignIn = null)
{
    public const string DefaultUrl = "http://127.0.0.1:5080";

    /// <summary>Liveness first, so every other path is compared with it.</summary>
    public static readonly IReadOnlyList<string> DefaultPaths = ["/healthz", "/api/regions/330100/services"];

    public const string Usage = """
        usage: CityService.Bench [BASE_URL] [options]
          --url URL             base URL of the running host (default http://127.0.0.1:5080; also the first positional argument)
          --concurrency N       concurrent connections, one request in flight on each (default 32)
          --duration SECONDS    measured time per path (default 15; '15s' works too)
          --warmup SECONDS      unmeasured warm-up per path before measuring (default 3; 0 to skip)
          --path PATH           path to measure, repeatable; replaces the defaults /healthz and
                                /api/regions/330100/services. Every path is compared with the first one.
          --rounds N            split each path's measured time into N slices taken in turns (A B A B ...), so a
                                change in background load hits every path alike (default 3; 1 = one block per path)
          --server-pid PID      the host's process id (same machine): adds its CPU time per request to the report
          --wrk                 run `wrk --latency` instead of the built-in HttpClient driver and parse its output
                                (one block per path; --rounds does not apply)
          --wrk-threads N       wrk threads (default: min(processor count, concurrency))
          --sign-in PHONE:PASSWORD
                                sign in once with POST /api/auth/password and send the bearer token on every
                                request (e.g. --sign-in 13800000001:demo-citizen-1 --path /api/me; not with --wrk)
          -h, --help            this text
        Each response must be 200 (wrk: 2xx/3xx); anything else or a failed request is counted as an error
        and left out of the latency figures. Exit code 0 after a run, 2 for bad arguments, 1 when no request succeeded.
        """;

    public static BenchOptions Parse(IReadOnlyList<string> args)
    {
        var url = DefaultUrl;
        var concurrency = 32;
        var duration = TimeSpan.FromSeconds(15);
        var warmup = TimeSpan.FromSeconds(3);
        var paths = new List<string>();
        var rounds = 3;
        int? serverPid = null;
        var wrk = false;
        int? wrkThreads = null;
        var help = false;
        string? signIn = null;

        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            string? inline = null;
            if (arg.StartsWith("--", StringComparison.Ordinal) && arg.IndexOf('=', StringComparison.Ordinal) is var eq and > 0)
            {
                inline = arg[(eq + 1)..];
                arg = arg[..eq];
            }

            string Value()
            {
                if (inline is not null)
                {
                    return inline;
                }

                if (i + 1 >= args.Count)
                {
                    throw new ArgumentException($"{arg} needs a value");
                }

                return args[++i];
            }

            switch (arg)
            {
                case "-h" or "--help":
                    help = true;
                    break;
                case "--url":
                    url = Value();
                    break;
                case "--concurrency" or "-c":
                    concurrency = PositiveInt(arg, Value());
                    break;
                case "--duration" or "-d":
                    duration = Seconds(arg, Value(), allowZero: false);
                    break;
                case "--warmup" or "-w":
                    warmup = Seconds(arg, Value(), allowZero: true);
                    break;
                case "--path" or "-p":
                    paths.Add(Value());
                    break;
                case "--rounds":
                    rounds = PositiveInt(arg, Value());
                    break;
                case "--server-pid":
                    serverPid = PositiveInt(arg, Value());
                    break;
                case "--sign-in":
                    signIn = Value();
                    if (!signIn.Contains(':', StringComparison.Ordinal))
                    {
                        throw new ArgumentException("--sign-in takes PHONE:PASSWORD");
                    }

                    break;
                case "--wrk":
                    wrk = true;
                    break;
                case "--wrk-threads":
                    wrkThreads = PositiveInt(arg, Value());
                    break;
                default:
                    if (arg.StartsWith('-'))
                    {
                        throw new ArgumentException($"unknown option {arg}");
                    }

                    url = arg;
                    break;
            }
        }

        if (!Uri.TryCreate(url, UriKind.Absolute, out var baseUrl) || (baseUrl.Scheme != Uri.UriSchemeHttp && baseUrl.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"'{url}' is not an http(s) URL");
        }

        var normalized = (paths.Count == 0 ? DefaultPaths : paths)
            .Select(p => p.StartsWith('/') ? p : "/" + p)
            .ToList();
        return new BenchOptions(baseUrl, concurrency, duration, warmup, normalized, rounds, serverPid, wrk,
            wrkThreads ?? Math.Min(Environment.ProcessorCount, concurrency), help, signIn);
    }

    public Uri UrlFor(string path) => new(BaseUrl, path);

    private static int PositiveInt(string option, string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
            ? n
            : throw new ArgumentException($"{option} takes a whole number above 0, not '{value}'");

    private static TimeSpan Seconds(string option, string value, bool allowZero)
    {
        var text = value.EndsWith('s') ? value[..^1] : value;
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var s) && (s > 0 || (allowZero && s == 0)) && s <= 3600
            ? TimeSpan.FromSeconds(s)
            : throw new ArgumentException($"{option} takes seconds ({(allowZero ? "0" : "above 0")} to 3600), not '{value}'");
    }
}
