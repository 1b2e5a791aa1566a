namespace CityService.Core.Jobs;

/// <summary>The <c>Jobs:*</c> settings (docs/operations.md).</summary>
public sealed class JobsOptions
{
    /// <summary>Whether this instance runs the scheduler and the outbox dispatcher (false: a pure web node).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How long a claimed run holds its lease before another instance may take it over; renewed every third of it while the job runs.</summary>
    public int LeaseSeconds { get; set; } = 60;

    /// <summary>The longest wait between two looks for due work (another instance's enqueued jobs; a crashed holder's lease).</summary>
    public int PollSeconds { get; set; } = 5;

    /// <summary>How many jobs one instance runs at the same time.</summary>
    public int MaxConcurrent { get; set; } = 4;

    /// <summary>How many times a failing one-off job is tried (recurring jobs simply run again at their next tick).</summary>
    public int OneOffMaxAttempts { get; set; } = 3;

    /// <summary>How long finished job runs and delivered outbox messages are kept (the cleanup job).</summary>
    public int KeepDays { get; set; } = 30;

    public TimeSpan Lease => TimeSpan.FromSeconds(LeaseSeconds);

    public TimeSpan Poll => TimeSpan.FromSeconds(PollSeconds);

    public void Validate()
    {
        if (LeaseSeconds < 1 || PollSeconds < 1 || MaxConcurrent < 1 || OneOffMaxAttempts < 1 || KeepDays < 1)
        {
            throw new InvalidOperationException("Jobs:LeaseSeconds, Jobs:PollSeconds, Jobs:MaxConcurrent, Jobs:OneOffMaxAttempts and Jobs:KeepDays must be positive.");
        }
    }
}

/// <summary>This process as a holder of leases: host name, process id and a random part (two hosts in one process differ).</summary>
public sealed class WorkerInstance
{
    public string Id { get; } = $"{Environment.MachineName}:{Environment.ProcessId}:{Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(3))}";
}
