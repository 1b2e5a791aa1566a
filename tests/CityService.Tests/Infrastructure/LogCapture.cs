using System.Collections.Concurrent;
using CityService.Testing;
using Microsoft.Extensions.Logging;

namespace CityService.Tests.Infrastructure;

/// <summary>
/// Writes every log line of every test host (Information and above, with exceptions) to artifacts/logs, and records
/// the personal data the tests send, so tests/CityService.LogScan can check after the run that none of it was logged.
/// </summary>
public sealed class LogCapture : ILoggerProvider
{
    public static readonly LogCapture Instance = new();

    private static readonly string Directory = System.IO.Directory.CreateDirectory(Path.Combine(
        Repository.Artifacts(),
        "logs")).FullName;

    private static readonly string LogFile = Path.Combine(Directory, $"host-{Environment.ProcessId}.log");
    private static readonly string SecretsFile = Path.Combine(Directory, $"sensitive-{Environment.ProcessId}.txt");
    private static readonly object Gate = new();
    private readonly ConcurrentDictionary<string, Logger> _loggers = new();

    /// <summary>Records a value that must never appear in a log (a phone, a code, an ID number, a name).</summary>
    public static void Sensitive(string value)
    {
        lock (Gate)
        {
            File.AppendAllText(SecretsFile, value + "\n");
        }
    }

    public ILogger CreateLogger(string categoryName) => _loggers.GetOrAdd(categoryName, c => new Logger(c));

    public void Dispose()
    {
    }

    private sealed class Logger(string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            var line = $"{logLevel} {category}: {formatter(state, exception)}{(exception is null ? string.Empty : "\n" + exception)}\n";
            lock (Gate)
            {
                File.AppendAllText(LogFile, line);
            }
        }
    }
}
