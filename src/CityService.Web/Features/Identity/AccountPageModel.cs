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

    /// <summary>
    /// True on a page marked <c>[IgnoreAntiforgeryToken]</c> that checks the token itself, before any handler runs: an
    /// expired or missing token (a form left open too long, or opened before signing in or out) is answered by the page
    /// (<see cref="FormExpiredAsync"/>) with 400, the message in the form's error summary and a fresh token, instead of the
    /// generic error page. The check is the framework's own (<c>IAntiforgery</c>); only the answer differs.
    /// </summary>
    protected virtual bool ChecksFormToken => false;

    /// <summary>The page to show after an expired form (by default the page as its GET shows it, the posted values kept).</summary>
    protected virtual Task<IActionResult> FormExpiredAsync() => Task.FromResult<IActionResult>(Page());

    public override async Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        if (ChecksFormToken && HttpMethods.IsPost(Request.Method)
            && !await HttpContext.RequestServices.GetRequiredService<Microsoft.AspNetCore.Antiforgery.IAntiforgery>().IsRequestValidAsync(HttpContext))
        {
            OnPageHandlerExecuting(context);
            Errors.Add(new Core.Common.Error(ErrorKind.Invalid, "form.expired", new(
                "表单已过期（页面打开时间较长，或登录状态已变化），请检查后重新提交。", "The form expired (the page was open for a long time, or you signed in or out meanwhile); please check it and send it again.")));
            context.Result = await FormExpiredAsync();
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        await base.OnPageHandlerExecutionAsync(context, next);
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
