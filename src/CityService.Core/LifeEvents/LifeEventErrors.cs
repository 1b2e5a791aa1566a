namespace CityService.Core.LifeEvents;

/// <summary>The stable error codes of life events (the <c>code</c> of their problem details); clients may rely on them.</summary>
public static class LifeEventErrors
{
    public const string CodeMalformed = "life-event.code-malformed";
    public const string NotFound = "life-event.not-found";
}
