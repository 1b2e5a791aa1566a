using CityService.Core.Identity.Clients;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace CityService.Web.Features.Identity.Clients;

/// <summary>The profile's unlink forms post here (same rule as <c>DELETE /api/me/channels/{clientId}</c>); then back to the profile.</summary>
[Authorize(Policy = IdentitySetup.CitizenPolicy)]
public sealed class ChannelsModel(ChannelLinking linking) : AccountPageModel
{
    [BindProperty(Name = "clientId")]
    public string? ClientId { get; set; }

    public IActionResult OnGet() => LocalRedirect("/me#channels");

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        if (User.AccountId() is not { } id)
        {
            return await SessionEndedAsync();
        }

        if (string.IsNullOrEmpty(ClientId) || ClientId.Length > 64 || !await linking.UnlinkAsync(id, ClientId, ct))
        {
            return NotFound();
        }

        return LocalRedirect("/me?unlinked=1#channels");
    }
}
