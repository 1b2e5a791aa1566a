using CityService.Core.Notifications;
using CityService.Core.Storage;
using CityService.Web.Features.Identity;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace CityService.Web.Features.Notifications;

/// <summary>
/// The inbox page (/me/notifications): newest first, unread marked, one or all marked read with plain forms (post, redirect,
/// get), paged; below it the citizen's channel choices per category. Works without JavaScript.
/// </summary>
[Authorize(Policy = IdentitySetup.SignedInPolicy)]
public sealed class InboxModel(Inbox inbox, CityDbContext db, TimeProvider time) : AccountPageModel
{
    public const string Path = "/me/notifications";

    /// <summary>The query's <c>page</c> (read by hand: "page" is Razor Pages' own route value, the page's path).</summary>
    public string? PageNumber => Request.Query["page"].FirstOrDefault();

    /// <summary>After saving the choices the page says so (post, redirect, get).</summary>
    [BindProperty(Name = "saved", SupportsGet = true)]
    public string? Saved { get; set; }

    public InboxPage Found { get; private set; } = null!;

    public PreferencesDto? Preferences { get; private set; }

    public int Pages => Math.Max(1, (Found.Total + Found.PageSize - 1) / Found.PageSize);

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        var number = int.TryParse(PageNumber, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n >= 1 ? n : 1;
        var id = User.AccountId()!.Value;
        Found = await inbox.PageAsync(id, number, Inbox.DefaultPageSize, ct);
        if (Found.Items.Count == 0 && number > 1)
        {
            return NotFound(); // a page beyond the last
        }

        if (User.HasClaim(AccountClaims.Kind, nameof(Core.Identity.AccountKind.Citizen)))
        {
            Preferences = await NotificationEndpoints.PreferencesAsync(db, id, ct);
        }

        return Page();
    }

    public async Task<IActionResult> OnPostReadAsync([FromForm(Name = "id")] Guid id, CancellationToken ct) =>
        await inbox.MarkReadAsync(User.AccountId()!.Value, id, ct) ? LocalRedirect(Back("#n-" + id.ToString("N"))) : NotFound();

    public async Task<IActionResult> OnPostReadAllAsync(CancellationToken ct)
    {
        await inbox.MarkAllReadAsync(User.AccountId()!.Value, ct);
        return LocalRedirect(Path);
    }

    /// <summary>Saves the choices of every category (an unticked box is "off": a form sends only ticked ones).</summary>
    public async Task<IActionResult> OnPostPreferencesAsync(CancellationToken ct)
    {
        if (!User.HasClaim(AccountClaims.Kind, nameof(Core.Identity.AccountKind.Citizen)))
        {
            return NotFound();
        }

        var form = Request.Form;
        var choices = NotificationCategories.All
            .Select(c => new CategoryChoice(c.Code, form["sms"].Contains(c.Code), form["email"].Contains(c.Code)))
            .ToList();
        await NotificationPreferences.SetAsync(db, User.AccountId()!.Value, choices, time.GetUtcNow(), ct);
        return LocalRedirect(Path + "?saved=preferences#preferences");
    }

    public string PageUrl(int page) => page <= 1 ? Path : Path + "?page=" + page.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private string Back(string anchor) => PageUrl(int.TryParse(PageNumber, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : 1) + anchor;
}
