using CityService.Core.Documents.Pdf;
using CityService.Core.Payments.Invoices;

namespace CityService.Web.Features.Payments.Invoices;

/// <summary>The invoices' PDF hard copies (docs/invoices.md, "Hard copy"): made once, kept by SHA-256, served from the store.</summary>
public static class InvoicePdfSetup
{
    public static void AddInvoicePdf(this WebApplicationBuilder builder)
    {
        PdfFonts.Install(); // PDFsharp's font settings are process-wide: set them before any request renders
        builder.Services.AddSingleton<InvoiceHardCopies>();
    }
}
