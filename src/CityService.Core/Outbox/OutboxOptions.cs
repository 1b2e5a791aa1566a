namespace CityService.Core.Outbox;

/// <summary>The <c>Outbox:*</c> settings (docs/operations.md). The dispatcher runs where <c>Jobs:Enabled</c> is true.</summary>
public sealed class OutboxOptions
{
    /// <summary>Attempts before a message is dead (a sender's Reject makes it dead at once).</summary>
    public int MaxAttempts { get; set; } = 8;

    /// <summary>The wait after the first failure; it doubles with every further failure, up to <see cref="MaxDelaySeconds"/>.</summary>
    public double BaseDelaySeconds { get; set; } = 5;

    public double MaxDelaySeconds { get; set; } = 3600;

    /// <summary>Up to this fraction of the wait is added at random, so messages that failed together do not retry together.</summary>
    public double Jitter { get; set; } = 0.2;

    /// <summary>How long a claimed batch is held; a sender's own timeout must stay under half of it.</summary>
    public int LeaseSeconds { get; set; } = 60;

    /// <summary>The longest wait between two looks for due messages (other instances' messages, retries).</summary>
    public int PollSeconds { get; set; } = 5;

    public int BatchSize { get; set; } = 50;

    /// <summary>Messages of one batch sent at the same time.</summary>
    public int Concurrency { get; set; } = 4;

    /// <summary>How often the operator numbers (depth, oldest age, dead) are read for the metrics.</summary>
    public int StatsSeconds { get; set; } = 15;

    public WebhookOptions Webhook { get; set; } = new();

    public TimeSpan Lease => TimeSpan.FromSeconds(LeaseSeconds);

    public TimeSpan Poll => TimeSpan.FromSeconds(PollSeconds);

    /// <summary>The wait after the <paramref name="failures"/>-th failure, before jitter: base·2^(failures−1), capped.</summary>
    public TimeSpan Backoff(int failures) =>
        TimeSpan.FromSeconds(Math.Min(MaxDelaySeconds, BaseDelaySeconds * Math.Pow(2, Math.Max(0, failures - 1))));

    public void Validate()
    {
        if (MaxAttempts < 1 || BaseDelaySeconds <= 0 || MaxDelaySeconds < BaseDelaySeconds || Jitter is < 0 or > 1
            || LeaseSeconds < 1 || PollSeconds < 1 || BatchSize < 1 || Concurrency < 1 || StatsSeconds < 1)
        {
            throw new InvalidOperationException("Outbox:* settings out of range (see docs/operations.md).");
        }
    }
}

/// <summary><c>Outbox:Webhook:*</c>: the "webhook" channel posts each message's payload to one URL.</summary>
public sealed class WebhookOptions
{
    /// <summary>Where the webhook channel posts; empty: no webhook sender is registered.</summary>
    public string? Url { get; set; }

    public int TimeoutSeconds { get; set; } = 10;
}
