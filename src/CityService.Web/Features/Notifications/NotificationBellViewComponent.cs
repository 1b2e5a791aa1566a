using CityService.Core.Notifications;
using CityService.Web.Features.Identity;
using Microsoft.AspNetCore.Mvc;

namespace CityService.Web.Features.Notifications;

/// <summary>
/// The bell in the header with the unread count, for signed-in people only: the layout invokes it only then, so an
/// anonymous visitor's page runs no notification query at all; a signed-in person's runs one indexed COUNT.
/// </summary>
public sealed class NotificationBellViewComponent(Inbox inbox) : ViewComponent
{
    public async Task<IViewComponentResult> InvokeAsync()
    {
        if (HttpContext.User.AccountId() is not { } id)
        {
            return Content(string.Empty);
        }

        var unread = await inbox.UnreadAsync(id, HttpContext.RequestAborted);
        return View("/Features/Notifications/_Bell.cshtml", unread);
    }
}
