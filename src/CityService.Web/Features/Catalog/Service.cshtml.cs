using System.Security.Claims;
using CityService.Core.Catalog;
using CityService.Core.Identity;
using CityService.Core.Regions;
using CityService.Core.Storage;
using CityService.Web.Features.Identity;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace CityService.Web.Features.Catalog;

[AllowAnonymous]
public sealed class ServiceModel(RegionDirectory regions, CatalogReader catalog, CityDbContext db) : PageModel
{
    public Region City { get; private set; } = null!;

    public EffectiveServiceItem Item { get; private set; } = null!;

    public Region? DefinedIn { get; private set; }

    /// <summary>The regions whose overrides changed what this guide says (nearest last), for "adjusted by".</summary>
    public IReadOnlyList<Region> AdjustedBy { get; private set; } = [];

    /// <summary>The host of the external site the item is handled at (shown, since following it leaves the platform).</summary>
    public string? ExternalHost => Item.Guide.ExternalUrl is { } url && Uri.TryCreate(url, UriKind.Absolute, out var uri) ? uri.Host : null;

    /// <summary>The signed-in citizen's assurance level, or null for a visitor who is not signed in.</summary>
    public AssuranceLevel? CurrentLevel { get; private set; }

    /// <summary>This guide's own address, where signing in or verifying comes back to.</summary>
    public string GuideUrl => Request.PathBase + Request.Path;

    public async Task<IActionResult> OnGetAsync(string code, string serviceCode, CancellationToken ct)
    {
        if (regions.Find(code) is not { } city)
        {
            return NotFound();
        }

        var item = await catalog.GetAsync(city.Code, serviceCode, ct);
        if (!item.IsOk)
        {
            return NotFound();
        }

        (City, Item, DefinedIn) = (city, item.Value, regions.Find(item.Value.DefinedIn));
        AdjustedBy = item.Value.OverriddenIn.Distinct(StringComparer.Ordinal).Select(regions.Find).OfType<Region>().ToList();
        CurrentLevel = await CitizenLevelAsync(ct);
        return Page();
    }

    private async Task<AssuranceLevel?> CitizenLevelAsync(CancellationToken ct)
    {
        if (User.AccountId() is not { } id || User.FindFirstValue(AccountClaims.Kind) != nameof(AccountKind.Citizen))
        {
            return null;
        }

        var stamp = User.FindFirstValue(AccountClaims.SecurityStamp);
        return await db.Accounts.AsNoTracking()
            .Where(a => a.Id == id && a.SecurityStamp == stamp)
            .Select(a => (AssuranceLevel?)a.AssuranceLevel)
            .FirstOrDefaultAsync(ct);
    }
}
