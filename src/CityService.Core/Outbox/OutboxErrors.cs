namespace CityService.Core.Outbox;

/// <summary>The stable error codes of the operators' outbox and jobs API.</summary>
public static class OutboxErrors
{
    public const string MessageNotFound = "outbox.message-not-found";
    public const string NotDead = "outbox.not-dead";
    public const string JobNotFound = "jobs.job-not-found";
}
