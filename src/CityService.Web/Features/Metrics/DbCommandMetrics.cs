using System.Data.Common;
using CityService.Core.Common;
using CityService.Core.Storage;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace CityService.Web.Features.Metrics;

/// <summary>
/// Database time for both providers: every command EF Core runs is recorded in <see cref="PlatformMetrics.DbCommandDuration"/>
/// by provider and operation (the command's first keyword). Npgsql's own metrics add pool and connection detail for
/// PostgreSQL; SQLite has no such instruments, so this interceptor is what makes the two comparable.
/// </summary>
public sealed class DbCommandMetrics : DbCommandInterceptor
{
    public static readonly DbCommandMetrics Sqlite = new("sqlite");
    public static readonly DbCommandMetrics Postgres = new("postgresql");

    private readonly KeyValuePair<string, object?> _provider;

    private DbCommandMetrics(string provider) => _provider = new("provider", provider);

    public static DbCommandMetrics For(StorageProvider provider) => provider == StorageProvider.Sqlite ? Sqlite : Postgres;

    public override DbDataReader ReaderExecuted(DbCommand command, CommandExecutedEventData eventData, DbDataReader result)
    {
        Record(command, eventData.Duration, failed: false);
        return result;
    }

    public override ValueTask<DbDataReader> ReaderExecutedAsync(DbCommand command, CommandExecutedEventData eventData, DbDataReader result, CancellationToken cancellationToken = default)
    {
        Record(command, eventData.Duration, failed: false);
        return ValueTask.FromResult(result);
    }

    public override int NonQueryExecuted(DbCommand command, CommandExecutedEventData eventData, int result)
    {
        Record(command, eventData.Duration, failed: false);
        return result;
    }

    public override ValueTask<int> NonQueryExecutedAsync(DbCommand command, CommandExecutedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        Record(command, eventData.Duration, failed: false);
        return ValueTask.FromResult(result);
    }

    public override object? ScalarExecuted(DbCommand command, CommandExecutedEventData eventData, object? result)
    {
        Record(command, eventData.Duration, failed: false);
        return result;
    }

    public override ValueTask<object?> ScalarExecutedAsync(DbCommand command, CommandExecutedEventData eventData, object? result, CancellationToken cancellationToken = default)
    {
        Record(command, eventData.Duration, failed: false);
        return ValueTask.FromResult(result);
    }

    public override void CommandFailed(DbCommand command, CommandErrorEventData eventData) => Record(command, eventData.Duration, failed: true);

    public override Task CommandFailedAsync(DbCommand command, CommandErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        Record(command, eventData.Duration, failed: true);
        return Task.CompletedTask;
    }

    private void Record(DbCommand command, TimeSpan duration, bool failed) =>
        PlatformMetrics.DbCommandDuration.Record(
            duration.TotalSeconds,
            _provider,
            new("operation", Operation(command.CommandText)),
            new("outcome", failed ? "failed" : "succeeded"));

    /// <summary>The command's first keyword after blanks and EF's <c>--</c> tag lines; a fixed set, so labels stay few.</summary>
    public static string Operation(string? sql)
    {
        var text = sql.AsSpan();
        while (true)
        {
            text = text.TrimStart();
            if (!text.StartsWith("--"))
            {
                break;
            }

            var end = text.IndexOf('\n');
            text = end < 0 ? [] : text[(end + 1)..];
        }

        var length = 0;
        while (length < text.Length && char.IsAsciiLetter(text[length]))
        {
            length++;
        }

        var word = text[..length];
        return word.Equals("select", StringComparison.OrdinalIgnoreCase) ? "select"
            : word.Equals("insert", StringComparison.OrdinalIgnoreCase) ? "insert"
            : word.Equals("update", StringComparison.OrdinalIgnoreCase) ? "update"
            : word.Equals("delete", StringComparison.OrdinalIgnoreCase) ? "delete"
            : "other";
    }
}
