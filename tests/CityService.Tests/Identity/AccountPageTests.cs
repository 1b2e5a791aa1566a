using System.Globalization;
using System.Net;
using AngleSharp.Html.Dom;
using CityService.Core.Common;
using CityService.Core.Identity;
using CityService.RegistrySimulator;
using CityService.Tests.Infrastructure;
using CityService.Web.Infrastructure;
using static CityService.Tests.Infrastructure.HtmlForms;

namespace CityService.Tests.Identity;

/// <summary>
/// The account pages driven like a browser without JavaScript: GET a page, fill its form (antiforgery token included),
/// POST it, follow the redirect by hand; cookies (session, antiforgery, language) kept in the client's cookie container.
/// </summary>
public abstract class AccountPageTests(AppFixture app)
{
    private const string Guide = "/city/330100/services/EE-0001"; // the passport: needs L3

    private static int _phone;
    private static int _person;

    /// <summary>A phone number no other test uses, so no test meets another's rate limits.</summary>
    private static string NextPhone() => "136" + Interlocked.Increment(ref _phone).ToString("00000000", CultureInfo.InvariantCulture);

    private static SimulatedPerson NextPerson() => TestPersons.Next(ref _person);

    private async Task<HttpClient> SignedInCitizen()
    {
        var browser = app.Browser();
        Assert.Equal("/me", await app.SignIn(browser, NextPhone()));
        return browser;
    }

    private static async Task VerifyId(HttpClient browser, SimulatedPerson person)
    {
        var verify = await Page(browser, "/me/verify");
        var done = await Submit(browser, verify, "#id-form", new() { ["consent"] = TestConsents.Version, ["name"] = person.Name, ["idNumber"] = person.IdNumber });
        Assert.Equal("/me?verified=L2", Location(done));
    }

    /// <summary>An L2 citizen opens a face challenge: the page then offers the photo upload.</summary>
    private static async Task<IHtmlDocument> StartFace(HttpClient browser)
    {
        var started = await Html(await Submit(browser, await Page(browser, "/me/verify"), "#face-start-form"), HttpStatusCode.OK);
        Assert.NotNull(started.QuerySelector("#face-form"));
        return started;
    }

    [Fact]
    public async Task Signing_in_with_a_code_ends_on_the_profile_with_the_masked_phone_and_level_1()
    {
        var browser = app.Browser();
        var phone = NextPhone();
        var start = await Page(browser, "/signin");
        var phoneInput = start.QuerySelector("#phone-form input#phone")!;
        Assert.Equal("tel", phoneInput.GetAttribute("type"));
        Assert.Equal("tel", phoneInput.GetAttribute("autocomplete"));
        Assert.Contains("phone-hint", phoneInput.GetAttribute("aria-describedby"), StringComparison.Ordinal);
        Assert.NotNull(start.QuerySelector("#phone-form input[name=__RequestVerificationToken]"));
        AssertAccessibleForms(start);

        var codeStep = await Html(await Submit(browser, start, "#phone-form", new() { ["phone"] = phone, ["agree"] = "true" }), HttpStatusCode.OK);
        Assert.Equal(phone, codeStep.QuerySelector("#code-form input[type=hidden][name=phone]")!.GetAttribute("value"));
        var code = codeStep.QuerySelector("#code-form input#code")!;
        Assert.Equal("one-time-code", code.GetAttribute("autocomplete"));
        Assert.Equal("numeric", code.GetAttribute("inputmode"));
        Assert.Contains(phone[..3] + "****" + phone[^4..], Text(codeStep, "[role=status]"), StringComparison.Ordinal);
        AssertAccessibleForms(codeStep);

        var signedIn = await Submit(browser, codeStep, "#code-form", new() { ["code"] = app.Sms.LastCodeFor(phone) });
        Assert.Equal("/me", Location(signedIn));
        Assert.Contains(signedIn.Headers.GetValues("Set-Cookie"), c => c.StartsWith("cs-session=", StringComparison.Ordinal) && c.Contains("httponly", StringComparison.OrdinalIgnoreCase));

        var me = await Page(browser, "/me");
        Assert.Equal(phone[..3] + "****" + phone[^4..], Text(me, "#profile-phone"));
        Assert.Equal("L1", me.QuerySelector("#profile-level")!.GetAttribute("data-level"));
        Assert.Contains("L1", Text(me, "#profile-level"), StringComparison.Ordinal);
        Assert.DoesNotContain(phone, me.DocumentElement.OuterHtml, StringComparison.Ordinal);
        Assert.Equal(3, me.QuerySelectorAll(".levels li").Length); // every level explained
        Assert.Equal("true", me.QuerySelector(".levels li.current")!.GetAttribute("aria-current"));
        Assert.Equal("/me/verify", me.QuerySelector("#verify-link")!.GetAttribute("href"));
        Assert.Equal("/me", me.QuerySelector("#account-link")!.GetAttribute("href")); // the header now links to the profile
        Assert.True((await browser.GetAsync("/me")).Headers.CacheControl?.NoStore); // personal data is never cached
    }

    [Fact]
    public async Task A_wrong_code_is_shown_next_to_the_code_field_and_keeps_the_phone()
    {
        var browser = app.Browser();
        var phone = NextPhone();
        var codeStep = await Html(await Submit(browser, await Page(browser, "/signin"), "#phone-form", new() { ["phone"] = phone, ["agree"] = "true" }), HttpStatusCode.OK);
        var wrong = app.Sms.LastCodeFor(phone) == "000000" ? "111111" : "000000";

        var again = await Html(await Submit(browser, codeStep, "#code-form", new() { ["code"] = wrong }), HttpStatusCode.OK);
        Assert.Equal("验证码不正确，还可尝试 4 次。", Text(again, "#code-form #code-error"));
        var code = again.QuerySelector("#code-form input#code")!;
        Assert.Equal("code-hint code-error", code.GetAttribute("aria-describedby"));
        Assert.Equal("true", code.GetAttribute("aria-invalid"));
        Assert.Null(code.GetAttribute("value")); // the wrong code is not filled in again
        Assert.Equal(phone, again.QuerySelector("#code-form input[type=hidden][name=phone]")!.GetAttribute("value"));
        Assert.Equal("#code", again.QuerySelector(".error-summary a")!.GetAttribute("href"));
        AssertAccessibleForms(again);
        Assert.Equal(HttpStatusCode.Redirect, (await browser.GetAsync("/me")).StatusCode); // still signed out

        // The code form of the error page still works with the right code.
        Assert.Equal("/me", Location(await Submit(browser, again, "#code-form", new() { ["code"] = app.Sms.LastCodeFor(phone) })));
    }

    [Fact]
    public async Task A_malformed_phone_is_shown_at_the_phone_field_and_kept()
    {
        var browser = app.Browser();
        var page = await Html(await Submit(browser, await Page(browser, "/signin"), "#phone-form", new() { ["phone"] = "12345", ["agree"] = "true" }), HttpStatusCode.OK);
        Assert.StartsWith("手机号码格式不正确", Text(page, "#phone-form #phone-error"), StringComparison.Ordinal);
        Assert.Equal("12345", page.QuerySelector("input#phone")!.GetAttribute("value"));
        Assert.Equal("phone-hint phone-error", page.QuerySelector("input#phone")!.GetAttribute("aria-describedby"));
        Assert.Null(page.QuerySelector("#code-form"));
    }

    [Fact]
    public async Task A_second_code_within_a_minute_answers_429_with_the_wait_time()
    {
        var browser = app.Browser();
        var phone = NextPhone();
        var codeStep = await Html(await Submit(browser, await Page(browser, "/signin"), "#phone-form", new() { ["phone"] = phone, ["agree"] = "true" }), HttpStatusCode.OK);

        var resend = await Submit(browser, codeStep, "#resend-form");
        var waiting = await Html(resend, HttpStatusCode.TooManyRequests);
        Assert.Equal(TimeSpan.FromSeconds(60), resend.Headers.RetryAfter?.Delta);
        Assert.Contains("60 秒", Text(waiting, "#resend-error"), StringComparison.Ordinal);
        Assert.NotNull(waiting.QuerySelector("#code-form")); // the code already sent can still be entered

        var fromStart = await Submit(browser, await Page(browser, "/signin"), "#phone-form", new() { ["phone"] = phone, ["agree"] = "true" });
        Assert.Contains("60 秒", Text(await Html(fromStart, HttpStatusCode.TooManyRequests), "#phone-error"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_expired_code_asks_for_a_new_one()
    {
        var browser = app.Browser();
        var phone = NextPhone();
        var codeStep = await Html(await Submit(browser, await Page(browser, "/signin"), "#phone-form", new() { ["phone"] = phone, ["agree"] = "true" }), HttpStatusCode.OK);
        app.Time.Advance(TimeSpan.FromMinutes(6));
        var expired = await Html(await Submit(browser, codeStep, "#code-form", new() { ["code"] = app.Sms.LastCodeFor(phone) }), HttpStatusCode.OK);
        Assert.Equal("验证码已失效或已使用，请重新获取。", Text(expired, "#code-error"));

        var renewed = await Html(await Submit(browser, expired, "#resend-form"), HttpStatusCode.OK);
        Assert.Equal("/me", Location(await Submit(browser, renewed, "#code-form", new() { ["code"] = app.Sms.LastCodeFor(phone) })));
    }

    [Fact]
    public async Task A_post_without_the_antiforgery_token_is_rejected()
    {
        var browser = app.Browser();
        var phone = NextPhone();
        var response = await Submit(browser, await Page(browser, "/signin"), "#phone-form", new() { ["phone"] = phone }, withToken: false);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Throws<InvalidOperationException>(() => app.Sms.LastCodeFor(phone)); // no code was sent

        var citizen = await SignedInCitizen();
        var signOut = await Submit(citizen, await Page(citizen, "/me"), "#signout-form", withToken: false);
        Assert.Equal(HttpStatusCode.BadRequest, signOut.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await citizen.GetAsync("/me")).StatusCode); // still signed in
    }

    [Theory]
    [InlineData("/me")]
    [InlineData("/me/verify")]
    public async Task Account_pages_without_a_session_redirect_to_sign_in_with_the_return_url(string page)
    {
        var response = await app.Browser().GetAsync(page);
        var location = new Uri(new Uri("http://localhost"), Location(response));
        Assert.Equal("/signin", location.AbsolutePath);
        Assert.Equal("?ReturnUrl=" + Uri.EscapeDataString(page), location.Query);
    }

    [Fact]
    public async Task The_citizen_pages_refuse_a_staff_session_with_403()
    {
        var staff = app.Browser();
        var clerk = Web.Features.Identity.DemoAccounts.All.First(d => d.Kind == AccountKind.Staff).Phone;
        Assert.Equal("/", await app.SignIn(staff, clerk)); // a code signs staff in too, but not to the citizen profile
        Assert.Equal(HttpStatusCode.Forbidden, (await staff.GetAsync("/me")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await staff.GetAsync("/me/verify")).StatusCode);
        Assert.Equal("/signout", (await Page(staff, "/")).QuerySelector("#account-link")!.GetAttribute("href")); // the header offers a way out instead
    }

    [Fact]
    public async Task Signing_in_returns_to_local_addresses_only()
    {
        var browser = app.Browser();
        var redirected = new Uri(new Uri("http://localhost"), Location(await browser.GetAsync("/me/verify")));
        Assert.Equal("/me/verify", await app.SignIn(browser, NextPhone(), redirected.PathAndQuery));

        Assert.Equal("/me", await app.SignIn(app.Browser(), NextPhone(), "/signin?returnUrl=" + Uri.EscapeDataString("https://evil.example/")));
        Assert.Equal("/me", await app.SignIn(app.Browser(), NextPhone(), "/signin?returnUrl=" + Uri.EscapeDataString("//evil.example/")));
    }

    [Fact]
    public async Task Verifying_name_and_id_number_raises_the_level_to_2_and_shows_only_the_masked_number()
    {
        var browser = await SignedInCitizen();
        var person = NextPerson();
        var verify = await Page(browser, "/me/verify");
        Assert.Equal("name", verify.QuerySelector("#id-form input#name")!.GetAttribute("autocomplete"));
        Assert.Null(verify.QuerySelector("#face-start-form")); // the face check needs L2 first
        AssertAccessibleForms(verify);

        var done = await Submit(browser, verify, "#id-form", new() { ["consent"] = TestConsents.Version, ["name"] = person.Name, ["idNumber"] = person.IdNumber });
        Assert.Equal("/me?verified=L2", Location(done));
        var me = await Page(browser, "/me?verified=L2");
        Assert.NotNull(me.QuerySelector("#verified-notice"));
        Assert.Equal("L2", me.QuerySelector("#profile-level")!.GetAttribute("data-level"));
        Assert.Equal(ResidentIdNumber.Mask(person.IdNumber), Text(me, "#profile-id-number"));
        Assert.Equal(person.Name[..1] + new string('*', person.Name.Length - 1), Text(me, "#profile-name"));
        var html = me.DocumentElement.OuterHtml;
        Assert.DoesNotContain(person.IdNumber, html, StringComparison.Ordinal);
        Assert.DoesNotContain(person.Name, html, StringComparison.Ordinal);

        // A crafted notice for a level the account does not have is not shown.
        Assert.Null((await Page(browser, "/me?verified=L3")).QuerySelector("#verified-notice"));
    }

    [Fact]
    public async Task Verification_errors_are_shown_at_their_fields()
    {
        var browser = await SignedInCitizen();
        var person = NextPerson();
        var verify = await Page(browser, "/me/verify");

        var mismatch = await Html(await Submit(browser, verify, "#id-form", new() { ["consent"] = TestConsents.Version, ["name"] = person.Name + "甲", ["idNumber"] = person.IdNumber }), HttpStatusCode.OK);
        Assert.Equal("姓名与身份证号码不匹配，请核对后重试。", Text(mismatch, "#id-form #name-error"));
        Assert.Null(mismatch.QuerySelector("#idNumber-error"));
        AssertAccessibleForms(mismatch);

        var checksum = await Html(await Submit(browser, mismatch, "#id-form", new() { ["consent"] = TestConsents.Version, ["name"] = person.Name, ["idNumber"] = "110105194912310021" }), HttpStatusCode.OK);
        Assert.Equal("身份证号码校验位不正确，请核对是否输错。", Text(checksum, "#id-form #idNumber-error"));
        Assert.Null(checksum.QuerySelector("#name-error"));
        Assert.Equal(person.Name, checksum.QuerySelector("input#name")!.GetAttribute("value"));
        AssertAccessibleForms(checksum);

        var empty = await Html(await Submit(browser, checksum, "#id-form", new() { ["consent"] = TestConsents.Version, ["name"] = " ", ["idNumber"] = person.IdNumber }), HttpStatusCode.OK);
        Assert.StartsWith("请填写与身份证一致的姓名", Text(empty, "#name-error"), StringComparison.Ordinal);
        Assert.Equal("L1", empty.QuerySelector("#current-level")!.GetAttribute("data-level"));
    }

    [Fact]
    public async Task A_matching_face_photo_raises_the_level_to_3()
    {
        var browser = await SignedInCitizen();
        var person = NextPerson();
        await VerifyId(browser, person);
        var upload = await StartFace(browser);
        var form = upload.QuerySelector("#face-form")!;
        Assert.Equal("multipart/form-data", form.GetAttribute("enctype"));
        var file = form.QuerySelector("input#image")!;
        Assert.Equal("file", file.GetAttribute("type"));
        Assert.Equal("image/jpeg,image/png", file.GetAttribute("accept"));
        Assert.Equal("user", file.GetAttribute("capture"));
        Assert.True(RequestSigning.IsWellFormedNonce(form.QuerySelector("input[type=hidden][name=nonce]")!.GetAttribute("value")));
        AssertAccessibleForms(upload);

        var done = await Submit(browser, upload, "#face-form", file: person.LiveSnapshotPng(seed: 11));
        Assert.Equal("/me?verified=L3", Location(done));
        var me = await Page(browser, "/me?verified=L3");
        Assert.NotNull(me.QuerySelector("#verified-notice"));
        Assert.Equal("L3", me.QuerySelector("#profile-level")!.GetAttribute("data-level"));
        Assert.Null(me.QuerySelector("#verify-link")); // nothing left to verify
        Assert.DoesNotContain(person.IdNumber, me.DocumentElement.OuterHtml, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Another_persons_photo_shows_the_no_match_error_and_a_fresh_upload()
    {
        var browser = await SignedInCitizen();
        var person = NextPerson();
        await VerifyId(browser, person);
        var upload = await StartFace(browser);
        var firstNonce = upload.QuerySelector("#face-form input[name=nonce]")!.GetAttribute("value");
        var stranger = SimulatedPersons.All.First(p => p.IdNumber != person.IdNumber);

        var failed = await Html(await Submit(browser, upload, "#face-form", file: stranger.LiveSnapshotPng()), HttpStatusCode.OK);
        Assert.Equal("人脸比对未通过，请重新拍摄。", Text(failed, "#face-form #image-error"));
        Assert.Equal("image-hint image-error", failed.QuerySelector("input#image")!.GetAttribute("aria-describedby"));
        Assert.NotEqual(firstNonce, failed.QuerySelector("#face-form input[name=nonce]")!.GetAttribute("value")); // a used challenge is not offered again
        Assert.Equal("L2", failed.QuerySelector("#current-level")!.GetAttribute("data-level"));

        // The fresh challenge works at once.
        Assert.Equal("/me?verified=L3", Location(await Submit(browser, failed, "#face-form", file: person.LiveSnapshotPng())));
    }

    [Fact]
    public async Task A_phone_jpeg_of_8_MB_raises_the_level_to_3()
    {
        var browser = await SignedInCitizen();
        var person = NextPerson();
        await VerifyId(browser, person);
        var upload = await StartFace(browser);
        Assert.Contains("10 MB", Text(upload, "#image-hint"), StringComparison.Ordinal);

        var photo = PhonePhotos.Jpeg(person, width: 3024, height: 4032, exifOrientation: 6, padTo: 8 * 1024 * 1024);
        Assert.Equal("/me?verified=L3", Location(await Submit(browser, upload, "#face-form", file: photo)));
    }

    [Fact]
    public async Task A_photo_over_10_MB_HEIC_or_not_a_photo_is_refused_at_the_photo_field()
    {
        var browser = await SignedInCitizen();
        await VerifyId(browser, NextPerson());
        var upload = await StartFace(browser);

        var tooLarge = await Html(await Submit(browser, upload, "#face-form", file: new byte[(10 * 1024 * 1024) + 1]), HttpStatusCode.OK);
        Assert.StartsWith("照片过大：文件最多 10 MB", Text(tooLarge, "#face-form #image-error"), StringComparison.Ordinal);
        Assert.Equal("image-hint image-error", tooLarge.QuerySelector("input#image")!.GetAttribute("aria-describedby"));

        var heic = await Html(await Submit(browser, tooLarge, "#face-form", file: PhonePhotos.Heic()), HttpStatusCode.OK);
        Assert.StartsWith("暂不支持 HEIC/HEIF 格式的照片", Text(heic, "#face-form #image-error"), StringComparison.Ordinal);

        var notPhoto = await Html(await Submit(browser, heic, "#face-form", file: "hello world"u8.ToArray()), HttpStatusCode.OK);
        Assert.Equal("照片须为 JPEG 或 PNG 格式。", Text(notPhoto, "#face-form #image-error"));

        var none = await Html(await Submit(browser, notPhoto, "#face-form", file: []), HttpStatusCode.OK);
        Assert.Equal("请选择或拍摄一张照片。", Text(none, "#image-error"));

        // A form too large to read at all (over 24 MB) cannot reach the handler: the browser is sent back to the form with the same message.
        var huge = await Submit(browser, none, "#face-form", file: new byte[25 * 1024 * 1024]);
        Assert.Equal(HttpStatusCode.SeeOther, huge.StatusCode);
        Assert.Equal("/me/verify?too-large=1", huge.Headers.Location!.OriginalString);
        var back = await Page(browser, huge.Headers.Location.OriginalString);
        Assert.StartsWith("照片过大：文件最多 10 MB", Text(back, "#face-form #image-error"), StringComparison.Ordinal);
        Assert.Equal("L2", (await Page(browser, "/me")).QuerySelector("#profile-level")!.GetAttribute("data-level"));
    }

    [Fact]
    public async Task Signing_out_ends_the_session()
    {
        var browser = await SignedInCitizen();
        var me = await Page(browser, "/me");
        var signedOut = await Submit(browser, me, "#signout-form");
        Assert.Equal("/", Location(signedOut));
        Assert.Contains(signedOut.Headers.GetValues("Set-Cookie"), c => c.StartsWith("cs-session=;", StringComparison.Ordinal));

        var after = await browser.GetAsync("/me");
        Assert.Equal("/signin", new Uri(new Uri("http://localhost"), Location(after)).AbsolutePath);
        var home = await Page(browser, "/");
        Assert.StartsWith("/signin", home.QuerySelector("#account-link")!.GetAttribute("href"), StringComparison.Ordinal);
        Assert.Equal("/", Location(await browser.GetAsync("/signout"))); // nothing to sign out of
    }

    [Fact]
    public async Task The_guide_asks_an_anonymous_visitor_to_sign_in_and_come_back()
    {
        var guide = await Page(app.Browser(), Guide);
        Assert.Equal("L3", guide.QuerySelector("#start-level")!.GetAttribute("data-level"));
        Assert.Contains("L3", Text(guide, "#start-level"), StringComparison.Ordinal);
        var start = guide.QuerySelector("a#start")!;
        Assert.Equal("去登录", start.TextContent.Trim());
        Assert.Equal("/signin?ReturnUrl=" + Uri.EscapeDataString(Guide), start.GetAttribute("href"));
        Assert.Single(guide.QuerySelectorAll("h1"));

        // Following the link and signing in comes back to the guide.
        var browser = app.Browser();
        Assert.Equal(Guide, await app.SignIn(browser, NextPhone(), start.GetAttribute("href")!));
    }

    [Fact]
    public async Task The_guide_sends_a_citizen_below_the_level_to_verification_and_names_the_level()
    {
        var browser = await SignedInCitizen();
        var guide = await Page(browser, Guide);
        var start = guide.QuerySelector("a#start")!;
        Assert.Equal("/me/verify?returnUrl=" + Uri.EscapeDataString(Guide), start.GetAttribute("href"));
        var notice = Text(guide, "#start-notice");
        Assert.Contains("L3", notice, StringComparison.Ordinal);
        Assert.Contains("L1", notice, StringComparison.Ordinal);

        // Verification keeps the guide as the way back.
        var verify = await Page(browser, start.GetAttribute("href")!);
        var person = NextPerson();
        var done = await Submit(browser, verify, "#id-form", new() { ["consent"] = TestConsents.Version, ["name"] = person.Name, ["idNumber"] = person.IdNumber });
        Assert.Equal("/me?verified=L2&returnUrl=" + Uri.EscapeDataString(Guide), Location(done));
        var me = await Page(browser, Location(done));
        Assert.Equal(Guide, me.QuerySelector("#continue")!.GetAttribute("href"));

        // A service the citizen's level allows and no other site handles: no fake application, only a note.
        var licence = await Page(browser, "/city/330100/services/HF-0002");
        Assert.Null(licence.QuerySelector("a#start"));
        Assert.Null(licence.QuerySelector(".start form"));
        Assert.Contains("办件", Text(licence, "#start-notice"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sign_in_in_english_with_the_language_cookie()
    {
        var browser = app.Browser();
        Assert.Equal("/signin", Location(await browser.GetAsync("/lang/en?returnUrl=%2Fsignin")));
        var page = await Page(browser, "/signin");
        Assert.Equal("en", page.DocumentElement.GetAttribute("lang"));
        Assert.Equal("Sign in", Text(page, "h1"));
        Assert.Equal("Mobile number", Text(page, "label[for=phone]"));
        Assert.Equal("Send me a code", Text(page, "#phone-form button"));

        var error = await Html(await Submit(browser, page, "#phone-form", new() { ["phone"] = "12345", ["agree"] = "true" }), HttpStatusCode.OK);
        Assert.StartsWith("The phone number is not valid", Text(error, "#phone-error"), StringComparison.Ordinal);

        var phone = NextPhone();
        var codeStep = await Html(await Submit(browser, page, "#phone-form", new() { ["phone"] = phone, ["agree"] = "true" }), HttpStatusCode.OK);
        Assert.Equal("Code", Text(codeStep, "label[for=code]"));
        var wrong = await Html(await Submit(browser, codeStep, "#code-form", new() { ["code"] = "12" }), HttpStatusCode.OK);
        Assert.Equal("The code is six digits.", Text(wrong, "#code-error"));
    }

    [Fact]
    public void Every_level_has_a_name_a_summary_and_an_explanation_in_both_languages()
    {
        var texts = new Texts();
        foreach (var level in Enum.GetValues<AssuranceLevel>())
        {
            foreach (var suffix in new[] { string.Empty, ".summary", ".explain" })
            {
                var key = "level." + level.ToString().ToLowerInvariant() + suffix;
                Assert.True(texts.All.ContainsKey(key), key);
            }
        }
    }
}

public sealed class AccountPageTests_Sqlite(SqliteApp app) : AccountPageTests(app), IClassFixture<SqliteApp>;

public sealed class AccountPageTests_Postgres(PostgresApp app) : AccountPageTests(app), IClassFixture<PostgresApp>;
