namespace CityService.Core.Identity;

/// <summary>The stable error codes identity (sign-in, verification, clients and channels, staff) answers with (the <c>code</c> of its problem details); clients may rely on them.</summary>
public static class IdentityErrors
{
    public static class Auth
    {
        public const string AccountNotFound = "auth.account-not-found";
        public const string BodyTooLarge = "auth.body-too-large";
        public const string ClientUnknown = "auth.client-unknown";
        public const string Forbidden = "auth.forbidden";
        public const string LockedOut = "auth.locked-out";
        public const string NonceReused = "auth.nonce-reused";
        public const string PasswordInvalid = "auth.password-invalid";
        public const string PasswordWeak = "auth.password-weak";
        public const string ReauthenticationRequired = "auth.reauthentication-required";
        public const string Required = "auth.required";
        public const string SessionEnded = "auth.session-ended";
        public const string SignatureHeaders = "auth.signature-headers";
        public const string SignatureInvalid = "auth.signature-invalid";
        public const string TimestampOutOfRange = "auth.timestamp-out-of-range";
        public const string TooMany = "auth.too-many";
    }

    public static class Consent
    {
        public const string NotFound = "consent.not-found";
        public const string Required = "consent.required";
        public const string SensitiveRequired = "consent.sensitive-required";
    }

    public static class Channel
    {
        public const string AssertionExpired = "channel.assertion-expired";
        public const string AssertionInvalid = "channel.assertion-invalid";
        public const string AssertionMissing = "channel.assertion-missing";
        public const string AssertionReplayed = "channel.assertion-replayed";
        public const string LinkExpired = "channel.link-expired";
        public const string LinkIdMalformed = "channel.link-id-malformed";
        public const string LinkNotFound = "channel.link-not-found";
        public const string NotAChannel = "channel.not-a-channel";
        public const string NotACitizen = "channel.not-a-citizen";
        public const string NotLinked = "channel.not-linked";
    }

    public static class Client
    {
        public const string DepartmentUnknown = "client.department-unknown";
        public const string IdInvalid = "client.id-invalid";
        public const string IdTaken = "client.id-taken";
        public const string KeyInvalid = "client.key-invalid";
        public const string KindUnknown = "client.kind-unknown";
        public const string NameMissing = "client.name-missing";
        public const string ScopeUnknown = "client.scope-unknown";
    }

    public static class Verification
    {
        public const string AlreadyVerified = "identity.already-verified";
        public const string FaceChallengeInvalid = "identity.face-challenge-invalid";
        public const string FaceNoMatch = "identity.face-no-match";
        public const string IdNumberInUse = "identity.id-number-in-use";
        public const string ImageInvalid = "identity.image-invalid";
        public const string ImageRejected = "identity.image-rejected";
        public const string LevelRequired = "identity.level-required";
        public const string NameInvalid = "identity.name-invalid";
        public const string NameMismatch = "identity.name-mismatch";
        public const string NoReferencePhoto = "identity.no-reference-photo";
        public const string NotRegistered = "identity.not-registered";
        public const string RegistryUnavailable = "identity.registry-unavailable";
        public const string TooManyTries = "identity.too-many-tries";
    }

    public static class Otp
    {
        public const string AttemptsExhausted = "otp.attempts-exhausted";
        public const string Expired = "otp.expired";
        public const string Malformed = "otp.malformed";
        public const string TooMany = "otp.too-many";
        public const string Wrong = "otp.wrong";
    }

    public static class Phone
    {
        public const string InUse = "phone.in-use";
        public const string Malformed = "phone.malformed";
    }

    public static class Session
    {
        public const string NotFound = "session.not-found";
    }

    public static class Staff
    {
        public const string AdminOnly = "staff.admin-only";
        public const string AssignmentNotFound = "staff.assignment-not-found";
        public const string DepartmentNotFound = "staff.department-not-found";
        public const string InvitationNotFound = "staff.invitation-not-found";
        public const string NotAStaffAccount = "staff.not-a-staff-account";
        public const string OwnAdminRole = "staff.own-admin-role";
        public const string RoleUnknown = "staff.role-unknown";
    }
}
