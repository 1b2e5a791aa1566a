using System.Text.RegularExpressions;
using CityService.RegistrySimulator;
using CityService.Testing;

namespace CityService.LogScan;

/// <summary>
/// Runs after the other test projects (scripts/test.sh orders it last) and reads the logs every test host wrote to
/// artifacts/logs: no phone number, sign-in code, resident ID number or registry name the tests used may appear.
/// </summary>
public sealed partial class LogScanTests
{
    private static readonly string Logs = Path.Combine(
        Repository.Artifacts(), "logs");

    [Fact]
    public void The_test_run_logged_no_phone_numbers_codes_id_numbers_or_names()
    {
        var logFiles = Directory.Exists(Logs) ? Directory.GetFiles(Logs, "host-*.log") : [];
        Assert.True(logFiles.Length > 0, $"No host logs in {Logs}: run the other test projects first (scripts/test.sh does).");
        var log = string.Concat(logFiles.Select(File.ReadAllText));
        Assert.True(log.Length > 10_000, "The captured logs are suspiciously small; is the log capture wired into the test hosts?");

        var sensitive = Directory.GetFiles(Logs, "sensitive-*.txt").SelectMany(File.ReadAllLines).Where(v => v.Length >= 6).ToHashSet();
        Assert.True(sensitive.Count > 20, "The tests recorded almost no sensitive values; is the SMS capture wired in?");
        sensitive.UnionWith(SimulatedPersons.All.Select(p => p.IdNumber));
        sensitive.UnionWith(SimulatedPersons.All.Select(p => p.Name));

        var leaks = sensitive.Where(v => Regex.IsMatch(log, $"(?<![0-9]){Regex.Escape(v)}(?![0-9])")).ToList();
        Assert.True(leaks.Count == 0, $"{leaks.Count} sensitive value(s) appear in the logs, e.g. {Mask(leaks.FirstOrDefault())}.");

        // Whatever the tests did not record: no full mainland mobile number or ID number shape at all — outside GUIDs, whose
        // hex digits can hold such a run by chance (an SMS gateway's RequestId "…-A13486627118" once did).
        var shapes = GuidShape().Replace(log, "<guid>");
        Assert.DoesNotMatch(PhoneShape(), shapes);
        Assert.DoesNotMatch(IdNumberShape(), shapes);
    }

    private static string Mask(string? value) => value is null ? "" : value[..Math.Min(3, value.Length)] + "…";

    [GeneratedRegex(@"\b[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\b")]
    private static partial Regex GuidShape();

    [GeneratedRegex(@"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")]
    private static partial Regex PhoneShape();

    [GeneratedRegex(@"(?<![0-9])[1-8][0-9]{5}(19|20)[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])[0-9]{3}[0-9X](?![0-9])")]
    private static partial Regex IdNumberShape();
}
