using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using CityService.Core.Identity.Consent;
using CityService.Core.Identity.SignIn;
using CityService.Core.Storage;
using CityService.RegistrySimulator;
using CityService.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static CityService.Tests.Infrastructure.HtmlForms;

namespace CityService.Tests.Identity;

/// <summary>Issue 8 §5: sign-in asks for agreement, verification for separate consent; both recorded, listed and withdrawn.</summary>
public abstract class ConsentPageTests(AppFixture app)
{
    private static int _phone;
    private static int _person;

    private static string NextPhone() => "133" + Interlocked.Increment(ref _phone).ToString("00000000", CultureInfo.InvariantCulture);

    private static SimulatedPerson NextPerson() => TestPersons.Next(ref _person);

    private async Task<string> ApiToken(string phone)
    {
        await app.Client().PostAsJsonAsync("/api/auth/otp", new { phone });
        var verified = await (await app.Client().PostAsJsonAsync("/api/auth/otp/verify", new { agreed = TestConsents.Agreed, phone, code = app.Sms.LastCodeFor(phone) })).Json(HttpStatusCode.OK);
        return verified.GetProperty("accessToken").GetString()!;
    }

    private HttpClient Bearer(string token) => app.BearerClient(token);

    [Fact]
    public async Task The_agreement_is_not_ticked_and_without_it_no_code_is_sent()
    {
        var browser = app.Browser();
        var phone = NextPhone();
        var start = await Page(browser, "/signin");
        var agree = start.QuerySelector("#phone-form input#agree[type=checkbox]")!;
        Assert.False(agree.HasAttribute("checked"));
        Assert.Equal("/terms", start.QuerySelector("#terms-link")!.GetAttribute("href"));
        Assert.Equal("/privacy", start.QuerySelector("#privacy-link")!.GetAttribute("href"));
        Assert.Contains(TestConsents.Version, Text(start, "#agree-versions"), StringComparison.Ordinal);

        var refused = await Html(await Submit(browser, start, "#phone-form", new() { ["phone"] = phone }), HttpStatusCode.OK);
        Assert.StartsWith("请阅读并同意《用户协议》", Text(refused, "#phone-form #agree-error"), StringComparison.Ordinal);
        Assert.Equal("#agree", refused.QuerySelector(".error-summary a")!.GetAttribute("href"));
        Assert.Equal("true", refused.QuerySelector("#agree")!.GetAttribute("aria-invalid"));
        Assert.Equal(phone, refused.QuerySelector("#phone")!.GetAttribute("value")); // kept
        Assert.Empty(app.Sms.Sent(phone));
    }

    [Fact]
    public async Task Signing_in_records_both_documents_with_version_time_and_channel_and_the_profile_lists_them()
    {
        var browser = app.Browser();
        Assert.Equal("/me", await app.SignIn(browser, NextPhone()));
        var me = await Page(browser, "/me");
        Assert.Contains("已登录", Text(me, "#signed-in"), StringComparison.Ordinal); // said once, on the page the citizen returned to
        var consents = me.QuerySelectorAll("#consents li").ToDictionary(li => li.GetAttribute("data-kind")!);
        Assert.Equal(["privacy", "terms"], consents.Keys.Order());
        Assert.All(consents.Values, li => Assert.Equal(TestConsents.Version, li.GetAttribute("data-version")));
        Assert.Contains(app.Time.GetUtcNow().ToOffset(TimeSpan.FromHours(8)).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture), consents["terms"].TextContent, StringComparison.Ordinal);
        Assert.Contains("网页", consents["terms"].TextContent, StringComparison.Ordinal);
        Assert.Null((await Page(browser, "/me")).QuerySelector("#signed-in"));

        // Signing in again with the same versions records nothing new.
        var again = app.Browser();
        var phone = NextPhone();
        await app.SignIn(again, phone);
        app.Time.Advance(OtpService.PhoneInterval); // the next code for the same phone
        await app.SignIn(again, phone);
        Assert.Equal(2, (await Page(again, "/me")).QuerySelectorAll("#consents li").Length);
    }

    [Fact]
    public async Task The_api_sign_in_needs_the_current_versions_and_does_not_use_up_the_code_without_them()
    {
        var phone = NextPhone();
        await app.Client().PostAsJsonAsync("/api/auth/otp", new { phone });
        var code = app.Sms.LastCodeFor(phone);
        var missing = await (await app.Client().PostAsJsonAsync("/api/auth/otp/verify", new { phone, code })).AssertProblem(HttpStatusCode.BadRequest, "agreed", "consent.required");
        Assert.Equal(TestConsents.Version, missing.GetProperty("documents").GetProperty("privacy").GetString());
        await (await app.Client().PostAsJsonAsync("/api/auth/otp/verify", new { agreed = new { terms = TestConsents.Version, privacy = "2020.1" }, phone, code }))
            .AssertProblem(HttpStatusCode.BadRequest, "agreed", "consent.required");
        var token = (await (await app.Client().PostAsJsonAsync("/api/auth/otp/verify", new { agreed = TestConsents.Agreed, phone, code })).Json(HttpStatusCode.OK)).GetProperty("accessToken").GetString()!;

        var listed = await Bearer(token).GetFromJsonAsync<System.Text.Json.JsonElement>("/api/me/consents");
        Assert.All(listed.EnumerateArray(), c => Assert.Equal("api", c.GetProperty("channel").GetString()));
        Assert.Equal(2, listed.GetArrayLength());
        await (await app.Client().PostAsJsonAsync("/api/auth/password", new { phone, password = "whatever-1" })).AssertProblem(HttpStatusCode.BadRequest, "agreed", "consent.required");
    }

    [Fact]
    public async Task A_new_version_of_a_document_is_asked_for_again_and_recorded_beside_the_old_one()
    {
        var phone = NextPhone();
        await ApiToken(phone);
        using var scope = app.App.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<CityDbContext>();
        var account = await db.Accounts.AsNoTracking().SingleAsync(a => a.PhoneIndex == scope.ServiceProvider.GetRequiredService<Core.Identity.PersonalDataProtector>().BlindIndex(phone, "phone"));

        // The operator publishes privacy policy 2027.1: the versions agreed before no longer sign in, the new ones do.
        var published = new ConsentService(db, new ConsentDocuments(TestConsents.Version, "2027.1"), app.Time, app.Service<Core.Audit.AuditLog>());
        Assert.NotNull(published.CheckSignIn(TestConsents.Version, TestConsents.Version));
        Assert.Null(published.CheckSignIn(TestConsents.Version, "2027.1"));
        await published.RecordSignInAsync(account.Id, ConsentChannel.Page, CancellationToken.None);
        var records = await published.ListAsync(account.Id, CancellationToken.None);
        Assert.Equal(["2026.1", "2027.1"], records.Where(r => r.Kind == ConsentKind.Privacy).Select(r => r.Version).Order());
        Assert.Single(records, r => r.Kind == ConsentKind.Terms);
    }

    [Fact]
    public async Task Verification_asks_for_separate_consent_before_the_id_number_goes_anywhere()
    {
        var browser = app.Browser();
        await app.SignIn(browser, NextPhone());
        var person = NextPerson();
        var verify = await Page(browser, "/me/verify");
        Assert.NotNull(verify.QuerySelector("#id-form #consent-block"));
        Assert.False(verify.QuerySelector("#id-form input#consent")!.HasAttribute("checked"));
        Assert.Equal(TestConsents.Version, verify.QuerySelector("#id-form input#consent")!.GetAttribute("value"));

        var refused = await Html(await Submit(browser, verify, "#id-form", new() { ["name"] = person.Name, ["idNumber"] = person.IdNumber }), HttpStatusCode.OK);
        Assert.StartsWith("实名认证需要处理您的姓名、身份证号码和人脸图像", Text(refused, "#id-form #consent-error"), StringComparison.Ordinal);
        Assert.Equal("L1", refused.QuerySelector("#current-level")!.GetAttribute("data-level"));
        Assert.Equal(person.Name, refused.QuerySelector("#name")!.GetAttribute("value"));

        Assert.Equal("/me?verified=L2", Location(await Submit(browser, refused, "#id-form", new() { ["consent"] = TestConsents.Version, ["name"] = person.Name, ["idNumber"] = person.IdNumber })));
        var me = await Page(browser, "/me?verified=L2");
        Assert.NotNull(me.QuerySelector("#consents li[data-kind=sensitive-identity][data-active=true]"));
        Assert.Null((await Page(browser, "/me/verify")).QuerySelector("#consent-block")); // given: not asked again for the face
    }

    [Fact]
    public async Task The_api_verification_needs_the_separate_consent_too()
    {
        var citizen = Bearer(await ApiToken(NextPhone()));
        var person = NextPerson();
        await (await citizen.PostAsJsonAsync("/api/me/verification/id", new { name = person.Name, idNumber = person.IdNumber }))
            .AssertProblem(HttpStatusCode.Forbidden, "consent", "consent.sensitive-required");
        await (await citizen.PostAsJsonAsync("/api/me/verification/id", new { consent = "2020.1", name = person.Name, idNumber = person.IdNumber }))
            .AssertProblem(HttpStatusCode.Forbidden, "consent", "consent.sensitive-required");
        var profile = await (await citizen.PostAsJsonAsync("/api/me/verification/id", new { consent = TestConsents.Version, name = person.Name, idNumber = person.IdNumber })).Json(HttpStatusCode.OK);
        Assert.Equal("L2", profile.GetProperty("assuranceLevel").GetString());
    }

    [Fact]
    public async Task Withdrawing_the_sensitive_consent_erases_the_verified_identity_and_drops_to_level_1()
    {
        var browser = app.Browser();
        await app.SignIn(browser, NextPhone());
        var person = NextPerson();
        await Submit(browser, await Page(browser, "/me/verify"), "#id-form", new() { ["consent"] = TestConsents.Version, ["name"] = person.Name, ["idNumber"] = person.IdNumber });
        var me = await Page(browser, "/me");
        Assert.NotNull(me.QuerySelector("#profile-id-number"));

        var form = me.QuerySelector("#consents li[data-kind=sensitive-identity] form")!;
        form.Id = "withdraw-sensitive";
        var withdrawn = await Submit(browser, me, "#withdraw-sensitive");
        Assert.Equal("/me?withdrawn=sensitive-identity", Location(withdrawn));
        var after = await Page(browser, "/me?withdrawn=sensitive-identity");
        Assert.Contains("已删除", Text(after, "#withdrawn-notice"), StringComparison.Ordinal);
        Assert.Equal("L1", after.QuerySelector("#profile-level")!.GetAttribute("data-level"));
        Assert.Null(after.QuerySelector("#profile-id-number"));
        Assert.Null(after.QuerySelector("#profile-name"));
        Assert.NotNull(after.QuerySelector("#consents li[data-kind=sensitive-identity][data-active=false]")); // the record stays, withdrawn

        // The same person can verify again (the ID number's blind index went with the data), after consenting again.
        Assert.NotNull((await Page(browser, "/me/verify")).QuerySelector("#id-form #consent-block"));
        Assert.Equal("/me?verified=L2", Location(await Submit(browser, await Page(browser, "/me/verify"), "#id-form", new() { ["consent"] = TestConsents.Version, ["name"] = person.Name, ["idNumber"] = person.IdNumber })));
    }

    [Fact]
    public async Task Withdrawing_the_privacy_consent_signs_out_everywhere_until_agreed_again()
    {
        var phone = NextPhone();
        var browser = app.Browser();
        await app.SignIn(browser, phone);
        app.Time.Advance(OtpService.PhoneInterval);
        var token = await ApiToken(phone);
        var me = await Page(browser, "/me");
        var form = me.QuerySelector("#consents li[data-kind=privacy] form")!;
        form.Id = "withdraw-privacy";
        Assert.Equal("/signin?withdrawn=privacy", Location(await Submit(browser, me, "#withdraw-privacy")));
        Assert.Contains("所有登录均已结束", Text(await Page(browser, "/signin?withdrawn=privacy"), "#withdrawn-notice"), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Redirect, (await browser.GetAsync("/me")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Bearer(token).GetAsync("/api/me")).StatusCode);

        app.Time.Advance(OtpService.PhoneInterval);
        Assert.Equal("/me", await app.SignIn(browser, phone)); // agreeing again opens the account again
        var records = (await Page(browser, "/me")).QuerySelectorAll("#consents li[data-kind=privacy]");
        Assert.Equal(["false", "true"], records.Select(r => r.GetAttribute("data-active")!).Order());
    }

    [Fact]
    public async Task Another_accounts_consent_cannot_be_withdrawn()
    {
        var token = await ApiToken(NextPhone());
        var other = Bearer(await ApiToken(NextPhone()));
        var theirs = (await Bearer(token).GetFromJsonAsync<System.Text.Json.JsonElement>("/api/me/consents"))[0].GetProperty("id").GetString();
        await (await other.DeleteAsync("/api/me/consents/" + theirs)).AssertProblem(HttpStatusCode.NotFound, "id", "consent.not-found");
        Assert.Equal(HttpStatusCode.OK, (await Bearer(token).GetAsync("/api/me")).StatusCode);
    }

    [Fact]
    public async Task Password_sign_in_on_the_page_asks_for_the_same_agreement_and_says_what_is_wrong_in_the_form()
    {
        var browser = app.Browser();
        var start = await Page(browser, "/signin?method=password");
        Assert.NotNull(start.QuerySelector("#password-form input#password[type=password]"));
        Assert.Equal("/signin", start.QuerySelector("#switch-method")!.GetAttribute("href"));

        var noAgreement = await Html(await Submit(browser, start, "#password-form", new() { ["phone"] = "13800000001", ["password"] = "demo-citizen-1" }), HttpStatusCode.OK);
        Assert.NotNull(noAgreement.QuerySelector("#agree-error"));
        Assert.Null(noAgreement.QuerySelector("#password")!.GetAttribute("value")); // a password is never sent back

        var wrong = await Html(await Submit(browser, noAgreement, "#password-form", new() { ["phone"] = "13800000001", ["password"] = "wrong-passw0rd", ["agree"] = "true" }), HttpStatusCode.OK);
        Assert.Equal("手机号或密码不正确。", Text(wrong, "#password-form #password-error"));

        var signedIn = await Submit(browser, wrong, "#password-form", new() { ["phone"] = "13800000001", ["password"] = "demo-citizen-1", ["agree"] = "true" });
        Assert.Equal("/me", Location(signedIn));
        Assert.Equal("已登录", Text(await Page(browser, "/me"), "#signed-in"));
    }

    [Fact]
    public async Task The_resend_button_shows_its_wait_from_the_stored_code()
    {
        var browser = app.Browser();
        var phone = NextPhone();
        var codeStep = await Html(await Submit(browser, await Page(browser, "/signin"), "#phone-form", new() { ["phone"] = phone, ["agree"] = "true" }), HttpStatusCode.OK);
        Assert.Equal("60 秒后可重新发送", Text(codeStep, "#resend-wait"));
        Assert.Contains("resend-wait", codeStep.QuerySelector("#resend")!.GetAttribute("aria-describedby"), StringComparison.Ordinal);

        app.Time.Advance(TimeSpan.FromSeconds(25));
        var wrong = await Html(await Submit(browser, codeStep, "#code-form", new() { ["code"] = app.Sms.LastCodeFor(phone) == "000000" ? "111111" : "000000" }), HttpStatusCode.OK);
        Assert.Equal("35 秒后可重新发送", Text(wrong, "#resend-wait"));
        Assert.Equal(TestConsents.Version, wrong.QuerySelector("#code-form input[name=privacy]")!.GetAttribute("value")); // the agreement travels on

        var english = app.Browser();
        await english.GetAsync("/lang/en?returnUrl=/");
        var other = NextPhone();
        var step = await Html(await Submit(english, await Page(english, "/signin"), "#phone-form", new() { ["phone"] = other, ["agree"] = "true" }), HttpStatusCode.OK);
        Assert.Equal("Resend in 60 s", Text(step, "#resend-wait"));
    }

    [Fact]
    public async Task An_expired_sign_in_form_says_so_in_the_form_with_the_phone_kept()
    {
        var browser = app.Browser();
        var phone = NextPhone();
        var start = await Page(browser, "/signin");
        var response = await Submit(browser, start, "#phone-form", new() { ["phone"] = phone, ["agree"] = "true" }, withToken: false);
        var page = await Html(response, HttpStatusCode.BadRequest);
        Assert.StartsWith("表单已过期", Text(page, ".error-summary li"), StringComparison.Ordinal);
        Assert.Equal(phone, page.QuerySelector("#phone-form #phone")!.GetAttribute("value"));
        Assert.False(page.QuerySelector("#agree")!.HasAttribute("checked"));
        Assert.NotNull(page.QuerySelector("#phone-form input[name=__RequestVerificationToken]")); // a fresh token: sending again works
        Assert.Empty(app.Sms.Sent(phone));
        Assert.Equal(HttpStatusCode.OK, (await Submit(browser, page, "#phone-form", new() { ["phone"] = phone, ["agree"] = "true" })).StatusCode);
        Assert.Single(app.Sms.Sent(phone));
    }

    [Fact]
    public async Task An_expired_verification_form_says_so_in_the_form()
    {
        var browser = app.Browser();
        await app.SignIn(browser, NextPhone());
        var person = NextPerson();
        var response = await Submit(browser, await Page(browser, "/me/verify"), "#id-form", new() { ["consent"] = TestConsents.Version, ["name"] = person.Name, ["idNumber"] = person.IdNumber }, withToken: false);
        var page = await Html(response, HttpStatusCode.BadRequest);
        Assert.StartsWith("表单已过期", Text(page, ".error-summary li"), StringComparison.Ordinal);
        Assert.Equal("L1", page.QuerySelector("#current-level")!.GetAttribute("data-level"));
        Assert.Equal(person.Name, page.QuerySelector("#id-form #name")!.GetAttribute("value"));
        Assert.Null(page.QuerySelector("#id-form #idNumber")!.GetAttribute("value"));
    }
}

public sealed class ConsentPageTests_Sqlite(SqliteApp app) : ConsentPageTests(app), IClassFixture<SqliteApp>;

public sealed class ConsentPageTests_Postgres(PostgresApp app) : ConsentPageTests(app), IClassFixture<PostgresApp>;
