using System.Globalization;
using CityService.Core.Common;
using CityService.Core.Identity;
using CityService.Core.Storage;
using CityService.Web.Features.Shared;
using CityService.Web.Infrastructure;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace CityService.Web.Features.Identity;

/// <summary>
/// What the account pages share: answers that hold personal data are never cached, return addresses are local only,
/// and the signed-in citizen is loaded with the same session check as <c>GET /api/me</c> (account exists, security stamp matches).
/// </summary>
public abstract class AccountPageModel : PageModel
{
    public FormErrors Errors { get; } = new();

    /// <summary>Where to go back to after signing in or verifying (a local address only), or null.</summary>
    [BindProperty(Name = "returnUrl", SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public string? LocalReturnUrl => !string.IsNullOrEmpty(ReturnUrl) && Url.IsLocalUrl(ReturnUrl) ? ReturnUrl : null;

    public override void OnPageHandlerExecuting(PageHandlerExecutingContext context)
    {
        // The same values antiforgery sets on pages with a form, so it has nothing to override (and no warning to log).
        context.HttpContext.Response.Headers.CacheControl = "no-cache, no-store";
        context.HttpContext.Response.Headers.Pragma = "no-cache";
        base.OnPageHandlerExecuting(context);
    }

    /// <summary>The signed-in citizen's account, or null when it is gone. (The citizen policy has already checked that the
    /// session's security stamp is current.)</summary>
    protected async Task<Core.Identity.Account?> CitizenAsync(CityDbContext db, CancellationToken ct)
    {
        var id = User.AccountId();
        if (id is null)
        {
            return null;
        }

        var account = await db.Accounts.AsNoTracking().FirstOrDefaultAsync(a => a.Id == id, ct);
        return account is { Kind: AccountKind.Citizen } ? account : null;
    }

    /// <summary>Ends a session that no longer matches its account and sends the person to sign in again, back to this page.</summary>
    protected async Task<IActionResult> SessionEndedAsync()
    {
        await HttpContext.SignOutAsync(IdentityConstants.ApplicationScheme);
        var here = Request.PathBase + Request.Path + Request.QueryString;
        return LocalRedirect("/signin?ReturnUrl=" + Uri.EscapeDataString(here));
    }

    /// <summary>A rate-limited answer keeps the page (with the wait in its message) but says 429 with Retry-After, like the API.</summary>
    protected void MarkRateLimited(Error error)
    {
        if (error.Kind != ErrorKind.RateLimited)
        {
            return;
        }

        Response.StatusCode = StatusCodes.Status429TooManyRequests;
        if (error.RetryAfter is { } wait)
        {
            Response.Headers.RetryAfter = Core.Common.Error.WholeSeconds(wait).ToString(CultureInfo.InvariantCulture);
        }
    }

    /// <summary>An address with <c>returnUrl</c> carried along when there is one.</summary>
    protected string WithReturnUrl(string path) =>
        LocalReturnUrl is { } back ? path + (path.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "returnUrl=" + Uri.EscapeDataString(back) : path;
}

/// <summary>Plain-language names and explanations of the assurance levels, shared by the profile, verification and guide pages.</summary>
public static class Levels
{
    public static IReadOnlyList<AssuranceLevel> All { get; } = Enum.GetValues<AssuranceLevel>();

    public static string Name(Texts t, AssuranceLevel level) => t["level." + Key(level)];

    public static string Summary(Texts t, AssuranceLevel level) => t["level." + Key(level) + ".summary"];

    public static string Explain(Texts t, AssuranceLevel level) => t["level." + Key(level) + ".explain"];

    /// <summary>A date of a check, in China Standard Time (UTC+8) where the service runs.</summary>
    public static string Date(DateTimeOffset at) => at.ToOffset(TimeSpan.FromHours(8)).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);

    private static string Key(AssuranceLevel level) => level.ToString().ToLowerInvariant();
}
