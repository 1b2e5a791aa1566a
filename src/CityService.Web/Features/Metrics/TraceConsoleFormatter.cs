using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace CityService.Web.Features.Metrics;

/// <summary>
/// The console's log line: one line per entry — UTC time, level, category and event id, the trace id of the request (or
/// job) it belongs to, the message. The trace id is the one the traces are exported under and the one an error page shows
/// as its reference. The framework's scopes are not written: they would add the raw request path, where a person may
/// have typed anything.
/// </summary>
public sealed class TraceConsoleFormatter() : ConsoleFormatter(FormatterName)
{
    public const string FormatterName = "cityservice";

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        var message = logEntry.Formatter(logEntry.State, logEntry.Exception);
        if (string.IsNullOrEmpty(message) && logEntry.Exception is null)
        {
            return;
        }

        textWriter.Write(DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.fffZ ", CultureInfo.InvariantCulture));
        textWriter.Write(Level(logEntry.LogLevel));
        textWriter.Write(' ');
        textWriter.Write(logEntry.Category);
        textWriter.Write('[');
        textWriter.Write(logEntry.EventId.Id.ToString(CultureInfo.InvariantCulture));
        textWriter.Write("] ");
        if (Activity.Current is { } activity)
        {
            textWriter.Write("trace=");
            textWriter.Write(activity.TraceId.ToHexString());
            textWriter.Write(' ');
        }

        textWriter.Write(OneLine(message));
        if (logEntry.Exception is { } exception)
        {
            textWriter.Write(" | ");
            textWriter.Write(OneLine(exception.ToString()));
        }

        textWriter.WriteLine();
    }

    private static string OneLine(string text) => text.ReplaceLineEndings(" ⏎ ");

    private static string Level(LogLevel level) => level switch
    {
        LogLevel.Trace => "trce",
        LogLevel.Debug => "dbug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "fail",
        LogLevel.Critical => "crit",
        _ => "none",
    };
}
