namespace CityService.Testing;

/// <summary>Where the repository is, for tests that read or run what it holds (tools, docs, artifacts).</summary>
public static class Repository
{
    /// <summary>The folder holding CityService.slnx, found by walking up from the test's output folder.</summary>
    public static string Root()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CityService.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("CityService.slnx not found above " + AppContext.BaseDirectory);
    }

    /// <summary>Where test runs leave logs and screenshots: CITYSERVICE_ARTIFACTS (the test command sets it), else the repository's artifacts folder.</summary>
    public static string Artifacts() =>
        Environment.GetEnvironmentVariable("CITYSERVICE_ARTIFACTS") is { Length: > 0 } configured
            ? Path.GetFullPath(configured)
            : Path.Combine(Root(), "artifacts");
}
