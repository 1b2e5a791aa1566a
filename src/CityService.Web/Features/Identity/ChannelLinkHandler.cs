using CityService.Core.Storage;
using Microsoft.AspNetCore.Authorization;
using Microsoft.EntityFrameworkCore;

namespace CityService.Web.Features.Identity;

/// <summary>
/// A token a channel obtained for a citizen works only while the citizen is still linked to that channel: once the citizen
/// unlinks it (profile page or <c>DELETE /api/me/channels/{clientId}</c>), the channel's tokens stop at once. One indexed
/// lookup, only for channel tokens; it runs beside <see cref="ChannelScopeRequirement"/>'s scope check.
/// </summary>
public sealed class ChannelLinkHandler(IDbContextFactory<CityDbContext> dbFactory) : AuthorizationHandler<ChannelScopeRequirement>
{
    protected override async Task HandleRequirementAsync(AuthorizationHandlerContext context, ChannelScopeRequirement requirement)
    {
        if (context.User.FindFirst(AccountClaims.Channel)?.Value is not { } channel)
        {
            return; // not a channel token: nothing to check here
        }

        var id = context.User.AccountId();
        await using var db = await dbFactory.CreateDbContextAsync();
        if (id is null || !await db.UserLogins.AsNoTracking().AnyAsync(l => l.UserId == id && l.LoginProvider == channel))
        {
            context.Fail(new AuthorizationFailureReason(this, "The citizen unlinked the channel that obtained this token."));
        }
    }
}
