namespace CityService.Core.Jobs;

public enum JobRunOutcome
{
    Succeeded,
    Failed,

    /// <summary>The holder's lease expired before it finished (it crashed or hung); another instance ran the tick again.</summary>
    Abandoned,
}

/// <summary>
/// One attempt of one tick, as platform admins see it. <see cref="Tick"/> names the tick — a recurring job's scheduled
/// time (ISO 8601, UTC, milliseconds) or a one-off job's id — and (job, tick, attempt) is unique, so two instances can
/// never both record the same attempt of the same tick.
/// </summary>
public sealed class JobRun
{
    public const int MaxErrorLength = 500;

    private JobRun()
    {
        JobName = Tick = Instance = string.Empty;
    }

    public Guid Id { get; private set; }

    public string JobName { get; private set; }

    public string Tick { get; private set; }

    public DateTimeOffset ScheduledFor { get; private set; }

    public int Attempt { get; private set; }

    /// <summary>The instance that ran it (host name, process id and a random part).</summary>
    public string Instance { get; private set; }

    public DateTimeOffset StartedAt { get; private set; }

    public DateTimeOffset? EndedAt { get; private set; }

    /// <summary>Null while it runs.</summary>
    public JobRunOutcome? Outcome { get; private set; }

    /// <summary>The failure's type and message, cut to <see cref="MaxErrorLength"/>; jobs put no personal data in their exceptions.</summary>
    public string? Error { get; private set; }

    public static string TickOf(DateTimeOffset scheduledFor) =>
        StoredTime.Normalise(scheduledFor).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);

    public static JobRun Start(string jobName, string tick, DateTimeOffset scheduledFor, int attempt, string instance, DateTimeOffset now) => new()
    {
        Id = Guid.CreateVersion7(now),
        JobName = jobName,
        Tick = tick,
        ScheduledFor = scheduledFor,
        Attempt = attempt,
        Instance = instance,
        StartedAt = now,
    };

    public static string Describe(Exception e)
    {
        var text = $"{e.GetType().Name}: {e.Message}";
        return text.Length <= MaxErrorLength ? text : text[..MaxErrorLength];
    }
}

public sealed class JobRunConfiguration : IEntityTypeConfiguration<JobRun>
{
    public void Configure(EntityTypeBuilder<JobRun> builder)
    {
        builder.ToTable("job_runs");
        builder.HasIndex(r => new { r.JobName, r.Tick, r.Attempt }).IsUnique().HasDatabaseName("ux_job_runs_job_name_tick_attempt");
        builder.HasIndex(r => new { r.JobName, r.StartedAt }).HasDatabaseName("ix_job_runs_job_name_started_at");
    }
}
