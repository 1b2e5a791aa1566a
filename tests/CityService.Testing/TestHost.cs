using System.Security.Cryptography;
using CityService.Core.Storage;
using Microsoft.AspNetCore.Hosting;

namespace CityService.Testing;

/// <summary>How every test project configures the real host: environment "Testing", its own database, the demo
/// catalog and accounts, and throwaway personal-data keys.</summary>
public static class TestHost
{
    public static IWebHostBuilder UseTestDefaults(this IWebHostBuilder builder, StorageSettings storage)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("Storage:Provider", storage.Provider.ToString());
        builder.UseSetting("ConnectionStrings:Main", storage.ConnectionString);
        builder.UseSetting("Seed:Demo", "true");

        // Static assets as production serves them (MapStaticAssets): the build's precompressed files are found through the
        // static web assets manifest, and fingerprinted URLs are cached immutably instead of the development reload mode.
        builder.UseStaticWebAssets();
        builder.UseSetting("ReloadStaticAssetsAtRuntime", "false");
        builder.UseSetting("Identity:PersonalData:ActiveKey", "t1");
        builder.UseSetting("Identity:PersonalData:Keys:t1", Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        builder.UseSetting("Identity:PersonalData:BlindIndexKey", Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        return builder;
    }
}
