using System.Diagnostics.Metrics;

namespace CityService.Core.Common;

/// <summary>
/// The platform's own instruments, on one <see cref="Meter"/> ("CityService") that the host exports at /metrics
/// (OpenTelemetry, Prometheus text format). Names follow OpenTelemetry's conventions (dots, units); the exporter turns
/// them into Prometheus names (<c>cityservice_jobs_runs_total</c>). Tags never carry personal data.
/// </summary>
public static class PlatformMetrics
{
    public const string MeterName = "CityService";

    public static readonly Meter Meter = new(MeterName);

    /// <summary>Job runs by <c>job</c> and <c>outcome</c> (succeeded | failed | abandoned).</summary>
    public static readonly Counter<long> JobRuns = Meter.CreateCounter<long>("cityservice.jobs.runs", "{run}", "Job runs by job and outcome");

    /// <summary>Outbox delivery attempts by <c>channel</c> and <c>outcome</c> (delivered | retry | dead).</summary>
    public static readonly Counter<long> OutboxAttempts = Meter.CreateCounter<long>("cityservice.outbox.attempts", "{attempt}", "Outbox delivery attempts by channel and outcome");

    /// <summary>Sign-ins by <c>method</c> (code | password | channel) and <c>outcome</c> (succeeded | failed).</summary>
    public static readonly Counter<long> SignIns = Meter.CreateCounter<long>("cityservice.signins", "{signin}", "Sign-in attempts by method and outcome");

    /// <summary>One-time codes sent by SMS, by <c>purpose</c>.</summary>
    public static readonly Counter<long> CodesSent = Meter.CreateCounter<long>("cityservice.codes.sent", "{code}", "One-time codes sent");

    /// <summary>Cache lookups by <c>cache</c> and <c>result</c> (hit | miss).</summary>
    public static readonly Counter<long> CacheLookups = Meter.CreateCounter<long>("cityservice.cache.lookups", "{lookup}", "Cache lookups by cache and result");

    /// <summary>Notifications created by <c>event</c> and <c>channel</c>.</summary>
    public static readonly Counter<long> Notifications = Meter.CreateCounter<long>("cityservice.notifications", "{notification}", "Notifications by event and channel");

    /// <summary>Audit entries appended by <c>action</c> and <c>outcome</c>.</summary>
    public static readonly Counter<long> AuditEntries = Meter.CreateCounter<long>("cityservice.audit.entries", "{entry}", "Audit entries appended");

    /// <summary>The outbox's numbers by channel as the dispatcher last read them (every <c>Outbox:StatsSeconds</c>), so a
    /// scrape reads memory, not the database.</summary>
    public static IReadOnlyList<CityService.Core.Outbox.OutboxChannelNumbers> Outbox { get; set; } = [];

    /// <summary>Outbox messages waiting (pending), by <c>channel</c>.</summary>
    public static readonly ObservableGauge<long> OutboxDepth = Meter.CreateObservableGauge("cityservice.outbox.depth",
        () => Outbox.Select(n => new Measurement<long>(n.Pending, new KeyValuePair<string, object?>("channel", n.Channel))), "{message}", "Outbox messages waiting, by channel");

    /// <summary>The age of the oldest waiting outbox message, by <c>channel</c>.</summary>
    public static readonly ObservableGauge<double> OutboxOldestAge = Meter.CreateObservableGauge("cityservice.outbox.oldest_age",
        () => Outbox.Select(n => new Measurement<double>(n.OldestPendingAgeSeconds, new KeyValuePair<string, object?>("channel", n.Channel))), "s", "Age of the oldest waiting outbox message, by channel");

    /// <summary>Dead outbox messages (given up; an operator may retry them), by <c>channel</c>.</summary>
    public static readonly ObservableGauge<long> OutboxDead = Meter.CreateObservableGauge("cityservice.outbox.dead",
        () => Outbox.Select(n => new Measurement<long>(n.Dead, new KeyValuePair<string, object?>("channel", n.Channel))), "{message}", "Dead outbox messages, by channel");
    /// <summary>
    /// Database command time by <c>provider</c> (sqlite | postgresql), <c>operation</c> (select | insert | update | delete |
    /// other) and <c>outcome</c> (succeeded | failed), measured by EF Core for both providers. Buckets from 0.5 ms: most
    /// commands on a warm database take a few milliseconds, and the defaults (0–10,000, meant for milliseconds) would put
    /// every one of them in the first bucket.
    /// </summary>
    public static readonly Histogram<double> DbCommandDuration = Meter.CreateHistogram<double>(
        "cityservice.db.command.duration",
        "s",
        "Database command time by provider, operation and outcome",
        tags: null,
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });
}
