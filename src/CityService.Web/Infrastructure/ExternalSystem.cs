namespace CityService.Web.Infrastructure;

public enum ExternalSystemMode
{
    Real,
    Simulator,
}

/// <summary>
/// The one rule for every external system the platform talks to (population registry, SMS gateway, later wallets):
/// its simulator is used only where it is chosen — in Development and Testing, or explicitly with
/// <c>&lt;Name&gt;:Mode=Simulator</c> (which logs a warning at start-up). Anywhere else the real system's settings must
/// all be present, or the host refuses to start with a message naming the missing ones. The choice is checked when
/// the service is first resolved, which <see cref="HostSetup.PrepareDatabaseAsync"/> does at start-up (after
/// <c>migrate</c>, which needs no external system).
/// </summary>
public sealed partial record ExternalSystem(string Name, ExternalSystemMode Mode, string Reason, IReadOnlyList<string> MissingSettings, string SimulatorChoice)
{
    /// <summary>Decides between simulator and real system from the environment and configuration.</summary>
    /// <param name="requiredSettings">Keys under <paramref name="name"/> the real system needs, e.g. <c>BaseUrl</c>.</param>
    /// <param name="simulatorSwitch">The explicit choice of the simulator; defaults to <c>&lt;Name&gt;:Mode=Simulator</c>.</param>
    public static ExternalSystem Choose(
        IConfiguration configuration, IHostEnvironment environment, string name, IReadOnlyList<string> requiredSettings, (string Key, string Value)? simulatorSwitch = null)
    {
        var section = configuration.GetSection(name);
        var (switchKey, switchValue) = simulatorSwitch ?? ("Mode", "Simulator");
        var mode = section["Mode"];
        var choice = $"{name}:{switchKey}={switchValue}";
        if (string.Equals(section[switchKey], switchValue, StringComparison.OrdinalIgnoreCase))
        {
            return new(name, ExternalSystemMode.Simulator, choice, [], choice);
        }

        var forcedReal = mode is { Length: > 0 } && (string.Equals(mode, "Real", StringComparison.OrdinalIgnoreCase) || string.Equals(mode, "Http", StringComparison.OrdinalIgnoreCase));
        if (mode is { Length: > 0 } && !forcedReal && !string.Equals(mode, "Simulator", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"{name}:Mode '{mode}' is not known; use Real or Simulator.");
        }

        if (!forcedReal && IsLocal(environment))
        {
            return new(name, ExternalSystemMode.Simulator, $"the {environment.EnvironmentName} environment", [], choice);
        }

        var missing = requiredSettings.Where(k => string.IsNullOrWhiteSpace(section[k])).Select(k => $"{name}:{k}").ToList();
        return new(name, ExternalSystemMode.Real, forcedReal ? $"{name}:Mode={mode}" : "configuration", missing, choice);
    }

    /// <summary>Development (<c>dotnet run</c>) and the test suites' hosts.</summary>
    public static bool IsLocal(IHostEnvironment environment) => environment.IsDevelopment() || environment.IsEnvironment("Testing");

    /// <summary>
    /// Registers <typeparamref name="TService"/> as the simulator or the real system. <paramref name="real"/> null means
    /// no real implementation ships yet: then only the simulator can be chosen.
    /// </summary>
    public void Register<TService>(IServiceCollection services, Func<IServiceProvider, TService> simulator, Func<IServiceProvider, TService>? real)
        where TService : class
    {
        services.AddSingleton(this);
        services.AddSingleton(sp =>
        {
            if (Mode == ExternalSystemMode.Simulator)
            {
                Log.Simulator(sp.GetRequiredService<ILoggerFactory>().CreateLogger<ExternalSystem>(), Name, Reason);
                return simulator(sp);
            }

            if (real is null)
            {
                throw new InvalidOperationException(
                    $"{Name}: no real system is available in this build, and its simulator is only used where chosen. Set {SimulatorChoice} to accept the simulator knowingly.");
            }

            if (MissingSettings.Count > 0)
            {
                throw new InvalidOperationException(
                    $"{Name} is not configured: set {string.Join(", ", MissingSettings)}; or choose its simulator explicitly with {SimulatorChoice}. See docs/operations.md.");
            }

            return real(sp);
        });
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Warning, Message = "{System} uses its SIMULATOR ({Reason}): not the real system; it must not serve real people.")]
        public static partial void Simulator(ILogger logger, string system, string reason);
    }
}
