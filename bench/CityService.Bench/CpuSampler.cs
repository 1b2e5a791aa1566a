using System.Diagnostics;
using System.Globalization;

namespace CityService.Bench;

/// <summary>
/// CPU time from Linux's /proc, in clock ticks (USER_HZ, 100 per second on every mainstream kernel):
/// the host's process (when its id is known), this driver with its waited-for children (wrk), and the whole machine.
/// On a shared machine this is what tells the host's own cost per request from everything else's.
/// Elsewhere every figure is unavailable and the report leaves the CPU columns out.
/// </summary>
public sealed record CpuSnapshot(long Timestamp, long? Server, long? Driver, long? MachineBusy, long? MachineSteal)
{
    public const double TicksPerSecond = 100;

    public static CpuSnapshot Take(int? serverPid) => new(
        Stopwatch.GetTimestamp(),
        serverPid is { } pid ? ProcessTicks($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat", withChildren: false) : null,
        ProcessTicks("/proc/self/stat", withChildren: true),
        Machine(out var steal),
        steal);

    /// <summary>utime + stime (+ cutime + cstime) from /proc/PID/stat.</summary>
    private static long? ProcessTicks(string path, bool withChildren)
    {
        try
        {
            var text = File.ReadAllText(path);

            // The command name (field 2) is in parentheses and may contain spaces; fields are counted after it.
            var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
            long Field(int n) => long.Parse(fields[n - 3], CultureInfo.InvariantCulture); // n as in proc(5)
            return Field(14) + Field(15) + (withChildren ? Field(16) + Field(17) : 0);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException or ArgumentOutOfRangeException)
        {
            return null;
        }
    }

    /// <summary>All CPUs' busy ticks (everything but idle and iowait) from the first line of /proc/stat.</summary>
    private static long? Machine(out long? steal)
    {
        steal = null;
        try
        {
            using var reader = new StreamReader("/proc/stat");
            var line = reader.ReadLine();
            if (line is null || !line.StartsWith("cpu ", StringComparison.Ordinal))
            {
                return null;
            }

            var v = line[4..].Split(' ', StringSplitOptions.RemoveEmptyEntries)
                .Select(s => long.Parse(s, CultureInfo.InvariantCulture)).ToArray();

            // user nice system idle iowait irq softirq steal (guest time is already in user)
            steal = v.Length > 7 ? v[7] : 0;
            return v[0] + v[1] + v[2] + v[5] + v[6] + (steal ?? 0);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }
}

/// <summary>CPU used between snapshots, summed over the measured slices of one path.</summary>
public sealed class CpuTotals
{
    public double Seconds { get; private set; }

    public double? Server { get; private set; } = 0;

    public double? Driver { get; private set; } = 0;

    public double? MachineBusy { get; private set; } = 0;

    public double? Steal { get; private set; } = 0;

    public void Add(CpuSnapshot before, CpuSnapshot after)
    {
        Seconds += Stopwatch.GetElapsedTime(before.Timestamp, after.Timestamp).TotalSeconds;
        Server = Sum(Server, before.Server, after.Server);
        Driver = Sum(Driver, before.Driver, after.Driver);
        MachineBusy = Sum(MachineBusy, before.MachineBusy, after.MachineBusy);
        Steal = Sum(Steal, before.MachineSteal, after.MachineSteal);
    }

    /// <summary>Average cores used (1.0 = one CPU fully busy) over the measured time.</summary>
    public double? Cores(double? ticks) => ticks is { } t && Seconds > 0 ? t / CpuSnapshot.TicksPerSecond / Seconds : null;

    private static double? Sum(double? total, long? before, long? after) =>
        total is { } t && before is { } b && after is { } a ? t + (a - b) : null;
}
