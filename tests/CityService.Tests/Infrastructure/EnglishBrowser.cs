namespace CityService.Tests.Infrastructure;

public static class EnglishBrowser
{
    /// <summary>A browser-like client (cookies kept) that chose English with the language switch, as a person does.</summary>
    public static async Task<HttpClient> English(this AppFixture app)
    {
        var browser = app.Browser();
        (await browser.GetAsync("/lang/en?returnUrl=%2F")).Dispose();
        return browser;
    }
}
