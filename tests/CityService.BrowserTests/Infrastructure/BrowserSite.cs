using CityService.Core.Storage;
using CityService.Testing;
using Microsoft.Playwright;

namespace CityService.BrowserTests.Infrastructure;

/// <summary>
/// One provider's browser test site: a fresh database, the real host on Kestrel at a loopback port,
/// and Debian's Chromium driven by Playwright (never a downloaded browser). Each test opens its own
/// phone-sized browser context, so cookies (city, language) never leak between tests.
/// </summary>
public abstract class BrowserSite(StorageProvider provider) : IAsyncLifetime
{
    public const string ChromiumVariable = "CITYSERVICE_CHROMIUM";
    public const string DefaultChromium = "/usr/bin/chromium";

    private static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Lazy<bool>> Emptied = new();

    private TestDatabase? _database;
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    /// <summary>The site's root, e.g. http://127.0.0.1:41234/.</summary>
    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>"sqlite" or "postgres": names the screenshot folder.</summary>
    public string Name => provider == StorageProvider.Sqlite ? "sqlite" : "postgres";

    public string ScreenshotFolder { get; private set; } = null!;

    /// <summary>The running host; its services are there for a test that needs to look behind the page.</summary>
    public LiveServer? Server { get; private set; }

    public async Task InitializeAsync()
    {
        // Cheap checks first, so a missing browser or database server fails fast with a clear message.
        var chromium = ChromiumPath();
        _database = await SeededTemplate.CloneAsync(provider, "browser", async settings =>
        {
            // The template: migrated and seeded once per provider and process by a host like the site's own.
            await using var host = new LiveServer(settings);
            _ = host.Services;
        });

        ScreenshotFolder = Path.Combine(Repository.Artifacts(), "screenshots", Name);
        Directory.CreateDirectory(ScreenshotFolder);
        Emptied.GetOrAdd(ScreenshotFolder, folder => new Lazy<bool>(() =>
        {
            // Once per run: several sites of one provider (one per test class that needs its own) share the folder.
            foreach (var stale in Directory.EnumerateFiles(folder, "*.png"))
            {
                File.Delete(stale);
            }

            return true;
        })).Value.ToString();

        Server = new LiveServer(_database.Settings);
        BaseAddress = Server.Start();

        Assertions.SetDefaultExpectTimeout(10_000);
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(LaunchOptions(chromium));
    }

    /// <summary>
    /// A second browser with Chromium's back/forward cache on, as people have it (Playwright turns it off by default), for
    /// tests of what Back shows. The caller closes it.
    /// </summary>
    public Task<IBrowser> LaunchWithBackForwardCacheAsync()
    {
        var options = LaunchOptions(ChromiumPath());
        options.IgnoreDefaultArgs = ["--disable-back-forward-cache"];
        return _playwright!.Chromium.LaunchAsync(options);
    }

    private static BrowserTypeLaunchOptions LaunchOptions(string chromium) => new()
    {
        ExecutablePath = chromium,
        Headless = true,
        Timeout = 30_000,
        Args =
        [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
        ],
    };

    /// <summary>A fresh browser context shaped like a phone (390×844, touch), Chinese locale, with the site as base URL.</summary>
    public async Task<IBrowserContext> NewPhoneAsync(bool javaScript = true)
    {
        var context = await _browser!.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = BaseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = 390, Height = 844 },
            DeviceScaleFactor = 2,
            IsMobile = true,
            HasTouch = true,
            Locale = "zh-CN",
            TimezoneId = "Asia/Shanghai",
            JavaScriptEnabled = javaScript,
        });
        context.SetDefaultTimeout(15_000);
        context.SetDefaultNavigationTimeout(15_000);
        return context;
    }

    /// <summary>
    /// A fresh browser context of the given viewport (390×844 is a phone: touch, mobile), language ("zh-CN" or "en", set as
    /// the culture cookie a person's switch leaves) and display mode (the elder-mode cookie), carrying
    /// <paramref name="cookies"/> (e.g. a signed-in session from <see cref="SignInAsync"/>).
    /// </summary>
    public async Task<IBrowserContext> NewContextAsync(int width, int height, string language = "zh-CN", bool elder = false, IEnumerable<Cookie>? cookies = null)
    {
        var phone = width < 640;
        var context = await _browser!.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = BaseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = width, Height = height },
            DeviceScaleFactor = 1,
            IsMobile = phone,
            HasTouch = phone,
            Locale = "zh-CN",
            TimezoneId = "Asia/Shanghai",
        });
        context.SetDefaultTimeout(15_000);
        context.SetDefaultNavigationTimeout(15_000);
        var url = BaseAddress.ToString().TrimEnd('/');
        var chosen = new List<Cookie>
        {
            new() { Name = ".AspNetCore.Culture", Value = language == "en" ? "c=en|uic=en" : "c=zh-CN|uic=zh-CN", Url = url },
        };
        if (elder)
        {
            chosen.Add(new Cookie { Name = "cs-display", Value = "elder", Url = url });
        }

        await context.AddCookiesAsync([.. chosen, .. cookies ?? []]);
        return context;
    }

    /// <summary>
    /// Signs <paramref name="phone"/> in through the sign-in page (phone, then the code the server "texted", agreeing to
    /// whatever the form requires) and returns the context's cookies, to open signed-in contexts without signing in again.
    /// </summary>
    public async Task<IReadOnlyList<Cookie>> SignInAsync(string phone)
    {
        await using var context = await NewPhoneAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync("/signin");
        await page.Locator("#phone-form input#phone").FillAsync(phone);
        await AgreeAsync(page, "#phone-form");
        await page.Locator("#phone-form button[type=submit]").ClickAsync();
        var code = page.Locator("#code-form input#code");
        await code.WaitForAsync();
        await code.FillAsync(Server!.Sms.LastCodeFor(phone));
        await AgreeAsync(page, "#code-form");

        await page.Locator("#code-form button[type=submit]").ClickAsync();
        await page.WaitForURLAsync(url => !url.Contains("/signin", StringComparison.Ordinal));
        return (await context.CookiesAsync()).Select(c => new Cookie
        {
            Name = c.Name, Value = c.Value, Domain = c.Domain, Path = c.Path, HttpOnly = c.HttpOnly, Secure = c.Secure, SameSite = c.SameSite,
        }).ToList();
    }

    /// <summary>Ticks every agreement a sign-in form requires (the user agreement and privacy policy), as the citizen does.</summary>
    public static async Task AgreeAsync(IPage page, string form)
    {
        foreach (var agreement in await page.Locator(form + " input[type=checkbox][required]").AllAsync())
        {
            await agreement.CheckAsync();
        }
    }

    /// <summary>Saves a full-page PNG as screenshots/&lt;provider&gt;/&lt;step&gt;.png and asserts it was written.</summary>
    /// <param name="fullPage">False for a page too long to render whole in the time bound (the API docs, ~100 operations).</param>
    public async Task<string> ScreenshotAsync(IPage page, string step, bool fullPage = true)
    {
        var file = Path.Combine(ScreenshotFolder, step + ".png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = file, FullPage = fullPage, Type = ScreenshotType.Png });
        var info = new FileInfo(file);
        Assert.True(info.Exists, $"Screenshot {file} was not written.");
        Assert.True(info.Length > PngSignature.Length, $"Screenshot {file} is empty.");
        var head = new byte[PngSignature.Length];
        await using (var stream = info.OpenRead())
        {
            await stream.ReadExactlyAsync(head);
        }

        Assert.Equal(PngSignature, head);
        return file;
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.CloseAsync();
        }

        _playwright?.Dispose();
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }

        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }

    private static string ChromiumPath()
    {
        var path = Environment.GetEnvironmentVariable(ChromiumVariable) is { Length: > 0 } configured ? configured : DefaultChromium;
        return File.Exists(path)
            ? path
            : throw new InvalidOperationException(
                $"Chromium was not found at '{path}'. Install Debian's package (apt-get install chromium) or set {ChromiumVariable} "
                + "to the browser's path; the browser tests never download a browser.");
    }
}

public sealed class SqliteSite() : BrowserSite(StorageProvider.Sqlite);

public sealed class PostgresSite() : BrowserSite(StorageProvider.Postgres);
