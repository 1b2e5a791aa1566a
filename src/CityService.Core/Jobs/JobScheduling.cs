namespace CityService.Core.Jobs;

/// <summary>How a capability asks for work later: add a one-off job to the same context as the change, then save once.</summary>
public static class JobScheduling
{
    /// <summary>Adds a run of the one-off job <paramref name="name"/> at <paramref name="runAt"/> to <paramref name="db"/>'s
    /// pending changes (<paramref name="now"/>: when it was asked for, default <paramref name="runAt"/>); it is written by the caller's own SaveChanges (in its transaction).</summary>
    public static OneOffJob EnqueueJob(this CityDbContext db, string name, string? payloadJson, DateTimeOffset runAt, DateTimeOffset? now = null)
    {
        var job = OneOffJob.Create(name, payloadJson, runAt, now ?? runAt);
        db.OneOffJobs.Add(job);
        return job;
    }
}
