using CityService.Core.Outbox;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CityService.Core.Jobs;

public static class BackgroundWorkSetup
{
    /// <summary>
    /// The scheduler and the outbox dispatcher (hosted services, unless <c>Jobs:Enabled</c> is false), the wake-up
    /// interceptor on every <see cref="CityDbContext"/>, the webhook channel when <c>Outbox:Webhook:Url</c> is set, and the
    /// platform's own cleanup job. Needs an <see cref="IDbContextFactory{TContext}"/> and a <see cref="TimeProvider"/>.
    /// </summary>
    public static IServiceCollection AddBackgroundWork(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<JobsOptions>().Bind(configuration.GetSection("Jobs")).Validate(o => { o.Validate(); return true; }).ValidateOnStart();
        services.AddOptions<OutboxOptions>().Bind(configuration.GetSection("Outbox")).Validate(o => { o.Validate(); return true; }).ValidateOnStart();
        services.AddSingleton<WorkerInstance>();
        services.AddSingleton<BackgroundWorkSignal>();
        services.ConfigureDbContext<CityDbContext>((sp, options) => options.AddInterceptors(sp.GetRequiredService<BackgroundWorkSignal>()));
        if (configuration.GetValue("Jobs:Enabled", true))
        {
            services.AddHostedService<JobScheduler>();
            services.AddHostedService<OutboxDispatcher>();
        }

        if (!string.IsNullOrWhiteSpace(configuration["Outbox:Webhook:Url"]))
        {
            services.AddHttpClient(WebhookSender.HttpClientName, (sp, http) =>
                http.Timeout = TimeSpan.FromSeconds(sp.GetRequiredService<IOptions<OutboxOptions>>().Value.Webhook.TimeoutSeconds));
            services.AddSingleton<IOutboxSender, WebhookSender>();
        }

        services.AddRecurringJob<CleanupJob>(CleanupJob.Name, CleanupJob.Interval);
        return services;
    }
}
