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

        // Identifiers in hex (GUIDs, trace and span ids) are set aside first: their digits can hold a run that equals a
        // recorded code, or has a phone's shape, by chance — the SMS gateway's RequestId "…-A13486627118" once did, and a
        // RequestId "201634E8-…" held a six-digit run equal to one of the run's sign-in codes.
        var scanned = HexIdentifier().Replace(log, "<hex>");
        var leaks = sensitive.Where(v => Regex.IsMatch(scanned, $"(?<![0-9]){Regex.Escape(v)}(?![0-9])")).ToList();
        Assert.True(leaks.Count == 0, $"{leaks.Count} sensitive value(s) appear in the logs, e.g. {Mask(leaks.FirstOrDefault())}.");

        // Whatever the tests did not record: no full mainland mobile number or ID number shape at all.
        Assert.DoesNotMatch(PhoneShape(), scanned);
        Assert.DoesNotMatch(IdNumberShape(), scanned);
    }

    [Fact]
    public void Hex_identifiers_are_set_aside_but_digits_around_them_are_still_read()
    {
        Assert.Equal("RequestId <hex>)", HexIdentifier().Replace("RequestId 201634E8-3C56-44FD-8196-43A0B1C2D3E4)", "<hex>"));
        Assert.Equal("trace <hex> ok", HexIdentifier().Replace("trace 4bf92f3577b34da6a3ce929d0e0e4736 ok", "<hex>"));
        Assert.Equal("digits 123456789012345678 and 13000000000", HexIdentifier().Replace("digits 123456789012345678 and 13000000000", "<hex>"));
    }

    private static string Mask(string? value) => value is null ? "" : value[..Math.Min(3, value.Length)] + "…";

    /// <summary>A GUID, or a run of 16 or more hex digits with at least one letter (trace and span ids) — never a run of
    /// digits alone, which is what a phone or ID number would be.</summary>
    [GeneratedRegex(@"\b[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\b|\b(?=[0-9A-Fa-f]*[A-Fa-f])[0-9A-Fa-f]{16,}\b")]
    private static partial Regex HexIdentifier();

    [GeneratedRegex(@"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")]
    private static partial Regex PhoneShape();

    [GeneratedRegex(@"(?<![0-9])[1-8][0-9]{5}(19|20)[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])[0-9]{3}[0-9X](?![0-9])")]
    private static partial Regex IdNumberShape();
}
