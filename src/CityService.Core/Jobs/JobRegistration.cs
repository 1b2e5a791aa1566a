using Microsoft.Extensions.DependencyInjection;

namespace CityService.Core.Jobs;

/// <summary>One run of a job as the scheduler hands it over.</summary>
/// <param name="ScheduledFor">The tick this run is for (a recurring job's due time; a one-off job's run-at time).</param>
/// <param name="Attempt">1 for the first try of this tick; more when an earlier holder's lease expired (it crashed).</param>
/// <param name="Payload">A one-off job's JSON argument; null for recurring jobs.</param>
public sealed record JobRunContext(string JobName, DateTimeOffset ScheduledFor, int Attempt, string? Payload);

/// <summary>Work that runs later, once across all instances. Resolved from a fresh DI scope for every run.</summary>
public interface IJob
{
    Task RunAsync(JobRunContext context, CancellationToken ct);
}

/// <summary>A job type the scheduler knows: recurring every <see cref="Interval"/>, or one-off (interval null) when enqueued.</summary>
public sealed record JobRegistration(string Name, Type JobType, TimeSpan? Interval);

public static class JobServiceCollectionExtensions
{
    /// <summary>Registers a job that runs every <paramref name="interval"/> (by the platform's clock), once across instances.</summary>
    public static IServiceCollection AddRecurringJob<TJob>(this IServiceCollection services, string name, TimeSpan interval)
        where TJob : class, IJob
    {
        services.AddScoped<TJob>();
        services.AddSingleton(new JobRegistration(name, typeof(TJob), interval));
        return services;
    }

    /// <summary>Registers a job type that runs when something enqueues it (with a payload and a run-at time).</summary>
    public static IServiceCollection AddOneOffJob<TJob>(this IServiceCollection services, string name)
        where TJob : class, IJob
    {
        services.AddScoped<TJob>();
        services.AddSingleton(new JobRegistration(name, typeof(TJob), null));
        return services;
    }
}
