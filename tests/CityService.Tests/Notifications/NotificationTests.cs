using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using CityService.Core.Identity;
using CityService.Core.Identity.SignIn;
using CityService.Core.Notifications;
using CityService.Core.Outbox;
using CityService.Core.Storage;
using CityService.RegistrySimulator;
using CityService.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static CityService.Tests.Infrastructure.HtmlForms;

namespace CityService.Tests.Notifications;

/// <summary>
/// Notifications over HTTP and pages on both providers: the inbox (paging, unread, read, read-all, other people's entries),
/// channel choices, the e-mail address, templates (save, check, preview, versions), identity's events, the bell.
/// </summary>
public abstract class NotificationTests(AppFixture app) : IAsyncLifetime
{
    private const string PlatformAdmin = "13700000001";
    private const string Android = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36";
    private const string Iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1";
    private static int _phone;
    private static int _person;

    private static string NewPhone() => "1376" + Interlocked.Increment(ref _phone).ToString("0000000", CultureInfo.InvariantCulture);

    public Task InitializeAsync()
    {
        app.Time.Advance(TimeSpan.FromHours(1)); // each test signs in a few times: a new hour keeps it under the per-address code limit
        return Task.CompletedTask;
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private async Task<(HttpClient Client, Guid Id)> Citizen(string? phone = null, string? userAgent = null)
    {
        phone ??= NewPhone();
        var client = app.Client();
        if (userAgent is not null)
        {
            client.DefaultRequestHeaders.UserAgent.ParseAdd(userAgent);
        }

        app.Time.Advance(OtpService.PhoneInterval);
        (await client.PostAsJsonAsync("/api/auth/otp", new { phone })).EnsureSuccessStatusCode();
        var verified = await (await client.PostAsJsonAsync("/api/auth/otp/verify", new { agreed = TestConsents.Agreed, phone, code = app.Sms.LastCodeFor(phone) })).Json();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", verified.GetProperty("accessToken").GetString());
        var id = (await (await client.GetAsync("/api/me")).Json()).GetProperty("id").GetGuid();
        return (client, id);
    }

    private async Task<HttpClient> Admin()
    {
        var client = app.Client();
        var token = (await (await client.PostAsJsonAsync("/api/auth/password", new { agreed = TestConsents.Agreed, phone = PlatformAdmin, password = "demo-operator-1" })).Json())
            .GetProperty("accessToken").GetString();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>Writes notifications the way a capability does: Notify into a context, then one SaveChanges.</summary>
    private async Task Notify(Guid accountId, int count, string eventCode = NotificationEvents.Verified)
    {
        using var scope = app.App.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<CityDbContext>();
        var notifications = scope.ServiceProvider.GetRequiredService<NotificationService>();
        for (var i = 0; i < count; i++)
        {
            app.Time.Advance(TimeSpan.FromSeconds(1));
            await notifications.NotifyAsync(db, accountId, eventCode, Examples(eventCode, i), NotificationService.PlatformRegion, CancellationToken.None);
        }

        await db.SaveChangesAsync();
    }

    private static Dictionary<string, string> Examples(string eventCode, int i) =>
        NotificationEvents.Find(eventCode)!.Variables.ToDictionary(v => v.Name, v => v.Name == "level" ? "L" + (i + 2).ToString(CultureInfo.InvariantCulture) : v.Example);

    private async Task<List<(string Channel, NotificationEnvelope Envelope, string Payload)>> Outbox(Guid accountId)
    {
        await using var db = app.Service<IDbContextFactory<CityDbContext>>().CreateDbContext();
        var messages = await db.OutboxMessages.AsNoTracking().ToListAsync();
        return [.. messages.Select(m => (m.Channel, JsonSerializer.Deserialize<NotificationEnvelope>(m.Payload, JsonSerializerOptions.Web)!, m.Payload))
            .Where(m => m.Item2.AccountId == accountId).OrderBy(m => m.Item2.Event)];
    }

    private async Task<List<InboxNotification>> InboxRows(Guid accountId)
    {
        await using var db = app.Service<IDbContextFactory<CityDbContext>>().CreateDbContext();
        return await db.InboxNotifications.AsNoTracking().Where(n => n.AccountId == accountId).ToListAsync();
    }

    [Fact]
    public async Task The_inbox_pages_newest_first_counts_unread_and_marks_one_or_all_read()
    {
        var (client, id) = await Citizen();
        await Notify(id, 5);

        var first = await (await client.GetAsync("/api/me/notifications?page=1&pageSize=2")).Json();
        Assert.Equal(5, first.GetProperty("total").GetInt32());
        Assert.Equal(5, first.GetProperty("unread").GetInt32());
        Assert.Equal(2, first.GetProperty("pageSize").GetInt32());
        var items = first.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(2, items.Count);
        Assert.Contains("L6", items[0].GetProperty("body").GetString(), StringComparison.Ordinal); // the newest (5th, level "L6") first
        Assert.Equal("身份核验已完成", items[0].GetProperty("title").GetString());
        Assert.True(items[0].GetProperty("unread").GetBoolean());

        var last = await (await client.GetAsync("/api/me/notifications?page=3&pageSize=2")).Json();
        var only = Assert.Single(last.GetProperty("items").EnumerateArray());
        Assert.Contains("L2", only.GetProperty("body").GetString(), StringComparison.Ordinal);

        var english = app.Client("en");
        english.DefaultRequestHeaders.Authorization = client.DefaultRequestHeaders.Authorization;
        Assert.Equal("Your identity was verified", (await (await english.GetAsync("/api/me/notifications")).Json()).GetProperty("items")[0].GetProperty("title").GetString());

        var target = items[1].GetProperty("id").GetString();
        Assert.Equal(HttpStatusCode.NoContent, (await client.PostAsync($"/api/me/notifications/{target}/read", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await client.PostAsync($"/api/me/notifications/{target}/read", null)).StatusCode); // again: no change
        var after = await (await client.GetAsync("/api/me/notifications?pageSize=2")).Json();
        Assert.Equal(4, after.GetProperty("unread").GetInt32());
        Assert.False(after.GetProperty("items")[1].GetProperty("unread").GetBoolean());

        var all = await (await client.PostAsync("/api/me/notifications/read-all", null)).Json();
        Assert.Equal(4, all.GetProperty("marked").GetInt32());
        Assert.Equal(0, all.GetProperty("unread").GetInt32());
        Assert.Equal(0, (await (await client.GetAsync("/api/me/notifications")).Json()).GetProperty("unread").GetInt32());
    }

    [Fact]
    public async Task Another_persons_notification_is_not_found_and_bad_paging_names_its_parameter()
    {
        var (owner, ownerId) = await Citizen();
        var (other, _) = await Citizen();
        await Notify(ownerId, 1);
        var id = (await (await owner.GetAsync("/api/me/notifications")).Json()).GetProperty("items")[0].GetProperty("id").GetString();

        await (await other.PostAsync($"/api/me/notifications/{id}/read", null)).AssertProblem(HttpStatusCode.NotFound, code: "notify.not-found");
        await (await other.PostAsync("/api/me/notifications/not-a-guid/read", null)).AssertProblem(HttpStatusCode.NotFound, code: "notify.not-found");
        Assert.Equal(0, (await (await other.GetAsync("/api/me/notifications")).Json()).GetProperty("total").GetInt32());
        await other.PostAsync("/api/me/notifications/read-all", null);
        Assert.Equal(1, (await (await owner.GetAsync("/api/me/notifications")).Json()).GetProperty("unread").GetInt32()); // B's read-all left A's alone

        await (await owner.GetAsync("/api/me/notifications?pageSize=101")).AssertProblem(HttpStatusCode.BadRequest, parameter: "pageSize");
        await (await owner.GetAsync("/api/me/notifications?page=0")).AssertProblem(HttpStatusCode.BadRequest, parameter: "page");
        await (await owner.GetAsync("/api/me/notifications?page=x")).AssertProblem(HttpStatusCode.BadRequest, parameter: "page");
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.Client().GetAsync("/api/me/notifications")).StatusCode);
    }

    [Fact]
    public async Task A_phone_change_tells_the_inbox_and_texts_the_new_number_through_the_outbox_without_the_number_in_clear()
    {
        var (client, id) = await Citizen();
        var newPhone = NewPhone();
        app.Time.Advance(OtpService.PhoneInterval);
        (await client.PostAsJsonAsync("/api/auth/otp", new { phone = newPhone })).EnsureSuccessStatusCode();
        (await client.PostAsJsonAsync("/api/me/phone", new { phone = newPhone, code = app.Sms.LastCodeFor(newPhone) })).EnsureSuccessStatusCode();

        var inbox = Assert.Single(await InboxRows(id));
        Assert.Equal(NotificationEvents.PhoneChanged, inbox.EventCode);
        Assert.Contains(PhoneNumber.Mask(newPhone), inbox.BodyZh, StringComparison.Ordinal);
        Assert.DoesNotContain(newPhone, inbox.BodyZh + inbox.BodyEn, StringComparison.Ordinal);

        var (channel, envelope, payload) = Assert.Single(await Outbox(id)); // account security texts by default; no e-mail address
        Assert.Equal("sms", channel);
        Assert.Equal(NotificationEvents.PhoneChanged, envelope.Event);
        Assert.Equal(1, envelope.TemplateVersion);
        Assert.Equal("zh", envelope.Language);
        Assert.DoesNotContain(newPhone, payload, StringComparison.Ordinal);
        var text = await app.Service<INotificationRenderer>().RenderAsync(envelope.Event, channel, envelope.Language, envelope.TemplateVersion, envelope.Variables, CancellationToken.None);
        Assert.StartsWith("【城市服务】您的账户手机号已于", text.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verification_tells_the_citizen_and_a_category_switched_off_sends_no_text()
    {
        var (client, id) = await Citizen();
        var off = await (await client.PutAsJsonAsync("/api/me/notification-preferences", new { categories = new[] { new { category = "account-security", sms = false, email = false } } })).Json();
        Assert.False(off.GetProperty("categories").EnumerateArray().Single(c => c.GetProperty("category").GetString() == "account-security").GetProperty("sms").GetBoolean());
        Assert.True(off.GetProperty("inbox").GetBoolean());

        var person = TestPersons.Next(ref _person);
        (await client.PostAsJsonAsync("/api/me/verification/id", new { name = person.Name, idNumber = person.IdNumber, consent = TestConsents.Version })).EnsureSuccessStatusCode();

        var inbox = Assert.Single(await InboxRows(id));
        Assert.Equal(NotificationEvents.Verified, inbox.EventCode);
        Assert.Contains("L2", inbox.BodyZh, StringComparison.Ordinal);
        Assert.DoesNotContain(person.IdNumber, inbox.BodyZh + inbox.BodyEn, StringComparison.Ordinal);
        Assert.Empty(await Outbox(id));
    }

    [Fact]
    public async Task A_sign_in_from_a_device_not_used_before_tells_the_citizen_and_a_known_one_does_not()
    {
        var phone = NewPhone();
        var (_, id) = await Citizen(phone, Android); // the first sign-in ever: nothing to compare with
        await Citizen(phone, Android);
        Assert.Empty(await InboxRows(id));

        await Citizen(phone, Iphone);
        var inbox = Assert.Single(await InboxRows(id));
        Assert.Equal(NotificationEvents.NewDevice, inbox.EventCode);
        Assert.Contains("Safari · iOS", inbox.BodyZh, StringComparison.Ordinal);
        Assert.Equal("sms", Assert.Single(await Outbox(id)).Channel);
    }

    [Fact]
    public async Task The_new_device_text_leaves_through_the_outbox_and_reaches_the_sms_gateway_once()
    {
        var phone = NewPhone();
        var (_, id) = await Citizen(phone, Android);
        await Citizen(phone, Iphone);

        // The host's own dispatcher (woken by the commit) hands the message to the SMS sender, which renders the template and
        // sends it through the Alibaba Cloud protocol to the gateway simulator with the message id as OutId.
        var messageId = Assert.Single(await Rows());
        await Jobs.Eventually.True(async () => (await Rows(OutboxState.Delivered)).Contains(messageId), "the dispatcher delivered the new-device SMS");
        var gateway = app.Service<CityService.Web.Features.Notifications.Senders.SendersSetup.InProcessSmsGateway>().Host!.Simulator;
        var text = Assert.Single(gateway.Messages(phone), m => m.OutId == messageId.ToString("D"));
        Assert.Contains("Safari · iOS", text.Text, StringComparison.Ordinal);

        async Task<List<Guid>> Rows(OutboxState? state = null)
        {
            await using var db = app.Service<IDbContextFactory<CityDbContext>>().CreateDbContext();
            var mine = (await db.OutboxMessages.AsNoTracking().Where(m => m.Channel == "sms" && (state == null || m.State == state)).ToListAsync())
                .Where(m => NotificationPayload.Read(m.Payload)?.AccountId == id);
            return [.. mine.Select(m => m.Id)];
        }
    }

    [Fact]
    public async Task The_inbox_row_and_its_outbox_message_are_written_together_or_not_at_all()
    {
        var (_, id) = await Citizen();
        await using (var db = app.Service<IDbContextFactory<CityDbContext>>().CreateDbContext())
        {
            await using var tx = await db.Database.BeginTransactionAsync();
            await app.Service<NotificationService>().NotifyAsync(db, id, NotificationEvents.PhoneChanged, Examples(NotificationEvents.PhoneChanged, 0), NotificationService.PlatformRegion, CancellationToken.None);
            await db.SaveChangesAsync();
            Assert.Equal(1, await db.InboxNotifications.CountAsync(n => n.AccountId == id)); // written inside the transaction…
            var key = id.ToString();
            Assert.Equal(1, await db.OutboxMessages.CountAsync(m => m.Payload.Contains(key)));
            await tx.RollbackAsync();
        }

        Assert.Empty(await InboxRows(id)); // … and gone with it
        Assert.Empty(await Outbox(id));

        await Notify(id, 1, NotificationEvents.PhoneChanged);
        Assert.Single(await InboxRows(id));
        Assert.Single(await Outbox(id));
    }

    [Fact]
    public async Task Preferences_default_per_category_reject_an_unknown_one_and_email_needs_an_address()
    {
        var (client, id) = await Citizen();
        var defaults = await (await client.GetAsync("/api/me/notification-preferences")).Json();
        var categories = defaults.GetProperty("categories").EnumerateArray().ToDictionary(c => c.GetProperty("category").GetString()!, c => c.GetProperty("sms").GetBoolean());
        Assert.Equal(["account-security", "payments", "applications", "appointments"], categories.Keys);
        Assert.True(categories["account-security"]);
        Assert.False(categories["applications"]);
        Assert.False(defaults.GetProperty("hasEmail").GetBoolean());

        await (await client.PutAsJsonAsync("/api/me/notification-preferences", new { categories = new[] { new { category = "sign-in-code", sms = false, email = false } } }))
            .AssertProblem(HttpStatusCode.BadRequest, parameter: "category", code: "notify.unknown-category");
        await (await client.PutAsJsonAsync("/api/me/notification-preferences", new { categories = new[] { new { category = "payments" } } }))
            .AssertProblem(HttpStatusCode.BadRequest, parameter: "categories");

        await (await client.PutAsJsonAsync("/api/me/notification-preferences", new { categories = new[] { new { category = "account-security", sms = false, email = true } } })).Json();
        await Notify(id, 1, NotificationEvents.NewDevice);
        Assert.Empty(await Outbox(id)); // e-mail wanted, but no address yet

        await (await client.PutAsJsonAsync("/api/me/email", new { email = "not an address" })).AssertProblem(HttpStatusCode.BadRequest, parameter: "email", code: "notify.email.invalid");
        var email = "li.ming" + id.ToString("N")[..6] + "@example.cn";
        LogCapture.Sensitive(email);
        var set = await (await client.PutAsJsonAsync("/api/me/email", new { email })).Json();
        Assert.Equal("l***@example.cn", set.GetProperty("emailMasked").GetString());
        await using (var db = app.Service<IDbContextFactory<CityDbContext>>().CreateDbContext())
        {
            var cipher = await db.Accounts.Where(a => a.Id == id).Select(a => a.EmailCipher).SingleAsync();
            Assert.DoesNotContain(email, cipher!, StringComparison.Ordinal);
            Assert.Equal(email, app.Service<PersonalDataProtector>().Decrypt(cipher!, "email"));
        }

        await Notify(id, 1, NotificationEvents.NewDevice);
        var (channel, envelope, payload) = Assert.Single(await Outbox(id));
        Assert.Equal("email", channel);
        Assert.DoesNotContain(email, payload, StringComparison.Ordinal);
        Assert.Equal(NotificationEvents.NewDevice, envelope.Event);
        Assert.True((await (await client.GetAsync("/api/me/notification-preferences")).Json()).GetProperty("hasEmail").GetBoolean());
    }

    [Fact]
    public async Task Saving_a_template_checks_its_variables_makes_a_new_active_version_and_keeps_the_history()
    {
        var admin = await Admin();
        const string Url = "/api/admin/notifications/templates/identity.new-device/inbox/zh";
        var bad = await (await admin.PostAsJsonAsync(Url, new { subject = "新设备", body = "设备 {{ device }} 于 {{ time }} 登录" }))
            .AssertProblem(HttpStatusCode.BadRequest, parameter: "body", code: "notify.template.unknown-variable");
        Assert.Equal("time", bad.GetProperty("variable").GetString());
        Assert.Contains("time", bad.GetProperty("messages").GetProperty("en").GetString(), StringComparison.Ordinal);
        await (await admin.PostAsJsonAsync(Url, new { subject = "{% if %}", body = "x" })).AssertProblem(HttpStatusCode.BadRequest, parameter: "subject", code: "notify.template.syntax");
        await (await admin.PostAsJsonAsync("/api/admin/notifications/templates/identity.nothing/inbox/zh", new { subject = "a", body = "b" })).AssertProblem(HttpStatusCode.NotFound, code: "notify.unknown-event");
        await (await admin.PostAsJsonAsync("/api/admin/notifications/templates/identity.sign-in-code/inbox/zh", new { subject = "a", body = "b" })).AssertProblem(HttpStatusCode.NotFound, code: "notify.unknown-channel");

        var before = await (await admin.GetAsync(Url)).Json();
        Assert.Equal(1, before.GetProperty("active").GetProperty("version").GetInt32());
        Assert.True(before.GetProperty("active").GetProperty("default").GetBoolean());
        Assert.Contains("Chrome · Android", before.GetProperty("preview").GetProperty("text").GetString(), StringComparison.Ordinal); // the example value

        var saved = await (await admin.PostAsJsonAsync(Url, new { subject = "新设备登录提醒", body = "您的账户在 {{ device }} 上登录（{{ at }}）。" })).Json(HttpStatusCode.Created);
        Assert.Equal(2, saved.GetProperty("active").GetProperty("version").GetInt32());
        Assert.Equal([2, 1], saved.GetProperty("history").EnumerateArray().Select(v => v.GetProperty("version").GetInt32()));
        Assert.Equal("新设备登录提醒", saved.GetProperty("preview").GetProperty("subject").GetString());

        var (_, id) = await Citizen();
        await Notify(id, 1, NotificationEvents.NewDevice);
        var row = Assert.Single(await InboxRows(id));
        Assert.Equal("新设备登录提醒", row.TitleZh); // the active version is used
        Assert.Equal("A new device signed in", row.TitleEn); // other languages keep theirs

        var third = await (await admin.PostAsJsonAsync(Url, new { subject = "新设备", body = "{{ device }}" })).Json(HttpStatusCode.Created);
        Assert.Equal([3, 2, 1], third.GetProperty("history").EnumerateArray().Select(v => v.GetProperty("version").GetInt32()));
        var (citizen, _) = await Citizen();
        await (await citizen.GetAsync(Url)).AssertProblem(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task The_sms_preview_shows_the_signature_length_and_segments()
    {
        var admin = await Admin();
        const string Url = "/api/admin/notifications/templates/identity.verified/sms/zh/preview";
        var preview = await (await admin.PostAsJsonAsync(Url, new { body = "身份已核验，等级 {{ level }}。" })).Json();
        Assert.Equal("【城市服务】身份已核验，等级 L2。", preview.GetProperty("text").GetString());
        Assert.Equal(18, preview.GetProperty("sms").GetProperty("length").GetInt32());
        Assert.Equal(1, preview.GetProperty("sms").GetProperty("segments").GetInt32());

        var longer = await (await admin.PostAsJsonAsync(Url, new { body = new string('长', 70) + "{{ level }}" })).Json();
        Assert.Equal(2, longer.GetProperty("sms").GetProperty("segments").GetInt32());
        await (await admin.PostAsJsonAsync(Url, new { body = "{{ phone }}" })).AssertProblem(HttpStatusCode.BadRequest, parameter: "body", code: "notify.template.unknown-variable");

        var events = await (await admin.GetAsync("/api/admin/notifications/events")).Json();
        var code = events.EnumerateArray().Single(e => e.GetProperty("code").GetString() == NotificationEvents.SignInCode);
        Assert.True(code.GetProperty("mandatory").GetBoolean());
        Assert.Equal(["sms"], code.GetProperty("channels").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal("123456", code.GetProperty("variables")[0].GetProperty("example").GetString());
    }

    [Fact]
    public async Task The_bell_shows_the_unread_count_and_anonymous_pages_run_no_notification_query()
    {
        using (var watch = new NotificationQueries(app.Storage))
        {
            var anonymous = await Page(app.Browser(), "/");
            Assert.Null(anonymous.QuerySelector("#notification-bell"));
            await Page(app.Browser(), "/city/330100/services");
            Assert.Equal(0, watch.Count);
        }

        var browser = app.Browser();
        var phone = NewPhone();
        app.Time.Advance(OtpService.PhoneInterval);
        Assert.Equal("/me", await app.SignIn(browser, phone));
        var id = await AccountOf(phone);
        await Notify(id, 3);

        using var counted = new NotificationQueries(app.Storage);
        var home = await Page(browser, "/");
        var bell = home.QuerySelector("#notification-bell")!;
        Assert.Equal("通知，3 条未读", bell.GetAttribute("aria-label"));
        Assert.Equal("3", bell.QuerySelector(".bell-count")!.TextContent.Trim());
        Assert.Equal(1, counted.Count); // one COUNT
    }

    private async Task<Guid> AccountOf(string phone)
    {
        await using var db = app.Service<IDbContextFactory<CityDbContext>>().CreateDbContext();
        var index = app.Service<PersonalDataProtector>().BlindIndex(phone, "phone");
        return await db.Accounts.Where(a => a.PhoneIndex == index).Select(a => a.Id).SingleAsync();
    }

    [Fact]
    public async Task The_inbox_page_marks_one_and_all_read_pages_and_saves_the_channel_choices()
    {
        var browser = app.Browser();
        var phone = NewPhone();
        app.Time.Advance(OtpService.PhoneInterval);
        Assert.Equal("/me", await app.SignIn(browser, phone));
        var empty = await Page(browser, "/me/notifications");
        Assert.NotNull(empty.QuerySelector("#inbox-empty"));
        AssertAccessibleForms(empty);

        var id = await AccountOf(phone);
        await Notify(id, 22);
        var first = await Page(browser, "/me/notifications");
        Assert.Equal(20, first.QuerySelectorAll(".inbox > li").Length);
        Assert.Equal(20, first.QuerySelectorAll(".inbox > li.unread").Length);
        Assert.Equal("/me/notifications?page=2", first.QuerySelector("#next-page")!.GetAttribute("href"));
        var second = await Page(browser, "/me/notifications?page=2");
        Assert.Equal(2, second.QuerySelectorAll(".inbox > li").Length);
        Assert.Equal(HttpStatusCode.NotFound, (await browser.GetAsync("/me/notifications?page=9")).StatusCode);

        var read = await Submit(browser, first, ".inbox > li:first-child .read-form");
        Assert.StartsWith("/me/notifications#n-", Location(read), StringComparison.Ordinal);
        var after = await Page(browser, "/me/notifications");
        Assert.Equal(19, after.QuerySelectorAll(".inbox > li.unread").Length);
        Assert.Contains("21", Text(after, "#inbox-summary"), StringComparison.Ordinal);
        Assert.Equal("通知，21 条未读", after.QuerySelector("#notification-bell")!.GetAttribute("aria-label"));

        Assert.Equal("/me/notifications", Location(await Submit(browser, after, "#read-all-form")));
        var none = await Page(browser, "/me/notifications");
        Assert.Empty(none.QuerySelectorAll(".inbox > li.unread"));
        Assert.Null(none.QuerySelector("#read-all-form"));
        Assert.Equal("通知，没有未读", none.QuerySelector("#notification-bell")!.GetAttribute("aria-label"));

        // Choices: tick texts for applications, untick account security.
        Assert.NotNull(none.QuerySelector("#sms-account-security[checked]"));
        var saved = await Submit(browser, none, "#preferences-form", new() { ["sms"] = "applications" });
        Assert.Equal("/me/notifications?saved=preferences#preferences", Location(saved));
        var shown = await Page(browser, "/me/notifications?saved=preferences");
        Assert.NotNull(shown.QuerySelector("#preferences-saved"));
        Assert.Null(shown.QuerySelector("#sms-account-security[checked]"));
        Assert.NotNull(shown.QuerySelector("#sms-applications[checked]"));
    }

    [Fact]
    public async Task The_template_page_previews_refuses_an_unknown_variable_and_saves_a_version()
    {
        var browser = app.Browser();
        Assert.Equal("/admin/notifications/templates", await app.SignIn(browser, PlatformAdmin, "/signin?returnUrl=%2Fadmin%2Fnotifications%2Ftemplates"));
        var list = await Page(browser, "/admin/notifications/templates");
        Assert.NotNull(list.QuerySelector("#event-identity\\.sign-in-code"));
        Assert.Contains("{{ device }}", list.QuerySelector("#event-identity\\.new-device .variables")!.TextContent, StringComparison.Ordinal);

        var edit = await Page(browser, "/admin/notifications/templates/identity.phone-changed/sms/en");
        Assert.Equal("1", edit.QuerySelector("#sms-length")!.GetAttribute("data-segments"));
        AssertAccessibleForms(edit);

        var refused = await Html(await Submit(browser, edit, "#template-form", new() { ["body"] = "Changed to {{ phone }}\nat {{ moment }}" }), HttpStatusCode.BadRequest);
        Assert.Contains("moment", Text(refused, "#body-error"), StringComparison.Ordinal);
        Assert.Equal("true", refused.QuerySelector("#body")!.GetAttribute("aria-invalid"));

        var saved = await Submit(browser, edit, "#template-form", new() { ["body"] = "Phone now {{ phone }}\n({{ at }})" });
        Assert.Equal("/admin/notifications/templates/identity.phone-changed/sms/en?saved=2", Location(saved));
        var shown = await Page(browser, "/admin/notifications/templates/identity.phone-changed/sms/en?saved=2");
        Assert.NotNull(shown.QuerySelector("#saved-notice"));
        Assert.Equal("【城市服务】Phone now 138****0001\n(2026-11-22 10:00)", Text(shown, "#preview-text"));
        Assert.Equal(2, shown.QuerySelectorAll("#history > li").Length);
        Assert.Equal(HttpStatusCode.NotFound, (await browser.GetAsync("/admin/notifications/templates/identity.phone-changed/fax/en")).StatusCode);
    }

    /// <summary>Counts the commands this fixture's database runs against the inbox table, while it lives (EF's diagnostic events).</summary>
    private sealed class NotificationQueries : IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>, IDisposable
    {
        private readonly (string? DataSource, string? Database) _target;
        private readonly List<IDisposable> _subscriptions = [];
        private int _count;

        public NotificationQueries(StorageSettings storage)
        {
            using var connection = storage.CreateConnection();
            _target = (connection.DataSource, connection.Database);
            _subscriptions.Add(DiagnosticListener.AllListeners.Subscribe(this));
        }

        public int Count => Volatile.Read(ref _count);

        public void OnNext(DiagnosticListener value)
        {
            if (value.Name == "Microsoft.EntityFrameworkCore")
            {
                lock (_subscriptions)
                {
                    _subscriptions.Add(value.Subscribe(this));
                }
            }
        }

        public void OnNext(KeyValuePair<string, object?> value)
        {
            if (value.Key == Microsoft.EntityFrameworkCore.Diagnostics.RelationalEventId.CommandExecuting.Name
                && value.Value is Microsoft.EntityFrameworkCore.Diagnostics.CommandEventData data
                && data.Command.CommandText.Contains("inbox_notifications", StringComparison.Ordinal)
                && (data.Command.Connection?.DataSource, data.Command.Connection?.Database) == _target)
            {
                Interlocked.Increment(ref _count);
            }
        }

        public void OnCompleted()
        {
        }

        public void OnError(Exception error)
        {
        }

        public void Dispose()
        {
            lock (_subscriptions)
            {
                _subscriptions.ForEach(s => s.Dispose());
            }
        }
    }
}

public sealed class NotificationTests_Sqlite(SqliteApp app) : NotificationTests(app), IClassFixture<SqliteApp>;

public sealed class NotificationTests_Postgres(PostgresApp app) : NotificationTests(app), IClassFixture<PostgresApp>;
