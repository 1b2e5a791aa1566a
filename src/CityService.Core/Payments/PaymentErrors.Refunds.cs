namespace CityService.Core.Payments;

public static partial class PaymentErrors
{
    /// <summary>Refunds of succeeded payments (issue 10, section 6).</summary>
    public static class Refund
    {
        public const string PaymentNotFound = "refund.payment-not-found";
        public const string ReauthenticationRequired = "refund.reauthentication-required";
        public const string AmountAvailableStale = "refund.amount-available-stale";
        public const string AmountAvailableMissing = "refund.amount-available-missing";
        public const string AmountInvalid = "refund.amount-invalid";
        public const string AmountExceedsAvailable = "refund.amount-exceeds-available";
        public const string AmountExceedsDepartment = "refund.amount-exceeds-department";
        public const string ReasonInvalid = "refund.reason-invalid";
        public const string DepartmentRequired = "refund.department-required";
        public const string NotRefundable = "refund.payment-not-refundable";
        public const string Busy = "refund.busy";
    }

    /// <summary>Reconciliation of our payments and refunds with a channel's settlement file (issue 10, section 7).</summary>
    public static class Reconciliation
    {
        public const string UnknownChannel = "recon.unknown-channel";
        public const string DayInvalid = "recon.day-invalid";
        public const string FileInvalid = "recon.file-invalid";
        public const string FileMissing = "recon.file-missing";
        public const string DownloadFailed = "recon.download-failed";
        public const string RunNotFound = "recon.run-not-found";
    }
}
