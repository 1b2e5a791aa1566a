using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using CityService.Core.Common;
using CityService.Core.Identity;
using CityService.Core.Identity.Clients;
using CityService.Core.Identity.SignIn;
using CityService.Core.Storage;
using CityService.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace CityService.Tests.Identity;

/// <summary>
/// Who may do what, over every endpoint that takes an object id or acts on a person's data. Each row is one request;
/// each column one identity. Later capabilities add rows (and identities) here rather than writing their own matrix.
/// Rules: another person's or another department's objects answer 404, never 403; a visible object the caller may not
/// change answers 403; the wrong kind of caller answers 403; no caller answers 401.
/// </summary>
public abstract class IdentityMatrixTests(AppFixture app) : IAsyncLifetime
{
    public enum Who
    {
        Anonymous,
        CitizenA,
        CitizenB,
        ClerkPsbHangzhou,
        ClerkHrssHangzhou,
        ClerkPsbNingbo,
        DeptAdminPsbHangzhou,
        PartnerChannel,
        PlatformAdmin,
    }

    private static readonly System.Security.Cryptography.ECDsa ChannelKey = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
    private const string ChannelId = "matrix-channel";
    private const string ChannelSecret = "matrix-channel-secret-0123456789abcdef";
    private readonly Dictionary<Who, string> _tokens = [];
    private static int _phone;

    public async Task InitializeAsync()
    {
        // Each row signs in three citizens by code: a new hour keeps the rows under the 30-codes-an-hour limit per client address.
        app.Time.Advance(TimeSpan.FromHours(1));
        var client = app.Client();
        _tokens[Who.CitizenA] = await Otp(client, NewPhone());
        _tokens[Who.CitizenB] = await Otp(client, NewPhone());
        _tokens[Who.ClerkPsbHangzhou] = await Password(client, "13900000001", "demo-clerk-1");
        _tokens[Who.ClerkHrssHangzhou] = await Password(client, "13900000004", "demo-clerk-2");
        _tokens[Who.DeptAdminPsbHangzhou] = await Password(client, "13900000003", "demo-admin-1");
        _tokens[Who.PlatformAdmin] = await Password(client, "13700000001", "demo-operator-1");

        // A Ningbo PSB clerk, appointed by the platform admin through the API, then signed in by code.
        var ningboClerk = NewPhone();
        using (var grant = new HttpRequestMessage(HttpMethod.Post, "/api/regions/330200/departments/PSB/staff"))
        {
            grant.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _tokens[Who.PlatformAdmin]);
            grant.Content = JsonContent.Create(new { phone = ningboClerk, role = "clerk" });
            Assert.Equal(HttpStatusCode.Accepted, (await client.SendAsync(grant)).StatusCode);
        }

        (await client.PostAsJsonAsync("/api/staff/invitations/code", new { phone = ningboClerk })).EnsureSuccessStatusCode();
        (await client.PostAsJsonAsync("/api/staff/invitations/accept", new { phone = ningboClerk, code = app.Sms.LastCodeFor(ningboClerk) })).EnsureSuccessStatusCode();
        app.Time.Advance(OtpService.PhoneInterval);
        _tokens[Who.ClerkPsbNingbo] = await Otp(client, ningboClerk);

        await using var scope = app.App.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CityDbContext>();
        if (await db.ApiClients.FindAsync(ChannelId) is null)
        {
            db.ApiClients.Add(ApiClient.ForChannel(ChannelId, "矩阵渠道", "Matrix channel",
                scope.ServiceProvider.GetRequiredService<PersonalDataProtector>().Encrypt(ChannelSecret, "client-secret"),
                [Scopes.CitizenLink, Scopes.ProfileRead], ChannelKey.ExportSubjectPublicKeyInfoPem(),
                app.Time.GetUtcNow()));
            await db.SaveChangesAsync();
        }
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private static string NewPhone() => "133" + Interlocked.Increment(ref _phone).ToString("00000000", System.Globalization.CultureInfo.InvariantCulture);

    private Task<string> Otp(HttpClient client, string phone) => app.CodeToken(client, phone);

    private static Task<string> Password(HttpClient client, string phone, string password) => AppFixture.PasswordToken(client, phone, password);

    private async Task<HttpStatusCode> Send(Who who, HttpMethod method, string path, object? body = null)
    {
        var client = app.Client();
        using var request = new HttpRequestMessage(method, new Uri(client.BaseAddress!, path));
        var bytes = body is null ? [] : Encoding.UTF8.GetBytes(System.Text.Json.JsonSerializer.Serialize(body));
        if (body is not null)
        {
            request.Content = new ByteArrayContent(bytes) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } };
        }

        if (who == Who.PartnerChannel)
        {
            RequestSigning.SignHttpRequest(request, SignatureHeaderNames.Platform, ChannelId, RequestSigning.KeyFromSecret(ChannelSecret), bytes, app.Time);
        }
        else if (_tokens.TryGetValue(who, out var token))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        var response = await client.SendAsync(request);
        if ((int)response.StatusCode >= 400)
        {
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }

        return response.StatusCode;
    }

    private const HttpStatusCode Ok = HttpStatusCode.OK;
    private const HttpStatusCode Created = HttpStatusCode.Created;
    private const HttpStatusCode Accepted = HttpStatusCode.Accepted;
    private const HttpStatusCode Unauthorized = HttpStatusCode.Unauthorized;
    private const HttpStatusCode Forbidden = HttpStatusCode.Forbidden;
    private const HttpStatusCode NotFound = HttpStatusCode.NotFound;

    /// <summary>Expected status per identity, in the order of <see cref="Who"/>.</summary>
    private async Task Row(HttpMethod method, string path, Func<object?>? body, params HttpStatusCode[] expected)
    {
        var actual = new List<string>();
        var wanted = new List<string>();
        foreach (var who in Enum.GetValues<Who>())
        {
            var status = await Send(who, method, path, body?.Invoke());
            actual.Add($"{who}={(int)status}");
            wanted.Add($"{who}={(int)expected[(int)who]}");
        }

        Assert.True(wanted.SequenceEqual(actual), $"{method} {path}\n expected: {string.Join(" ", wanted)}\n actual:   {string.Join(" ", actual)}");
    }

    // Bills: only a department system with bills:write reads its bills (the partner channel is signed but holds no such scope);
    // a citizen's own bills need a verified identity (the matrix citizens are L1: 403 bill.verification-required).
    [Fact]
    public Task A_departments_bill() => Row(HttpMethod.Get, "/api/billing/bills/MATRIX-1", null,
        Unauthorized, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden);

    [Fact]
    public Task Cancelling_a_departments_bill() => Row(HttpMethod.Post, "/api/billing/bills/MATRIX-1/cancel", null,
        Unauthorized, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden);

    [Fact]
    public Task Own_bills() => Row(HttpMethod.Get, "/api/me/bills", null,
        Unauthorized, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden);

    [Fact]
    public Task Own_profile() => Row(HttpMethod.Get, "/api/me", null,
        Unauthorized, Ok, Ok, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden);

    [Fact]
    public Task Api_client_identity() => Row(HttpMethod.Get, "/api/clients/me", null,
        Unauthorized, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Ok, Forbidden);

    [Fact]
    public Task Own_staff_roles() => Row(HttpMethod.Get, "/api/staff/me", null,
        Unauthorized, Forbidden, Forbidden, Ok, Ok, Ok, Ok, Forbidden, Ok);

    [Fact]
    public Task Staff_of_hangzhou_psb() => Row(HttpMethod.Get, "/api/regions/330100/departments/PSB/staff", null,
        Unauthorized, Forbidden, Forbidden, Forbidden, NotFound, NotFound, Ok, Forbidden, Ok);

    [Fact]
    public Task Staff_of_ningbo_psb() => Row(HttpMethod.Get, "/api/regions/330200/departments/PSB/staff", null,
        Unauthorized, Forbidden, Forbidden, NotFound, NotFound, Forbidden, NotFound, Forbidden, Ok);

    [Fact]
    public Task Appointing_staff_in_hangzhou_psb() => Row(HttpMethod.Post, "/api/regions/330100/departments/PSB/staff", () => new { phone = NewPhone(), role = "clerk" },
        Unauthorized, Forbidden, Forbidden, Forbidden, NotFound, NotFound, Accepted, Forbidden, Accepted);

    [Fact]
    public Task Removing_a_role_in_hangzhou_hrss() => Row(HttpMethod.Delete, $"/api/regions/330100/departments/HRSS/staff/{Guid.CreateVersion7()}/roles/clerk", null,
        Unauthorized, Forbidden, Forbidden, NotFound, Forbidden, NotFound, NotFound, Forbidden, NotFound);

    [Fact]
    public Task Registered_api_clients() => Row(HttpMethod.Get, "/api/admin/clients", null,
        Unauthorized, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Ok);

    [Fact]
    public Task Registering_an_api_client() => Row(HttpMethod.Post, "/api/admin/clients",
        () => new { id = "matrix-" + Guid.NewGuid().ToString("N")[..12], kind = "department-system", nameZh = "测试", nameEn = "Test", scopes = new[] { "bills:write" }, regionCode = "330100", departmentCode = "PSB" },
        Unauthorized, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Created);

    // Issue 9 (jobs): background jobs and the outbox are for platform operators only.
    [Fact]
    public Task Background_jobs() => Row(HttpMethod.Get, "/api/admin/jobs", null,
        Unauthorized, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Ok);

    [Fact]
    public Task Runs_of_a_job() => Row(HttpMethod.Get, "/api/admin/jobs/cleanup/runs", null,
        Unauthorized, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Ok);

    [Fact]
    public Task The_outbox() => Row(HttpMethod.Get, "/api/admin/outbox", null,
        Unauthorized, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Ok);

    [Fact]
    public Task Retrying_an_outbox_message() => Row(HttpMethod.Post, $"/api/admin/outbox/{Guid.CreateVersion7()}/retry", null,
        Unauthorized, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, NotFound);

    // Issue 10 (payments): an order paying a Hangzhou PSB bill, made by citizen A. Its payer, the PSB of Hangzhou and
    // operators see it; other citizens and departments get 404; the history is the citizen's own.
    [Fact]
    public async Task A_payment_order()
    {
        var id = await PaymentOfCitizenA();
        await Row(HttpMethod.Get, $"/api/payments/{id}", null,
            Unauthorized, Ok, NotFound, Ok, NotFound, NotFound, Ok, Forbidden, Ok);
    }

    [Fact]
    public Task Own_payments() => Row(HttpMethod.Get, "/api/me/payments", null,
        Unauthorized, Ok, Ok, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden);

    private async Task<Guid> PaymentOfCitizenA()
    {
        var client = app.BearerClient(_tokens[Who.CitizenA]);
        var accountId = (await (await client.GetAsync("/api/me")).Json()).GetProperty("id").GetGuid();
        await using var scope = app.App.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CityDbContext>();
        var now = app.Time.GetUtcNow();
        var reference = "M-" + Guid.NewGuid().ToString("N");
        var bill = CityService.Core.Payments.Bill.Issue("330100", "PSB", reference, "罚款", "Fine", CityService.Core.Payments.BillPayerKind.Plate, "plate-" + reference, "V-1",
            null, null, [new("fine", 20_000, "罚款", "Fine")], new DateOnly(2026, 12, 31), 0, 0, "hash", now);
        var order = CityService.Core.Payments.PaymentOrder.Create("330100", accountId, "sandbox", 20_000, now, TimeSpan.FromDays(1));
        db.Bills.Add(bill);
        db.PaymentOrders.Add(order);
        db.PaymentOrderBills.Add(CityService.Core.Payments.PaymentOrderBill.For(order, bill, bill.Lines));
        await db.SaveChangesAsync();
        return order.Id;
    }

    // Sessions (ADR 008): any signed-in account manages its own; machine callers have none. Each test signs in afresh,
    // so a row that ends sessions does not touch the other rows.
    private const HttpStatusCode NoContent = HttpStatusCode.NoContent;

    [Fact]
    public Task Own_sessions() => Row(HttpMethod.Get, "/api/me/sessions", null,
        Unauthorized, Ok, Ok, Ok, Ok, Ok, Ok, Forbidden, Ok);

    [Fact]
    public Task Ending_a_session_that_is_not_ones_own() => Row(HttpMethod.Delete, "/api/me/sessions/not-a-session-of-yours", null,
        Unauthorized, NotFound, NotFound, NotFound, NotFound, NotFound, NotFound, Forbidden, NotFound);

    [Fact]
    public Task Ending_the_other_sessions() => Row(HttpMethod.Post, "/api/me/sessions/end-others", null,
        Unauthorized, Ok, Ok, Ok, Ok, Ok, Ok, Forbidden, Ok);

    // The audit log (issue 9): a citizen's own security events; the operators' check and entries.
    [Fact]
    public Task Own_security_events() => Row(HttpMethod.Get, "/api/me/security-events", null,
        Unauthorized, Ok, Ok, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden);

    [Fact]
    public Task Audit_verification_and_entries() => Row(HttpMethod.Get, "/api/admin/audit/entries?action=identity.sign-in", null,
        Unauthorized, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Ok);

    [Fact]
    public Task Signing_out() => Row(HttpMethod.Post, "/api/auth/signout", null,
        Unauthorized, NoContent, NoContent, NoContent, NoContent, NoContent, NoContent, Forbidden, NoContent);

    [Fact]
    public Task Starting_a_service() => Row(HttpMethod.Get, "/api/regions/330100/services/TR-0001/eligibility", null,
        Unauthorized, Ok, Ok, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden);

    // Issue 6, section 4: invitations, linked channels and link confirmation.
    [Fact]
    public Task Invitations_of_hangzhou_psb() => Row(HttpMethod.Get, "/api/regions/330100/departments/PSB/staff/invitations", null,
        Unauthorized, Forbidden, Forbidden, Forbidden, NotFound, NotFound, Ok, Forbidden, Ok);

    [Fact]
    public Task Withdrawing_an_invitation_in_hangzhou_psb() => Row(HttpMethod.Delete, $"/api/regions/330100/departments/PSB/staff/invitations/{Guid.CreateVersion7()}", null,
        Unauthorized, Forbidden, Forbidden, Forbidden, NotFound, NotFound, NotFound, Forbidden, NotFound);

    [Fact]
    public Task Own_linked_channels() => Row(HttpMethod.Get, "/api/me/channels", null,
        Unauthorized, Ok, Ok, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden);

    [Fact]
    public Task Unlinking_a_channel() => Row(HttpMethod.Delete, "/api/me/channels/" + ChannelId, null,
        Unauthorized, NotFound, NotFound, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden);

    [Fact]
    public Task Confirming_a_channel_link() => Row(HttpMethod.Post, "/api/channels/link/confirm", () => new { linkId = Guid.CreateVersion7(), code = "123456" },
        Unauthorized, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, NotFound, Forbidden);

    // Issue 9: notifications. The inbox is any signed-in account's own; channel choices are citizens'; templates operators'.
    [Fact]
    public Task Own_notifications() => Row(HttpMethod.Get, "/api/me/notifications", null,
        Unauthorized, Ok, Ok, Ok, Ok, Ok, Ok, Forbidden, Ok);

    [Fact]
    public async Task Marking_citizen_as_notification_read()
    {
        var a = app.Client();
        a.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", _tokens[Who.CitizenA]);
        var accountId = (await (await a.GetAsync("/api/me")).Json()).GetProperty("id").GetGuid();
        await using var scope = app.App.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CityDbContext>();
        var notification = await scope.ServiceProvider.GetRequiredService<Core.Notifications.NotificationService>().NotifyAsync(db, accountId,
            Core.Notifications.NotificationEvents.Verified, new Dictionary<string, string> { ["level"] = "L2", ["at"] = "2026-11-22 10:00" }, "000000", default);
        await db.SaveChangesAsync();
        await Row(HttpMethod.Post, $"/api/me/notifications/{notification!.Id}/read", null,
            Unauthorized, NoContent, NotFound, NotFound, NotFound, NotFound, NotFound, Forbidden, NotFound);
    }

    [Fact]
    public Task Own_notification_preferences() => Row(HttpMethod.Get, "/api/me/notification-preferences", null,
        Unauthorized, Ok, Ok, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden);

    [Fact]
    public Task Notification_templates() => Row(HttpMethod.Get, "/api/admin/notifications/templates/identity.verified/sms/zh", null,
        Unauthorized, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Ok);
}

public sealed class IdentityMatrixTests_Sqlite(SqliteApp app) : IdentityMatrixTests(app), IClassFixture<SqliteApp>;

public sealed class IdentityMatrixTests_Postgres(PostgresApp app) : IdentityMatrixTests(app), IClassFixture<PostgresApp>;
