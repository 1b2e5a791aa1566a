using System.Globalization;
using CityService.Core.Documents;

namespace CityService.Core.Payments.Invoices;

/// <summary>
/// The essential fields an invoice's signed document carries (JWS payload <c>d</c>, docs/invoices.md); everything else
/// (the items) is on the invoice page and the hard copy. Names are short: the whole document goes into a QR code.
/// </summary>
public static class InvoiceClaims
{
    /// <summary>票据代码.</summary>
    public const string Code = "code";

    /// <summary>票据号码, ten digits.</summary>
    public const string Number = "no";

    /// <summary>Total in fen, decimal digits, "-" in front on a red-letter invoice.</summary>
    public const string Amount = "amt";

    /// <summary>The payer as printed (masked name).</summary>
    public const string Payer = "payer";

    /// <summary>校验码.</summary>
    public const string CheckCode = "chk";

    /// <summary>The payment's reference (out_trade_no, 32 hex).</summary>
    public const string Payment = "pay";

    /// <summary>The issuing department's Chinese name.</summary>
    public const string IssuerName = "by";

    /// <summary>On a red-letter invoice: the code and number it reverses, "{code}/{no}".</summary>
    public const string Reverses = "rev";

    public static DocumentClaims For(Invoice invoice, string issuerNameZh, Invoice? original)
    {
        ArgumentNullException.ThrowIfNull(invoice);
        var fields = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [Code] = invoice.InvoiceCode,
            [Number] = invoice.NumberText,
            [Amount] = invoice.AmountFen.ToString(CultureInfo.InvariantCulture),
            [Payer] = invoice.PayerName,
            [CheckCode] = invoice.CheckCode,
            [Payment] = invoice.PaymentId.ToString("N"),
            [IssuerName] = issuerNameZh,
        };
        if (original is not null)
        {
            fields[Reverses] = $"{original.InvoiceCode}/{original.NumberText}";
        }

        return new DocumentClaims(DocumentKinds.Invoice, invoice.Id, DocumentIssuer.Department(invoice.RegionCode, invoice.DepartmentCode).Code, invoice.IssuedAt, fields);
    }
}
