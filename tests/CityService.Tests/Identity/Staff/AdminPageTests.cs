using System.Globalization;
using System.Net;
using AngleSharp.Dom;
using AngleSharp.Html.Dom;
using CityService.Core.Identity;
using CityService.Core.Identity.SignIn;
using CityService.Core.Identity.Staff;
using CityService.Tests.Infrastructure;
using CityService.Web.Features.Identity;
using static CityService.Tests.Infrastructure.HtmlForms;

namespace CityService.Tests.Identity.Staff;

/// <summary>
/// The staff management page (/admin/staff) driven like a browser without JavaScript: demo staff sign in by code, GET forms
/// choose a department, POST forms (antiforgery token included) invite, withdraw and revoke, the invitee accepts on
/// /staff/accept, redirects are followed by hand.
/// </summary>
public abstract class AdminPageTests(AppFixture app)
{
    private const string DeptAdmin = "13900000003"; // dept-admin, Hangzhou PSB
    private const string Clerk = "13900000001"; // clerk, Hangzhou PSB
    private const string PlatformAdmin = "13700000001";

    private static int _phone;

    /// <summary>A phone number no other test uses (staff to be), so grants never meet an existing account.</summary>
    private static string NextPhone()
    {
        var phone = "134" + Interlocked.Increment(ref _phone).ToString("00000000", CultureInfo.InvariantCulture);
        LogCapture.Sensitive(phone); // the log scan checks no test phone was logged
        return phone;
    }

    private static string Masked(string phone) => phone[..3] + "****" + phone[^4..];

    /// <summary>The staff list's entry for a masked phone, or null.</summary>
    private static IElement? Member(IHtmlDocument page, string masked) =>
        page.QuerySelectorAll("#staff-list .staff-member").FirstOrDefault(m => m.QuerySelector(".staff-phone")!.TextContent.Trim() == masked);

    /// <summary>The open invitations' entry for a masked phone, or null.</summary>
    private static IElement? Invitation(IHtmlDocument page, string masked) =>
        page.QuerySelectorAll("#invitation-list .staff-invitation").FirstOrDefault(m => m.QuerySelector(".staff-phone")!.TextContent.Trim() == masked);

    /// <summary>
    /// Signs in by code (see <see cref="AppFixture.SignIn"/>) a minute after the last code: demo phones sign in once per
    /// test, and a phone gets one code a minute.
    /// </summary>
    private Task<string> SignIn(HttpClient browser, string phone, string signInUrl = "/signin")
    {
        app.Time.Advance(OtpService.PhoneInterval);
        return app.SignIn(browser, phone, signInUrl);
    }

    private async Task<HttpClient> SignedIn(string phone)
    {
        var browser = app.Browser();
        await SignIn(browser, phone);
        return browser;
    }

    [Fact]
    public async Task Without_a_session_the_page_redirects_to_sign_in_and_comes_back()
    {
        var browser = app.Browser();
        var location = new Uri(new Uri("http://localhost"), Location(await browser.GetAsync("/admin/staff")));
        Assert.Equal("/signin", location.AbsolutePath);
        Assert.Equal("?ReturnUrl=" + Uri.EscapeDataString("/admin/staff"), location.Query);

        Assert.Equal("/admin/staff", await SignIn(browser, DeptAdmin, location.PathAndQuery));
        var page = await Page(browser, "/admin/staff");
        Assert.Equal("/admin/staff", page.QuerySelector("#staff-link")!.GetAttribute("href"));
        Assert.Equal("page", page.QuerySelector("#staff-link")!.GetAttribute("aria-current"));
    }

    [Fact]
    public async Task A_citizen_is_refused_with_403_and_sees_no_staff_link()
    {
        var citizen = app.Browser();
        Assert.Equal("/me", await SignIn(citizen, "135" + Interlocked.Increment(ref _phone).ToString("00000000", CultureInfo.InvariantCulture)));
        var refused = await citizen.GetAsync("/admin/staff?region=330100&department=PSB");
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Null((await Page(citizen, "/")).QuerySelector("#staff-link"));
    }

    [Fact]
    public async Task The_department_admin_sees_masked_staff_grants_a_clerk_and_revokes_it()
    {
        var browser = await SignedIn(DeptAdmin);
        var page = await Page(browser, "/admin/staff");
        Assert.Equal("330100", page.QuerySelector("#department-heading")!.GetAttribute("data-region"));
        Assert.Equal("PSB", page.QuerySelector("#department-heading")!.GetAttribute("data-department"));
        Assert.Equal("杭州市公安局", Text(page, "#department-heading"));
        Assert.Null(page.QuerySelector("#choose-form")); // only platform admins choose any department
        Assert.True(page.QuerySelector("#staff-link") is not null, "the header links staff to the page");

        // Every demo member of Hangzhou PSB is listed, masked, with their roles; no full number anywhere in the page.
        var html = page.DocumentElement.OuterHtml;
        foreach (var demo in DemoAccounts.All.Where(d => d.Role is { Region: "330100", Department: "PSB" }))
        {
            var member = Member(page, Masked(demo.Phone));
            Assert.True(member is not null, Masked(demo.Phone) + " is not listed");
            Assert.NotNull(member.QuerySelector($"li[data-role='{StaffRoles.Slug(demo.Role!.Value.Role)}']"));
        }

        foreach (var demo in DemoAccounts.All)
        {
            Assert.DoesNotContain(demo.Phone, html, StringComparison.Ordinal);
        }

        Assert.Null(Member(page, Masked("13900000004"))); // the HRSS clerk belongs to another department
        AssertAccessibleForms(page);
        var roles = page.QuerySelectorAll("#grant-form select#role option").Select(o => o.GetAttribute("value")).ToList();
        Assert.Equal(["clerk", "approver", "dept-admin"], roles);

        // Invite: post, redirect, get; the invitation is listed as open, nothing is granted yet.
        var phone = NextPhone();
        var invited = await Submit(browser, page, "#grant-form", new() { ["phone"] = phone, ["role"] = "clerk" });
        Assert.Equal("/admin/staff?region=330100&department=PSB&done=invited", Location(invited));
        var pending = await Page(browser, Location(invited));
        Assert.Equal("邀请已发送，对方接受后将获得角色。", Text(pending, "#done"));
        Assert.Equal("clerk", Invitation(pending, Masked(phone))!.GetAttribute("data-role"));
        Assert.Null(Member(pending, Masked(phone)));
        AssertAccessibleForms(pending);

        // The invitee accepts on /staff/accept with the phone and a code sent to it.
        var invitee = app.Browser();
        var start = await Page(invitee, "/staff/accept");
        AssertAccessibleForms(start);
        var codeStep = await Html(await Submit(invitee, start, "#phone-form", new() { ["phone"] = phone }), HttpStatusCode.OK);
        var done = await Html(await Submit(invitee, codeStep, "#code-form", new() { ["code"] = app.Sms.LastCodeFor(phone) }), HttpStatusCode.OK);
        Assert.NotNull(done.QuerySelector("#accepted li[data-department=PSB][data-role=clerk]"));

        var after = await Page(browser, "/admin/staff");
        Assert.Null(Invitation(after, Masked(phone)));
        var added = Member(after, Masked(phone));
        Assert.True(added is not null, "the new clerk is not listed");
        Assert.Equal("受理人员", added.QuerySelector("li[data-role=clerk] .staff-role")!.TextContent.Trim());
        Assert.Single(added.QuerySelectorAll(".staff-roles li"));
        Assert.DoesNotContain(phone, after.DocumentElement.OuterHtml, StringComparison.Ordinal);

        // Revoke the role with its own button: the member (who has no other role here) leaves the list.
        var accountId = added.GetAttribute("data-account");
        var revoked = await Submit(browser, after, $"#revoke-{accountId}-clerk");
        Assert.Equal("/admin/staff?region=330100&department=PSB&done=revoked", Location(revoked));
        var end = await Page(browser, Location(revoked));
        Assert.Equal("角色已撤销。", Text(end, "#done"));
        Assert.Null(Member(end, Masked(phone)));
        Assert.NotNull(Member(end, Masked(DeptAdmin)));

        // The same revoke again: that role is gone, said at the top of the form with 404.
        var again = await Html(await Submit(browser, after, $"#revoke-{accountId}-clerk"), HttpStatusCode.NotFound);
        Assert.Equal("没有这项人员角色。", Text(again, ".error-summary li"));
    }

    [Fact]
    public async Task The_department_admin_cannot_open_or_post_to_another_citys_department()
    {
        var browser = await SignedIn(DeptAdmin);
        var ningbo = await Page(browser, "/admin/staff?region=330200&department=PSB", HttpStatusCode.NotFound);
        Assert.Equal("没有找到该部门。", Text(ningbo, "#outcome"));
        Assert.Null(ningbo.QuerySelector("#grant-form"));
        Assert.Null(ningbo.QuerySelector("#staff-list"));
        Assert.DoesNotContain("Exception", ningbo.DocumentElement.OuterHtml, StringComparison.Ordinal);
        Assert.Equal("/admin/staff?region=330100&department=PSB", ningbo.QuerySelector("#administered a")!.GetAttribute("href")); // the way back

        // An unknown department and a malformed region answer the same way.
        Assert.Equal("没有找到该部门。", Text(await Page(browser, "/admin/staff?region=330100&department=NOPE", HttpStatusCode.NotFound), "#outcome"));
        Assert.StartsWith("地区代码必须是 6 位数字", Text(await Page(browser, "/admin/staff?region=33&department=PSB", HttpStatusCode.BadRequest), "#outcome"), StringComparison.Ordinal);

        // A grant form altered to point at Ningbo is refused by the server.
        var own = await Page(browser, "/admin/staff");
        var phone = NextPhone();
        var refused = await Html(await Submit(browser, own, "#grant-form", new() { ["region"] = "330200", ["phone"] = phone, ["role"] = "clerk" }), HttpStatusCode.NotFound);
        Assert.Equal("没有找到该部门。", Text(refused, "#outcome"));

        // Nothing was granted there.
        var admin = await SignedIn(PlatformAdmin);
        Assert.Null(Member(await Page(admin, "/admin/staff?region=330200&department=PSB"), Masked(phone)));
    }

    [Fact]
    public async Task A_clerk_sees_the_explanation_and_no_forms()
    {
        var browser = await SignedIn(Clerk);
        var page = await Page(browser, "/admin/staff");
        Assert.Contains("只有部门管理员和平台管理员可以管理人员", Text(page, "#not-admin"), StringComparison.Ordinal);
        Assert.Contains("杭州市公安局 · 受理人员", Text(page, "#own-roles"), StringComparison.Ordinal);
        Assert.Empty(page.QuerySelectorAll("main form"));
        Assert.Null(page.QuerySelector("#staff-list"));
        Assert.NotNull(page.QuerySelector("#staff-link"));
        Assert.Null((await Page(browser, "/admin/staff?region=330100&department=PSB")).QuerySelector("#grant-form"));

        // A grant posted anyway (with a valid antiforgery token from another form) is refused.
        var signOut = await Page(browser, "/signout");
        var token = signOut.QuerySelector("#signout-form input[name=__RequestVerificationToken]")!.GetAttribute("value")!;
        var phone = NextPhone();
        var posted = await browser.PostAsync("/admin/staff?handler=grant", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token, ["region"] = "330100", ["department"] = "PSB", ["phone"] = phone, ["role"] = "dept-admin",
        }));
        Assert.NotNull((await Html(posted, HttpStatusCode.Forbidden)).QuerySelector("#not-admin"));

        var admin = await SignedIn(DeptAdmin);
        Assert.Null(Member(await Page(admin, "/admin/staff"), Masked(phone)));
    }

    [Fact]
    public async Task The_platform_admin_chooses_ningbo_psb_and_grants_there()
    {
        var browser = await SignedIn(PlatformAdmin);
        var start = await Page(browser, "/admin/staff");
        Assert.NotNull(start.QuerySelector("#choose-prompt"));
        Assert.Null(start.QuerySelector("#grant-form"));
        Assert.NotNull(start.QuerySelector("#choose-form select#region option[value='330200']"));
        Assert.Null(start.QuerySelector("#choose-form select#department")); // departments come with the region
        AssertAccessibleForms(start);

        var region = await SubmitGet(browser, start, "#choose-form", new() { ["region"] = "330200" });
        Assert.Equal("330200", region.QuerySelector("select#region option[selected]")!.GetAttribute("value"));
        var departments = region.QuerySelectorAll("select#department option").Select(o => o.GetAttribute("value")).ToList();
        Assert.Contains("PSB", departments);
        Assert.DoesNotContain("MPS", departments); // only Ningbo's own departments
        AssertAccessibleForms(region);

        var psb = await SubmitGet(browser, region, "#choose-form", new() { ["department"] = "PSB" });
        Assert.Equal("宁波市公安局", Text(psb, "#department-heading"));
        Assert.NotNull(psb.QuerySelector("#no-staff"));

        var phone = NextPhone();
        var granted = await Submit(browser, psb, "#grant-form", new() { ["phone"] = phone, ["role"] = "approver" });
        Assert.Equal("/admin/staff?region=330200&department=PSB&done=invited", Location(granted));
        var after = await Page(browser, Location(granted));
        Assert.Equal("approver", Invitation(after, Masked(phone))!.GetAttribute("data-role"));
        Assert.Equal("330200", after.QuerySelector("select#region option[selected]")!.GetAttribute("value"));
        Assert.Equal("PSB", after.QuerySelector("select#department option[selected]")!.GetAttribute("value"));

        // Hangzhou's department admin cannot see Ningbo's invitation.
        var hangzhou = await SignedIn(DeptAdmin);
        Assert.DoesNotContain(Masked(phone), (await Page(hangzhou, "/admin/staff")).DocumentElement.OuterHtml, StringComparison.Ordinal);

        // Withdrawn with its own button: the invitation leaves the list.
        var id = Invitation(after, Masked(phone))!.GetAttribute("data-invitation");
        var withdrawn = await Submit(browser, after, "#withdraw-" + id);
        Assert.Equal("/admin/staff?region=330200&department=PSB&done=withdrawn", Location(withdrawn));
        var end = await Page(browser, Location(withdrawn));
        Assert.Equal("邀请已撤回。", Text(end, "#done"));
        Assert.Null(Invitation(end, Masked(phone)));
    }

    [Fact]
    public async Task Grant_errors_are_shown_at_their_fields()
    {
        var browser = await SignedIn(DeptAdmin);
        var page = await Page(browser, "/admin/staff");

        var badPhone = await Html(await Submit(browser, page, "#grant-form", new() { ["phone"] = "12345", ["role"] = "approver" }), HttpStatusCode.OK);
        Assert.StartsWith("手机号码格式不正确", Text(badPhone, "#grant-form #phone-error"), StringComparison.Ordinal);
        Assert.Equal("12345", badPhone.QuerySelector("input#phone")!.GetAttribute("value"));
        Assert.Equal("phone-hint phone-error", badPhone.QuerySelector("input#phone")!.GetAttribute("aria-describedby"));
        Assert.Equal("approver", badPhone.QuerySelector("select#role option[selected]")!.GetAttribute("value")); // the choice is kept
        Assert.Equal("#phone", badPhone.QuerySelector(".error-summary a")!.GetAttribute("href"));
        Assert.Null(badPhone.QuerySelector("#role-error"));
        Assert.Null(badPhone.QuerySelector("#done"));
        AssertAccessibleForms(badPhone);

        var badRole = await Html(await Submit(browser, badPhone, "#grant-form", new() { ["phone"] = NextPhone(), ["role"] = "boss" }), HttpStatusCode.OK);
        Assert.StartsWith("角色必须是", Text(badRole, "#grant-form #role-error"), StringComparison.Ordinal);
        Assert.Null(badRole.QuerySelector("#phone-error"));
        AssertAccessibleForms(badRole);

        // A citizen's phone gets the same answer as any other: the page does not tell what kind of account it is.
        var citizen = DemoAccounts.All.First(d => d.Kind == AccountKind.Citizen).Phone;
        Assert.Equal("/admin/staff?region=330100&department=PSB&done=invited",
            Location(await Submit(browser, badRole, "#grant-form", new() { ["phone"] = citizen, ["role"] = "clerk" })));
    }

    [Fact]
    public async Task The_page_is_in_english_with_the_language_cookie()
    {
        var browser = await SignedIn(DeptAdmin);
        Assert.Equal("/admin/staff", Location(await browser.GetAsync("/lang/en?returnUrl=%2Fadmin%2Fstaff")));
        var page = await Page(browser, "/admin/staff");
        Assert.Equal("en", page.DocumentElement.GetAttribute("lang"));
        Assert.Equal("Staff management", Text(page, "h1"));
        Assert.Equal("Staff", Text(page, "#staff-link"));
        Assert.Equal("Hangzhou Public Security Bureau", Text(page, "#department-heading"));
        Assert.Equal("Mobile number", Text(page, "label[for=phone]"));
        Assert.Equal("Role", Text(page, "label[for=role]"));
        Assert.Equal(["Clerk", "Approver", "Department admin"], page.QuerySelectorAll("select#role option").Select(o => o.TextContent.Trim()).ToList());
        Assert.Equal("Send invitation", Text(page, "#grant-form button"));
        Assert.StartsWith("Revoke", Text(page, ".staff-revoke button"), StringComparison.Ordinal);

        var error = await Html(await Submit(browser, page, "#grant-form", new() { ["phone"] = "12345" }), HttpStatusCode.OK);
        Assert.StartsWith("The phone number is not valid", Text(error, "#phone-error"), StringComparison.Ordinal);
        Assert.Equal("No such department.", Text(await Page(browser, "/admin/staff?region=330200&department=PSB", HttpStatusCode.NotFound), "#outcome"));
    }
}

public sealed class AdminPageTests_Sqlite(SqliteApp app) : AdminPageTests(app), IClassFixture<SqliteApp>;

public sealed class AdminPageTests_Postgres(PostgresApp app) : AdminPageTests(app), IClassFixture<PostgresApp>;
