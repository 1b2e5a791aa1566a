namespace CityService.Core.Jobs;

public enum OneOffJobState
{
    Pending,
    Succeeded,
    Failed,
}

/// <summary>
/// A job enqueued to run once (<see cref="JobScheduling.EnqueueJob"/>), written in the caller's transaction. While it runs it is
/// still <see cref="OneOffJobState.Pending"/> with a live lease; a crashed holder's lease expires and another instance
/// runs it again (attempt + 1).
/// </summary>
public sealed class OneOffJob
{
    private OneOffJob()
    {
        Name = string.Empty;
    }

    /// <summary>UUIDv7 (ordered by creation).</summary>
    public Guid Id { get; private set; }

    public string Name { get; private set; }

    /// <summary>The job's JSON argument (no personal data in clear).</summary>
    public string? Payload { get; private set; }

    public DateTimeOffset CreatedAt { get; private set; }

    public DateTimeOffset RunAt { get; private set; }

    public OneOffJobState State { get; private set; }

    /// <summary>Attempts started so far.</summary>
    public int Attempts { get; private set; }

    public string? LeaseOwner { get; private set; }

    public DateTimeOffset? LeaseUntil { get; private set; }

    public DateTimeOffset? FinishedAt { get; private set; }

    public string? LastError { get; private set; }

    public static OneOffJob Create(string name, string? payload, DateTimeOffset runAt, DateTimeOffset now) => new()
    {
        Id = Guid.CreateVersion7(now),
        Name = name,
        Payload = payload,
        CreatedAt = now,
        RunAt = runAt,
        State = OneOffJobState.Pending,
    };
}

public sealed class OneOffJobConfiguration : IEntityTypeConfiguration<OneOffJob>
{
    public void Configure(EntityTypeBuilder<OneOffJob> builder)
    {
        builder.ToTable("one_off_jobs");
        builder.HasIndex(j => new { j.State, j.RunAt }).HasDatabaseName("ix_one_off_jobs_state_run_at");
    }
}
