using CityService.RegistrySimulator;
using CityService.Web.Features.Identity;

namespace CityService.Tests.Infrastructure;

/// <summary>Generated persons of the registry simulator for tests that bind ID numbers to accounts.</summary>
public static class TestPersons
{
    private static readonly HashSet<int> UsedByDemoAccounts = DemoAccounts.All.Select(d => d.VerifiedPerson).OfType<int>().ToHashSet();

    /// <summary>
    /// The next person by the caller's own counter (one per test class, i.e. per database), skipping the persons the demo
    /// accounts hold, so no two tests on one database bind the same ID number.
    /// </summary>
    public static SimulatedPerson Next(ref int counter)
    {
        int index;
        do
        {
            index = Interlocked.Increment(ref counter) % SimulatedPersons.All.Count;
        }
        while (UsedByDemoAccounts.Contains(index));
        return SimulatedPersons.All[index];
    }
}
