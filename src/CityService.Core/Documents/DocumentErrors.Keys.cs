namespace CityService.Core.Documents;

public static partial class DocumentErrors
{
    /// <summary>Issuers' signing keys: rotation and revocation by operators (issue 11 §1).</summary>
    public static class Keys
    {
        public const string IssuerInvalid = "keys.issuer-invalid";
        public const string IssuerNotFound = "keys.issuer-not-found";
        public const string KeyNotFound = "keys.key-not-found";
        public const string AlreadyRevoked = "keys.already-revoked";
        public const string ReasonInvalid = "keys.reason-invalid";
        public const string RevocationTimeInvalid = "keys.revocation-time-invalid";

        /// <summary>Another rotation of the same issuer committed first: try again.</summary>
        public const string Busy = "keys.busy";
    }
}
