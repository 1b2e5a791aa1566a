namespace CityService.Core.Payments;

/// <summary>The stable error codes of the payments capability; each part adds its nested class in its own file.</summary>
public static partial class PaymentErrors
{
    /// <summary>Bills: the department push API, the citizens' list and the anonymous lookup.</summary>
    public static class Bill
    {
        public const string Invalid = "bill.invalid";
        public const string InvalidReference = "bill.invalid-reference";
        public const string InvalidTitle = "bill.invalid-title";
        public const string InvalidLines = "bill.invalid-lines";
        public const string InvalidRevenueHead = "bill.invalid-revenue-head";
        public const string InvalidAmount = "bill.invalid-amount";
        public const string InvalidDueDate = "bill.invalid-due-date";
        public const string InvalidLateFee = "bill.invalid-late-fee";
        public const string InvalidPayer = "bill.invalid-payer";
        public const string InvalidPlate = "bill.invalid-plate";
        public const string InvalidState = "bill.invalid-state";
        public const string LookupIncomplete = "bill.lookup-incomplete";
        public const string ReferenceConflict = "bill.reference-conflict";
        public const string NotOpen = "bill.not-open";
        public const string NotFound = "bill.not-found";
        public const string VerificationRequired = "bill.verification-required";
        public const string LookupRateLimited = "bill.lookup-rate-limited";
        public const string Changed = "bill.changed";
        public const string InvalidRange = "bill.invalid-range";
        public const string DepartmentNotFound = "bill.department-not-found";
    }
}
