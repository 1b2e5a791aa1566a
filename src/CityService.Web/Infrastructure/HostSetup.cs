using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Unicode;
using CityService.Core.Identity;
using CityService.Core.Identity.SignIn;
using CityService.Core.Identity.Verification.Registry;
using CityService.Core.Regions;
using CityService.Core.Storage;
using CityService.Web.Features.Identity;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Localization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.WebEncoders;

namespace CityService.Web.Infrastructure;

/// <summary>How the host is put together; Program.cs reads top to bottom from these pieces.</summary>
public static class HostSetup
{
    public static readonly CultureInfo[] Cultures = [new("zh-CN"), new("en")];

    public static StorageSettings AddStorage(this WebApplicationBuilder builder)
    {
        var settings = StorageSettings.From(
            builder.Configuration["Storage:Provider"],
            builder.Configuration.GetConnectionString("Main"),
            Directory.GetCurrentDirectory(),
            StorageTimeouts.From(builder.Configuration.GetValue<int?>("Storage:ConnectTimeoutSeconds"), builder.Configuration.GetValue<int?>("Storage:CommandTimeoutSeconds")));
        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton<DatabaseOutage>();
        builder.Services.AddPooledDbContextFactory<CityDbContext>((sp, options) => ConfigureDatabase(sp, settings, options));
        builder.Services.AddScoped(sp => sp.GetRequiredService<IDbContextFactory<CityDbContext>>().CreateDbContext());
        builder.Services.AddSingleton<SchemaMigrator>();
        builder.Services.AddSingleton<DatabaseInitializer>();
        builder.Services.AddSingleton(TimeProvider.System);
        return settings;
    }

    /// <summary>
    /// The EF options of the host's contexts: the storage settings, the outage watch, the command-time metrics, and EF's
    /// own per-failure error logs lowered to Debug — an outage is logged once by <see cref="DatabaseOutage"/>, and any
    /// other failure by the exception handler, so nothing is lost and nothing is logged once per request while the
    /// database is away.
    /// </summary>
    public static void ConfigureDatabase(IServiceProvider services, StorageSettings settings, DbContextOptionsBuilder options)
    {
        settings.Configure(options);
        options.AddInterceptors(services.GetRequiredService<DatabaseOutage>(), Features.Metrics.DbCommandMetrics.For(settings.Provider));
        options.ConfigureWarnings(w => w.Log(
            (Microsoft.EntityFrameworkCore.Diagnostics.RelationalEventId.CommandError, LogLevel.Debug),
            (Microsoft.EntityFrameworkCore.Diagnostics.RelationalEventId.ConnectionError, LogLevel.Debug),
            (Microsoft.EntityFrameworkCore.Diagnostics.CoreEventId.QueryIterationFailed, LogLevel.Debug),
            (Microsoft.EntityFrameworkCore.Diagnostics.CoreEventId.SaveChangesFailed, LogLevel.Debug)));
    }

    public static void AddWebParts(this WebApplicationBuilder builder)
    {
        builder.Services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
            o.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower));
            o.SerializerOptions.Converters.Add(new TextJsonConverter()); // every JSON string is checked text (RequestInput)
        });
        builder.Services.AddProblemDetails();

        // Unreadable request bodies reach the exception handler as BadHttpRequestException and become 400 problems.
        builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.Services.AddExceptionHandler<Problems.ExceptionHandler>();
        builder.Services.AddOpenApi(o => OpenApiConventions.Configure(o, builder.Configuration));
        builder.Services.AddRazorPages(o => o.RootDirectory = "/Features").AddMvcOptions(o =>
        {
            o.Filters.Add<PageHandlerGuard>();
            o.Filters.Add<ErrorPage.FormExpiredFilter>();
        });

        // Chinese text is written as UTF-8, not as &#x...; entities.
        builder.Services.Configure<WebEncoderOptions>(o => o.TextEncoderSettings = new TextEncoderSettings(UnicodeRanges.All));
        builder.Services.AddSingleton<Texts>();
        builder.Services.Configure<RequestLocalizationOptions>(o =>
        {
            o.DefaultRequestCulture = new RequestCulture(Cultures[0]);
            o.SupportedCultures = Cultures;
            o.SupportedUICultures = Cultures;
            o.RequestCultureProviders =
            [
                new QueryStringRequestCultureProvider { QueryStringKey = "lang", UIQueryStringKey = "lang" },
                new CookieRequestCultureProvider(),

                // Pages stay Chinese unless the person switches; API clients may ask with Accept-Language.
                new CustomRequestCultureProvider(async http =>
                    IsApi(http.Request.Path) ? await new AcceptLanguageHeaderRequestCultureProvider().DetermineProviderCultureResult(http) : null),
            ];
        });
    }

    /// <summary>The OpenAPI document and Swagger UI; in Production only with <c>ApiDocs:Enabled=true</c>.</summary>
    public static void MapApiDocs(this WebApplication app)
    {
        if (!PublicSite.ApiDocsEnabled(app))
        {
            return;
        }

        app.MapOpenApi().AllowAnonymous();
        app.UseSwaggerUI(o =>
        {
            o.SwaggerEndpoint("/openapi/v1.json", "CityService v1");
            o.RoutePrefix = "api-docs";
        });
    }

    public static bool IsApi(PathString path) => path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase) || path.StartsWithSegments("/openapi", StringComparison.OrdinalIgnoreCase);

    public static void UseErrorAnswers(this WebApplication app)
    {
        // Outside the exception handler, for pages only: an exception it answers with a bare status (a page while the
        // database is away: 503) gets the friendly error page. Inside, as before: every other bodiless failure.
        app.UseWhen(http => !IsApi(http.Request.Path), pages => pages.UseStatusCodePagesWithReExecute("/error/{0}"));
        app.UseExceptionHandler();
        app.UseWhen(http => IsApi(http.Request.Path), api => api.UseStatusCodePages(Problems.WriteStatusProblem));
        app.UseWhen(http => !IsApi(http.Request.Path), pages => pages.UseStatusCodePagesWithReExecute("/error/{0}"));
    }

    /// <summary>Migrates and seeds before the first request; returns false when the host was started only to migrate.</summary>
    public static async Task<bool> PrepareDatabaseAsync(this WebApplication app, string[] args)
    {
        var seedDemo = app.Configuration.GetValue("Seed:Demo", false);
        var migrateOnly = args.Contains("migrate", StringComparer.OrdinalIgnoreCase);
        await app.Services.GetRequiredService<DatabaseInitializer>().InitializeAsync(
            seedDemo,
            app.Lifetime.ApplicationStopping,
            seedDemo && !migrateOnly
                ? async () =>
                {
                    await Features.Identity.DemoAccounts.SeedAsync(app.Services, app.Lifetime.ApplicationStopping);
                    await Features.Payments.Billing.DemoBills.SeedAsync(app.Services, app.Lifetime.ApplicationStopping); // bills (issue 10)
                }
                : null);
        _ = app.Services.GetRequiredService<RegionDirectory>();
        if (migrateOnly)
        {
            return false;
        }

        var site = PublicSite.ConfigurationProblems(app.Configuration, app.Environment);
        if (site.Count > 0)
        {
            throw new InvalidOperationException("The site is not configured for Production: " + string.Join(" ", site) + " See docs/operations.md.");
        }

        _ = app.Services.GetRequiredService<Core.Identity.PersonalDataKeys>(); // fail fast on missing or bad keys
        _ = app.Services.GetRequiredService<ISmsSender>(); // ... on a missing SMS gateway (or a simulator not chosen)
        _ = app.Services.GetRequiredService<Core.Notifications.Senders.IEmailTransport>(); // ... the same for e-mail
        _ = app.Services.GetRequiredService<IPopulationRegistry>(); // ... and registry
        return true;
    }

    public static void AnnounceAddresses(this WebApplication app, StorageSettings storage)
    {
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
            var where = storage.Provider == StorageProvider.Sqlite
                ? "SQLite " + new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(storage.ConnectionString).DataSource
                : "PostgreSQL";
            foreach (var address in addresses)
            {
                Console.WriteLine($"CityService is running at {address}  (storage: {where}{(PublicSite.ApiDocsEnabled(app) ? $"; API docs: {address}/api-docs" : string.Empty)})");
            }
        });
    }
}
