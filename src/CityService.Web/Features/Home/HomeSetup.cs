namespace CityService.Web.Features.Home;

public static class HomeSetup
{
    /// <summary>The city chooser the home page, the search and the life events share, with the deployment's common cities (<c>Home:CommonCities</c>).</summary>
    public static void AddHome(this WebApplicationBuilder builder)
    {
        builder.Services.Configure<HomeOptions>(builder.Configuration.GetSection("Home"));
        builder.Services.AddSingleton<CityChooser>();
    }
}
