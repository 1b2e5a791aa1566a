namespace CityService.Web.Features.Shared;

/// <summary>
/// The elder-friendly mode (适老化, in the spirit of 工业和信息化部《互联网网站适老化通用设计规范》): larger text and controls,
/// text contrast of at least 7:1, and simplified pages without the content marked <c>secondary</c>. A person switches it
/// with a plain link (no script) and the choice is kept in a cookie for a year, like the language.
/// </summary>
public static class DisplayMode
{
    public const string Cookie = "cs-display";

    public const string Elder = "elder";

    public const string Standard = "standard";

    /// <summary>Whether the request's page is shown in the elder-friendly mode.</summary>
    public static bool IsElder(HttpContext http) => http.Request.Cookies[Cookie] == Elder;

    /// <summary>
    /// Keeps a display choice (language, mode) for a year: essential (it is what the person asked for), not readable by
    /// scripts, sent on same-site navigations.
    /// </summary>
    public static void Remember(HttpRequest request, HttpResponse response, string cookie, string value) =>
        response.Cookies.Append(cookie, value, new CookieOptions
        {
            IsEssential = true, HttpOnly = true, SameSite = SameSiteMode.Lax, Secure = request.IsHttps, MaxAge = TimeSpan.FromDays(365),
        });

    /// <summary>The link that switches the mode and comes back to <paramref name="returnUrl"/> (a local path).</summary>
    public static string SwitchUrl(bool elder, string returnUrl) =>
        "/display/" + (elder ? Elder : Standard) + "?returnUrl=" + Uri.EscapeDataString(returnUrl);
}
