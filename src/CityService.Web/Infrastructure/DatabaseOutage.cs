using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;

namespace CityService.Web.Infrastructure;

/// <summary>
/// Whether the database is away, so requests that need it are answered 503 with Retry-After (not 500), and the outage
/// is logged once when it starts and once when it ends instead of once per request. Successful commands (seen by this
/// EF interceptor) end an outage.
/// </summary>
public sealed partial class DatabaseOutage(TimeProvider time, ILogger<DatabaseOutage> logger) : DbCommandInterceptor
{
    /// <summary>What callers are told to wait before trying again.</summary>
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(5);

    private long _since = -1; // ticks of the first failure; -1 while the database answers

    public bool IsDown => Interlocked.Read(ref _since) >= 0;

    /// <summary>True for failures that mean "the database cannot be reached or cannot take writes now", not a bug.</summary>
    public static bool IsUnavailable(Exception exception)
    {
        var fromDatabase = false; // a bare TimeoutException may come from an HTTP call (the registry): not the database
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            fromDatabase |= e is DbException || e.GetType().Namespace?.StartsWith("Microsoft.EntityFrameworkCore", StringComparison.Ordinal) == true;
            switch (e)
            {
                case TimeoutException when fromDatabase:
                case NpgsqlException { IsTransient: true }:
                case SqliteException { SqliteErrorCode: var code } when SqliteUnavailable(code):
                    return true;
                case AggregateException aggregate when aggregate.InnerExceptions.Any(IsUnavailable):
                    return true;
            }
        }

        return false;
    }

    /// <summary>Busy, read-only, I/O error, full, cannot open (primary result codes; extended codes share the low byte).</summary>
    private static bool SqliteUnavailable(int code) => (code & 0xFF) is 5 or 8 or 10 or 13 or 14;

    /// <summary>Records a failure; logs only when this is the first one of an outage.</summary>
    public void Failed(Exception exception)
    {
        if (Interlocked.CompareExchange(ref _since, time.GetUtcNow().UtcTicks, -1) == -1)
        {
            LogDown(Describe(exception));
        }
    }

    public void Answered()
    {
        var since = Interlocked.Exchange(ref _since, -1);
        if (since >= 0)
        {
            LogUp(time.GetUtcNow() - new DateTimeOffset(since, TimeSpan.Zero));
        }
    }

    public override DbDataReader ReaderExecuted(DbCommand command, CommandExecutedEventData eventData, DbDataReader result) =>
        Seen(result);

    public override ValueTask<DbDataReader> ReaderExecutedAsync(DbCommand command, CommandExecutedEventData eventData, DbDataReader result, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Seen(result));

    public override int NonQueryExecuted(DbCommand command, CommandExecutedEventData eventData, int result) => Seen(result);

    public override ValueTask<int> NonQueryExecutedAsync(DbCommand command, CommandExecutedEventData eventData, int result, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Seen(result));

    public override object? ScalarExecuted(DbCommand command, CommandExecutedEventData eventData, object? result) => Seen(result);

    public override ValueTask<object?> ScalarExecutedAsync(DbCommand command, CommandExecutedEventData eventData, object? result, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Seen(result));

    public override void CommandFailed(DbCommand command, CommandErrorEventData eventData) => Observe(eventData.Exception);

    public override Task CommandFailedAsync(DbCommand command, CommandErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        Observe(eventData.Exception);
        return Task.CompletedTask;
    }

    private T Seen<T>(T result)
    {
        if (IsDown)
        {
            Answered();
        }

        return result;
    }

    private void Observe(Exception exception)
    {
        if (IsUnavailable(exception))
        {
            Failed(exception);
        }
    }

    // The message only: no stack per outage, and database messages carry no personal data (parameters are not in them).
    private static string Describe(Exception exception)
    {
        var inner = exception;
        while (inner.InnerException is not null && inner is not NpgsqlException and not SqliteException)
        {
            inner = inner.InnerException;
        }

        return $"{inner.GetType().Name}: {inner.Message}";
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The database is unavailable ({Reason}); requests that need it are answered 503 until it answers again.")]
    private partial void LogDown(string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The database answers again after {Duration}.")]
    private partial void LogUp(TimeSpan duration);
}
