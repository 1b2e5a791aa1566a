using Microsoft.AspNetCore.Mvc.ViewFeatures;

namespace CityService.Web.Features.Shared;

/// <summary>One step of the trail above a page; the page itself is the last step and has no link.</summary>
public sealed record Crumb(string Text, string? Href = null);

/// <summary>
/// The breadcrumb trail every page below home shows. A page sets its trail (without "home", which the layout
/// always puts first) with <c>ViewData.SetCrumbs(...)</c>; the layout renders it once, in one way.
/// </summary>
public static class Breadcrumbs
{
    private const string Key = "Breadcrumbs";

    public static void SetCrumbs(this ViewDataDictionary viewData, params Crumb[] trail) => viewData[Key] = trail;

    public static IReadOnlyList<Crumb> Crumbs(this ViewDataDictionary viewData) => viewData[Key] as Crumb[] ?? [];
}
