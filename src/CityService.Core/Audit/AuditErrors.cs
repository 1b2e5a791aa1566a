namespace CityService.Core.Audit;

public static class AuditErrors
{
    public const string RegionInvalid = "audit.region-invalid";
    public const string ActionInvalid = "audit.action-invalid";
}
