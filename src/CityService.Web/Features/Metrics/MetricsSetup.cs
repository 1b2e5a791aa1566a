using System.Diagnostics.Metrics;
using CityService.Core.Common;
using Microsoft.Extensions.Logging.Console;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace CityService.Web.Features.Metrics;

/// <summary>
/// Metrics and traces through OpenTelemetry (ADR 021). <c>/metrics</c> answers the Prometheus text format (OpenMetrics when
/// the scraper asks for it): HTTP requests by route template (ASP.NET Core's own meters), database time
/// (<see cref="DbCommandMetrics"/>, and Npgsql's meter on PostgreSQL), the platform's meter (<see cref="PlatformMetrics"/>:
/// jobs, outbox, sign-ins, codes, caches, notifications, audit) and the runtime. Only <see cref="MetricsAccess"/> may read
/// it; anyone else gets the site's ordinary 404. Traces are exported only when an exporter is configured
/// (<c>Telemetry:ConsoleExporter</c> locally, <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> in production); every console log line
/// carries its request's trace id either way (<see cref="TraceConsoleFormatter"/>).
/// </summary>
public static class MetricsSetup
{
    public const string Path = "/metrics";

    public static void AddMetrics(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton(MetricsAccess.From(builder.Configuration));

        var console = builder.Configuration.GetValue("Telemetry:ConsoleExporter", false);
        var otlp = !string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("cityservice", serviceInstanceId: Environment.MachineName + "-" + Environment.ProcessId))
            .WithMetrics(metrics => metrics
                .AddMeter(PlatformMetrics.MeterName)
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddNpgsqlInstrumentation()
                .AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0)); // every scrape sees the latest numbers
        builder.Services.ConfigureOpenTelemetryMeterProvider((services, metrics) =>
        {
            var own = services.GetRequiredService<IMeterFactory>();
            metrics.AddView(instrument => Exported(instrument, own));
        });
        if (console || otlp)
        {
            telemetry.WithTracing(tracing =>
            {
                tracing
                    .AddAspNetCoreInstrumentation(o => o.Filter = http => !http.Request.Path.StartsWithSegments(Path, StringComparison.OrdinalIgnoreCase))
                    .AddHttpClientInstrumentation()
                    .AddNpgsql();
                if (console)
                {
                    tracing.AddConsoleExporter();
                }
            });
        }

        if (otlp)
        {
            telemetry.UseOtlpExporter(); // metrics, traces and logs, to the collector the standard OTEL_EXPORTER_OTLP_* variables name
        }

        // One line per entry, carrying the trace id of its request (TraceConsoleFormatter).
        builder.Logging.AddConsole(o => o.FormatterName = TraceConsoleFormatter.FormatterName).AddConsoleFormatter<TraceConsoleFormatter, ConsoleFormatterOptions>();
    }

    /// <summary>
    /// How an instrument is exported: as it is (null), or under another name, or not at all. A meter made by another host's
    /// <see cref="IMeterFactory"/> (several test hosts share a process) is not this host's: its instruments carry the same
    /// names as this host's own, and the first one seen would shadow them. OpenTelemetry names a number-of gauge
    /// <c>….count</c> (<c>dotnet.thread_pool.thread.count</c>, <c>db.client.connection.count</c>); in Prometheus
    /// <c>_count</c> belongs to histograms and summaries, and promtool flags it, so such gauges are exported by the plural
    /// (<c>dotnet_thread_pool_threads</c>, <c>db_client_connections</c>).
    /// </summary>
    public static MetricStreamConfiguration? Exported(Instrument instrument, IMeterFactory own)
    {
        if (instrument.Meter.Scope is IMeterFactory factory && !ReferenceEquals(factory, own))
        {
            return MetricStreamConfiguration.Drop;
        }

        const string Suffix = ".count";
        var type = instrument.GetType().Name;
        if (!instrument.Name.EndsWith(Suffix, StringComparison.Ordinal)
            || type.StartsWith("Counter", StringComparison.Ordinal) || type.StartsWith("ObservableCounter", StringComparison.Ordinal) || type.StartsWith("Histogram", StringComparison.Ordinal))
        {
            return null;
        }

        var stem = instrument.Name[..^Suffix.Length];
        return new MetricStreamConfiguration { Name = stem.EndsWith('y') ? stem[..^1] + "ies" : stem + "s" };
    }

    /// <summary>/metrics, outside the API description and authorization (it has its own gate): a 404 for whoever may not read it.</summary>
    public static IEndpointRouteBuilder MapMetrics(this IEndpointRouteBuilder app)
    {
        var access = app.ServiceProvider.GetRequiredService<MetricsAccess>();
        app.MapPrometheusScrapingEndpoint(Path, meterProvider: null, configureBranchedPipeline: branch => branch.Use((http, next) =>
        {
            if (!access.Allows(http))
            {
                http.Response.StatusCode = StatusCodes.Status404NotFound; // as for any address that is not there
                return Task.CompletedTask;
            }

            return next(http);
        }), optionsName: null)
            .AllowAnonymous()
            .ExcludeFromDescription();
        return app;
    }
}
