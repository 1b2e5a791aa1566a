using System.Collections.Concurrent;
using System.Security.Cryptography;
using CityService.Core.Storage;
using Microsoft.AspNetCore.Hosting;

namespace CityService.Testing;

/// <summary>
/// One migrated and seeded database per provider, kind of fixture and test process (schema, 3,216 regions, the demo
/// catalog, accounts and bills, as a host's first start leaves them), which every fixture copies instead of migrating and
/// seeding its own: a copy takes a fraction of a second, the seeding seconds of CPU (docs/benchmarks.md, "Test command
/// time"). The template is seeded by the fixture's own kind of host, stopped before the first copy; each copy is a fresh
/// database of its own, so fixtures stay as isolated as before. The personal data keys are random per process instead of
/// per host, since the copies share the template's sealed data: hosts on copies use <see cref="UseProcessKeys"/>.
/// </summary>
public static class SeededTemplate
{
    private static readonly string DataKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
    private static readonly string IndexKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
    private static readonly ConcurrentDictionary<(StorageProvider Provider, string Label), Lazy<Task<TestDatabase>>> Templates = new();

    /// <summary>The personal data keys of this test process (after <see cref="TestHost.UseTestDefaults"/>, which draws its own).</summary>
    public static IWebHostBuilder UseProcessKeys(this IWebHostBuilder builder)
    {
        builder.UseSetting("Identity:PersonalData:ActiveKey", "t1");
        builder.UseSetting("Identity:PersonalData:Keys:t1", DataKey);
        builder.UseSetting("Identity:PersonalData:BlindIndexKey", IndexKey);
        return builder;
    }

    /// <summary>
    /// A fresh database copied from the template of (<paramref name="provider"/>, <paramref name="label"/>); the first call
    /// creates the template and runs <paramref name="seed"/> on it (start and stop a host on those settings).
    /// </summary>
    public static async Task<TestDatabase> CloneAsync(StorageProvider provider, string label, Func<StorageSettings, Task> seed)
    {
        var template = await Templates.GetOrAdd((provider, label), key => new Lazy<Task<TestDatabase>>(() => SeedAsync(key.Provider, key.Label, seed))).Value;
        return await TestDatabase.CloneAsync(template, label);
    }

    private static async Task<TestDatabase> SeedAsync(StorageProvider provider, string label, Func<StorageSettings, Task> seed)
    {
        var template = await TestDatabase.CreateAsync(provider, label + "template");
        await seed(template.Settings);
        await template.QuiesceAsync();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => template.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return template;
    }
}
