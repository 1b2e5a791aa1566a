using System.Text.Json;

namespace CityService.Core.Audit;

/// <summary>The stable action codes (dotted, lower-case). Add new ones here; never rename one that has been written.</summary>
public static class AuditActions
{
    public const string SignIn = "identity.sign-in";
    public const string SignInFailed = "identity.sign-in-failed";
    public const string CodeSent = "identity.code-sent";
    public const string Verified = "identity.verified";
    public const string DataRevealed = "staff.data-revealed";
    public const string RoleGranted = "staff.role-granted";
    public const string RoleRevoked = "staff.role-revoked";
    public const string InvitationAccepted = "staff.invitation-accepted";
    public const string ClientRegistered = "client.registered";
    public const string ConsentGiven = "consent.given";
    public const string ConsentWithdrawn = "consent.withdrawn";
    public const string OutboxRetried = "outbox.retried";
    public const string BillIssued = "billing.bill-issued";
    public const string BillAdjusted = "billing.bill-adjusted";
    public const string BillCancelled = "billing.bill-cancelled";
    public const string PaymentSucceeded = "payment.succeeded";
    public const string PaymentFlagged = "payment.flagged";

    /// <summary>A channel notification refused: unsigned, mis-signed, wrong app, replayed, stale or for an unknown order.</summary>
    public const string NoticeRejected = "payment.notice-rejected";
    public const string RefundRequested = "payment.refund-requested";
    public const string RefundCompleted = "payment.refund-completed";
    public const string ReconciliationRun = "payment.reconciliation-run";

    /// <summary>An issuer's signing key: its first one made on first use, a rotation, a revocation (docs/signed-documents.md).</summary>
    public const string IssuerKeyCreated = "issuer-key.created";
    public const string IssuerKeyRotated = "issuer-key.rotated";
    public const string IssuerKeyRevoked = "issuer-key.revoked";
    public const string InvoiceIssued = "invoice.issued";

    /// <summary>A red-letter invoice issued against an invoice (object: the original).</summary>
    public const string InvoiceReversed = "invoice.reversed";
}

public static class AuditActorKinds
{
    public const string Account = "account";
    public const string Staff = "staff";
    public const string Client = "client";
    public const string System = "system";

    /// <summary>Someone not (yet) known: a failed sign-in.</summary>
    public const string Anonymous = "anonymous";
}

public static class AuditOutcomes
{
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
    public const string Refused = "refused";
}

/// <summary>Who did it: an account (citizen or operator), staff acting in a role, an API client, the platform itself.</summary>
public sealed record AuditActor(string Kind, string? Id)
{
    public static readonly AuditActor System = new(AuditActorKinds.System, null);

    public static readonly AuditActor Anonymous = new(AuditActorKinds.Anonymous, null);

    public static AuditActor Account(Guid id) => new(AuditActorKinds.Account, id.ToString());

    public static AuditActor Staff(Guid accountId) => new(AuditActorKinds.Staff, accountId.ToString());

    public static AuditActor Client(string clientId) => new(AuditActorKinds.Client, clientId);
}

/// <summary>
/// What a capability asks the log to record. <see cref="Details"/> is small JSON without personal data in clear (codes,
/// blind indexes, masked forms); build it with <see cref="DetailsOf"/>.
/// </summary>
public sealed record AuditRecord(
    string Action,
    AuditActor Actor,
    string? ObjectType = null,
    string? ObjectId = null,
    string Outcome = AuditOutcomes.Succeeded,
    string RegionCode = AuditRecord.PlatformRegion,
    string? Details = null)
{
    /// <summary>The chain of platform-wide acts (identity, operators): not a region of its own.</summary>
    public const string PlatformRegion = Regions.Region.PlatformCode;

    public const string AccountObject = "account";

    /// <summary>A phone by its blind index (failed sign-ins of phones without an account).</summary>
    public const string PhoneObject = "phone";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Serialises a small anonymous object (e.g. <c>new { method = "code" }</c>) as the entry's details.</summary>
    public static string DetailsOf(object details) => JsonSerializer.Serialize(details, Json);
}
