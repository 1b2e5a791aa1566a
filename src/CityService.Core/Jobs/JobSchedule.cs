namespace CityService.Core.Jobs;

/// <summary>
/// A recurring job's row: when its next tick is due and who holds it while it runs. The scheduler claims a due tick with
/// one conditional UPDATE (due, and no live lease), so of all instances exactly one runs it; a holder that crashes stops
/// renewing <see cref="LeaseUntil"/>, and after it passes another instance claims the same tick again with
/// <see cref="Attempt"/> + 1.
/// </summary>
public sealed class JobSchedule
{
    private JobSchedule()
    {
        Name = string.Empty;
    }

    public string Name { get; private set; }

    /// <summary>The tick the job runs for next (its scheduled time); while a run holds the lease, the tick it is running.</summary>
    public DateTimeOffset NextDueAt { get; private set; }

    public string? LeaseOwner { get; private set; }

    public DateTimeOffset? LeaseUntil { get; private set; }

    /// <summary>The attempt of the tick being run (0 while nobody holds it).</summary>
    public int Attempt { get; private set; }

    public static JobSchedule Create(string name, DateTimeOffset firstDue) => new() { Name = name, NextDueAt = firstDue };

    /// <summary>The first tick after <paramref name="after"/> on the grid <paramref name="from"/> + k·<paramref name="interval"/>
    /// (k ≥ 1). Ticks missed while every instance was down are not made up one by one: the job runs once, then on the grid.</summary>
    public static DateTimeOffset NextTick(DateTimeOffset from, TimeSpan interval, DateTimeOffset after)
    {
        var next = from + interval;
        if (next > after)
        {
            return next;
        }

        var behind = (after - from).Ticks / interval.Ticks; // whole intervals already passed
        next = from + TimeSpan.FromTicks(interval.Ticks * (behind + 1));
        return next > after ? next : next + interval;
    }

    /// <summary>The first tick of a new job: the next multiple of its interval since the Unix epoch, so every instance
    /// computes the same grid whenever it starts.</summary>
    public static DateTimeOffset FirstTick(TimeSpan interval, DateTimeOffset now) =>
        NextTick(DateTimeOffset.UnixEpoch, interval, now);
}

public sealed class JobScheduleConfiguration : IEntityTypeConfiguration<JobSchedule>
{
    public void Configure(EntityTypeBuilder<JobSchedule> builder)
    {
        builder.ToTable("job_schedules");
        builder.HasKey(j => j.Name);
    }
}
