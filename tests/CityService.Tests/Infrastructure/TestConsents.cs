namespace CityService.Tests.Infrastructure;

/// <summary>What an API client sends when the citizen agreed to the shipped user agreement and privacy policy.</summary>
public static class TestConsents
{
    /// <summary>The shipped documents' version (Content/policies/*.md); <c>Shipped_policy_versions_are_what_tests_agree_to</c> keeps it honest.</summary>
    public const string Version = "2026.1";

    public static object Agreed { get; } = new { terms = Version, privacy = Version };
}
