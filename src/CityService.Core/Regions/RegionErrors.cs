namespace CityService.Core.Regions;

/// <summary>The stable error codes the region directory answers with (the <c>code</c> of its problem details); clients may rely on them.</summary>
public static class RegionErrors
{
    public const string CodeMalformed = "region.code-malformed";
    public const string NoCityNearby = "region.no-city-nearby";
    public const string NotFound = "region.not-found";
}
