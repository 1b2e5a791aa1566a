using CityService.Core.Common;

namespace CityService.Core.Payments;

public static partial class PaymentErrors
{
    /// <summary>Fiscal e-invoices (issue 11 §2, docs/invoices.md). Tests assert these literal strings.</summary>
    public static class Invoice
    {
        public const string NotFound = "invoice.not-found";
        public const string NumberInvalid = "invoice.number-invalid";
        public const string YearInvalid = "invoice.year-invalid";

        public static Error Missing() => Error.NotFound(NotFound, "找不到这张电子票据。", "No such e-invoice.");

        public static Error BadNumber() => Error.Invalid("number", NumberInvalid,
            "票据号码须为 1 到 10 位数字。", "The invoice number is 1 to 10 digits.");

        public static Error BadYear() => Error.Invalid("year", YearInvalid,
            "年度须为 2000 到 2999 之间的四位数字。", "The year is four digits between 2000 and 2999.");
    }
}
