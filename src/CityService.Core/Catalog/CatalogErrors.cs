namespace CityService.Core.Catalog;

/// <summary>The stable error codes the service catalog answers with (the <c>code</c> of its problem details); clients may rely on them.</summary>
public static class CatalogErrors
{
    public const string FieldUnknown = "catalog.field-unknown";
    public const string PageOutOfRange = "catalog.page-out-of-range";
    public const string PageSizeOutOfRange = "catalog.page-size-out-of-range";
    public const string QueryTooLong = "catalog.query-too-long";
    public const string ServiceCodeMalformed = "catalog.service-code-malformed";
    public const string ServiceNotFound = "catalog.service-not-found";
}
