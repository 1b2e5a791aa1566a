using CityService.Core.Payments.Invoices;

namespace CityService.Web.Features.Payments.Invoices;

/// <summary>Fiscal e-invoices (docs/invoices.md): issued with each payment, red-letter on refunds, the API and PDFs.</summary>
public static class InvoiceSetup
{
    public static void AddInvoices(this WebApplicationBuilder builder)
    {
        builder.AddInvoicePdf();
    }

    public static IEndpointRouteBuilder MapInvoices(this IEndpointRouteBuilder app) => app;
}
