using System.Globalization;
using AngleSharp.Html.Dom;
using CityService.RegistrySimulator;
using CityService.Tests.Infrastructure;
using static CityService.Tests.Infrastructure.HtmlForms;

namespace CityService.Tests.Catalog;

/// <summary>
/// The guide page (办事指南) without JavaScript: every section, the item code labelled, no keywords, the origin in a
/// citizen's words, and one primary action for each state of the citizen (visitor, below the level, verified, another site).
/// </summary>
public abstract class GuidePageTests(AppFixture app)
{
    private const string Passport = "/city/330100/services/EE-0001";     // L3, also on the immigration site
    private const string SocialCard = "/city/330100/services/SS-0001";   // L2, also on an external site
    private const string RentWithdrawal = "/city/330100/services/HF-0002"; // L2, only here
    private const string Licence = "/city/330100/services/TR-0001";      // L1, handled at gab.122.gov.cn, adjusted by Hangzhou

    private static int _phone;
    private static int _person;

    private static string NextPhone() => "135" + Interlocked.Increment(ref _phone).ToString("00000000", CultureInfo.InvariantCulture);

    private async Task<HttpClient> Citizen(bool verified)
    {
        var browser = app.Browser();
        Assert.Equal("/me", await app.SignIn(browser, NextPhone()));
        if (verified)
        {
            SimulatedPerson person = TestPersons.Next(ref _person);
            var verify = await Page(browser, "/me/verify");
            var done = await Submit(browser, verify, "#id-form", new() { ["consent"] = TestConsents.Version, ["name"] = person.Name, ["idNumber"] = person.IdNumber });
            Assert.Equal("/me?verified=L2", Location(done));
        }

        return browser;
    }

    private static IEnumerable<string> Texts(IHtmlDocument page, string selector) => page.QuerySelectorAll(selector).Select(e => e.TextContent.Trim());

    [Fact]
    public async Task A_visitor_is_asked_to_sign_in_and_comes_back_to_the_guide()
    {
        var guide = await Page(app.Browser(), Passport);
        var start = guide.QuerySelector("a#start")!;
        Assert.Equal("sign-in", start.GetAttribute("data-action"));
        Assert.Equal("去登录", start.TextContent.Trim());
        Assert.Equal("/signin?ReturnUrl=" + Uri.EscapeDataString(Passport), start.GetAttribute("href"));
        Assert.Single(guide.QuerySelectorAll(".start a.button"));

        // The other site is offered beside it, plainly marked as leaving the platform.
        var also = guide.QuerySelector("#external-also a")!;
        Assert.StartsWith("https://", also.GetAttribute("href"), StringComparison.Ordinal);
        Assert.Contains("将离开本平台", also.TextContent, StringComparison.Ordinal);
        Assert.Contains(new Uri(also.GetAttribute("href")!).Host, also.TextContent, StringComparison.Ordinal);

        var browser = app.Browser();
        Assert.Equal(Passport, await app.SignIn(browser, NextPhone(), start.GetAttribute("href")!));
    }

    [Fact]
    public async Task A_citizen_below_the_level_is_sent_to_verify_and_back()
    {
        var browser = await Citizen(verified: false);
        var guide = await Page(browser, SocialCard);
        var start = guide.QuerySelector("a#start")!;
        Assert.Equal("verify", start.GetAttribute("data-action"));
        Assert.Equal("去实名认证", start.TextContent.Trim());
        Assert.Equal("/me/verify?returnUrl=" + Uri.EscapeDataString(SocialCard), start.GetAttribute("href"));
        Assert.Contains("L2", guide.QuerySelector("#start-notice")!.TextContent, StringComparison.Ordinal);
        Assert.Single(guide.QuerySelectorAll(".start a.button"));
    }

    [Fact]
    public async Task A_verified_citizen_is_told_honestly_that_online_applications_are_not_open_yet()
    {
        var browser = await Citizen(verified: true);
        var guide = await Page(browser, RentWithdrawal);
        Assert.Null(guide.QuerySelector("a#start"));
        Assert.Empty(guide.QuerySelectorAll(".start a.button, .start button, .start form"));
        Assert.Equal("在线办理", guide.QuerySelector("#start-online")!.TextContent.Trim());
        Assert.Contains("尚未开放", guide.QuerySelector("#start-notice")!.TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_citizen_whose_level_is_enough_for_an_item_of_another_site_gets_a_link_that_says_it_leaves()
    {
        var browser = await Citizen(verified: false); // L1 is enough for the licence
        var guide = await Page(browser, Licence);
        var start = guide.QuerySelector("a#start")!;
        Assert.Equal("external", start.GetAttribute("data-action"));
        Assert.Equal("https://gab.122.gov.cn/", start.GetAttribute("href"));
        Assert.Equal("前往 gab.122.gov.cn 办理（将离开本平台）", start.TextContent.Trim());
        Assert.Contains("external", start.GetAttribute("rel")!, StringComparison.Ordinal);
        Assert.Null(guide.QuerySelector("#external-also"));
    }

    [Fact]
    public async Task The_guide_shows_every_section_the_code_labelled_and_no_keywords()
    {
        var guide = await Page(app.Browser(), Licence);
        Assert.Equal("事项编码：TR-0001", guide.QuerySelector("#item-code")!.TextContent.Trim());
        Assert.Equal("国家标准事项，由杭州市公安局交通警察支队办理；杭州市已根据本地情况调整", guide.QuerySelector("#origin")!.TextContent.Trim());
        Assert.True(guide.QuerySelectorAll("#conditions li").Length >= 2);
        Assert.Equal(3, guide.QuerySelectorAll("#materials li").Length);
        Assert.True(guide.QuerySelectorAll("#steps li").Length >= 3);
        Assert.Equal(["杭州市公安局交通警察支队车辆管理所", "杭州市民中心（杭州市政务服务中心）"], Texts(guide, "#where .hall h3"));
        Assert.Contains("石祥路", guide.QuerySelector("#where .hall")!.TextContent, StringComparison.Ordinal);
        Assert.Contains("0571-12345", guide.QuerySelector("#complaint-phone")!.TextContent, StringComparison.Ordinal);
        Assert.True(guide.QuerySelectorAll("#faq dt").Length >= 2);
        Assert.All(Texts(guide, "#faq dt"), q => Assert.EndsWith("？", q, StringComparison.Ordinal));
        Assert.DoesNotContain("关键词", guide.Body!.TextContent, StringComparison.Ordinal);
        Assert.DoesNotContain("驾照到期", guide.Body!.TextContent, StringComparison.Ordinal); // a keyword: search only
        Assert.Equal(["首页", "杭州市", "交通出行", "驾驶证期满换证"], Texts(guide, ".crumbs li").Select(t => t.TrimStart('›').Trim()));
    }

    [Theory]
    [InlineData("/city/330100/services/UT-3301", "浙江省统一事项，由浙江省住房和城乡建设厅办理；杭州市已根据本地情况调整")]
    [InlineData("/city/330106/services/PO-330100-01", "杭州市本地事项，由杭州市公安局办理")]
    [InlineData("/city/330110/services/ED-330110-01", "余杭区本地事项，由杭州市余杭区教育局办理")]
    [InlineData("/city/310000/services/SS-310000-01", "上海市本地事项，由上海市人力资源和社会保障局办理")]
    public async Task The_origin_line_names_the_level_and_the_department(string url, string expected)
    {
        Assert.Equal(expected, (await Page(app.Browser(), url)).QuerySelector("#origin")!.TextContent.Trim());
    }

    [Fact]
    public async Task The_guide_reads_in_english()
    {
        var browser = app.Browser();
        Assert.Equal(Licence, Location(await browser.GetAsync("/lang/en?returnUrl=" + Uri.EscapeDataString(Licence))));
        var guide = await Page(browser, Licence);
        Assert.Equal("Item code: TR-0001", guide.QuerySelector("#item-code")!.TextContent.Trim());
        Assert.StartsWith("National standard item, handled by Hangzhou", guide.QuerySelector("#origin")!.TextContent.Trim(), StringComparison.Ordinal);
        Assert.EndsWith("Adjusted by Hangzhou", guide.QuerySelector("#origin")!.TextContent.Trim(), StringComparison.Ordinal);
        Assert.Equal("Sign in to apply", guide.QuerySelector("a#start")!.TextContent.Trim());
        Assert.Equal("Who can apply", guide.QuerySelector("#conditions-heading")!.TextContent.Trim());
        Assert.Contains("Citizen Centre", guide.QuerySelector("#where")!.TextContent, StringComparison.Ordinal);
        Assert.DoesNotMatch("\\p{IsCJKUnifiedIdeographs}", guide.QuerySelector("article")!.TextContent);
    }

    [Fact]
    public async Task A_region_without_halls_says_whom_to_call()
    {
        var guide = await Page(app.Browser(), "/city/320100/services/EE-0001");
        Assert.Empty(guide.QuerySelectorAll("#where .hall"));
        Assert.Contains("12345", guide.QuerySelector("#where")!.TextContent, StringComparison.Ordinal);
    }
}

public sealed class GuidePageTests_Sqlite(SqliteApp app) : GuidePageTests(app), IClassFixture<SqliteApp>;

public sealed class GuidePageTests_Postgres(PostgresApp app) : GuidePageTests(app), IClassFixture<PostgresApp>;
