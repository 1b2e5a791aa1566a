using CityService.Core.Documents;
using CityService.Core.Identity;
using CityService.Core.Storage;

namespace CityService.Web.Features.Documents;

/// <summary>Signed documents (docs/signed-documents.md): issuers' keys, the published JWKS, rotation and revocation.</summary>
public static class DocumentsSetup
{
    public static void AddDocuments(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton(sp => new IssuerKeys(
            sp.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<CityDbContext>>(),
            sp.GetRequiredService<PersonalDataProtector>, sp.GetRequiredService<TimeProvider>()));
    }

    public static IEndpointRouteBuilder MapDocuments(this IEndpointRouteBuilder app) => app;
}
