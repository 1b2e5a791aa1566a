using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using CityService.Core.Identity.SignIn;
using CityService.Core.Identity.Staff;
using CityService.Tests.Infrastructure;

namespace CityService.Tests.Identity.Staff;

public abstract class StaffApiTests(AppFixture app)
{
    private static int _phone;
    private readonly HttpClient _client = app.Client();

    private static string NewPhone() => "130" + Interlocked.Increment(ref _phone).ToString("00000000", System.Globalization.CultureInfo.InvariantCulture);

    private async Task<HttpClient> As(string phone, string password)
    {
        var token = (await (await _client.PostAsJsonAsync("/api/auth/password", new { agreed = TestConsents.Agreed, phone, password })).Json()).GetProperty("accessToken").GetString();
        var client = app.Client();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private const string Staff = "/api/regions/330100/departments/PSB/staff";

    private static Task<HttpResponseMessage> Invite(HttpClient admin, string phone, string role = "clerk") => admin.PostAsJsonAsync(Staff, new { phone, role });

    /// <summary>The invitee asks for a code and accepts with it (anonymously, as on /staff/accept).</summary>
    private async Task<HttpResponseMessage> Accept(string phone)
    {
        app.Time.Advance(OtpService.PhoneInterval); // one code a minute per phone
        Assert.Equal(HttpStatusCode.Accepted, (await _client.PostAsJsonAsync("/api/staff/invitations/code", new { phone })).StatusCode);
        return await _client.PostAsJsonAsync("/api/staff/invitations/accept", new { phone, code = app.Sms.LastCodeFor(phone) });
    }

    [Fact]
    public async Task A_department_admin_invites_the_invitee_accepts_with_a_code_and_the_admin_lists_and_revokes_the_role()
    {
        var admin = await As("13900000003", "demo-admin-1");
        var phone = NewPhone();
        var invited = await (await Invite(admin, phone, "approver")).Json(HttpStatusCode.Accepted);
        Assert.Equal(phone[..3] + "****" + phone[^4..], invited.GetProperty("phoneMasked").GetString());
        Assert.Equal("pending", invited.GetProperty("status").GetString());
        Assert.Contains("杭州市公安局邀请您担任审批人员", app.Sms.Sent(phone).Single(), StringComparison.Ordinal); // the platform texted the invitee
        var pending = await (await admin.GetAsync(Staff + "/invitations")).Json();
        Assert.Contains(pending.EnumerateArray(), i => i.GetProperty("invitationId").GetString() == invited.GetProperty("invitationId").GetString());

        // Nothing is given before acceptance.
        var masked = phone[..3] + "****" + phone[^4..];
        Assert.DoesNotContain((await (await admin.GetAsync(Staff)).Json()).EnumerateArray(), m => m.GetProperty("phoneMasked").GetString() == masked);

        var accepted = await (await Accept(phone)).Json();
        var role = Assert.Single(accepted.GetProperty("accepted").EnumerateArray());
        Assert.Equal("approver", role.GetProperty("role").GetString());
        Assert.Equal("PSB", role.GetProperty("departmentCode").GetString());
        Assert.DoesNotContain((await (await admin.GetAsync(Staff + "/invitations")).Json()).EnumerateArray(),
            i => i.GetProperty("invitationId").GetString() == invited.GetProperty("invitationId").GetString());

        // Single use: accepting again finds no open invitation.
        await (await Accept(phone)).AssertProblem(HttpStatusCode.NotFound, code: "staff.invitation-not-found");

        var list = await (await admin.GetAsync(Staff)).Json();
        var member = list.EnumerateArray().Single(m => m.GetProperty("phoneMasked").GetString() == masked);
        var id = member.GetProperty("accountId").GetString();

        Assert.DoesNotContain(phone, list.GetRawText(), StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/regions/330100/departments/PSB/staff/{id}/roles/approver")).StatusCode);
        await (await admin.DeleteAsync($"/api/regions/330100/departments/PSB/staff/{id}/roles/approver")).AssertProblem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_department_admin_cannot_remove_their_own_admin_role()
    {
        var admin = await As("13900000003", "demo-admin-1");
        var self = (await (await admin.GetAsync("/api/staff/me")).Json()).GetProperty("accountId").GetString();
        await (await admin.DeleteAsync($"/api/regions/330100/departments/PSB/staff/{self}/roles/dept-admin"))
            .AssertProblem(HttpStatusCode.Conflict, code: "staff.own-admin-role");
    }

    [Theory]
    [InlineData("12345", "clerk", "phone")]
    [InlineData("13012345678", "boss", "role")]
    public async Task Bad_grants_are_400s_naming_the_field(string phone, string role, string field)
    {
        var admin = await As("13900000003", "demo-admin-1");
        await (await admin.PostAsJsonAsync("/api/regions/330100/departments/PSB/staff", new { phone, role })).AssertProblem(HttpStatusCode.BadRequest, field);
    }

    [Fact]
    public async Task Invitation_answers_are_the_same_for_unused_citizen_operator_and_staff_phones()
    {
        var admin = await As("13900000003", "demo-admin-1");
        var answers = new List<(HttpStatusCode Status, string Shape)>();
        foreach (var phone in new[] { NewPhone(), "13800000001", "13700000001", "13900000004" })
        {
            var response = await Invite(admin, phone);
            var body = await response.Json(HttpStatusCode.Accepted);
            var shape = string.Join(",", body.EnumerateObject().Select(p => p.Name + ":" + (p.Name is "status" or "role" or "regionCode" or "departmentCode" ? p.Value.GetString() : p.Value.ValueKind.ToString())));
            answers.Add((response.StatusCode, shape + ";" + response.Headers.Location));
        }

        Assert.Single(answers.Distinct());
    }

    [Fact]
    public async Task A_citizen_phone_accepting_an_invitation_is_refused_and_stays_a_citizen()
    {
        var admin = await As("13700000001", "demo-operator-1");
        (await Invite(admin, "13800000001")).EnsureSuccessStatusCode();
        await (await Accept("13800000001")).AssertProblem(HttpStatusCode.Conflict, "phone", "staff.not-a-staff-account");
        var citizen = await As("13800000001", "demo-citizen-1");
        Assert.Equal("Citizen", (await (await citizen.GetAsync("/api/me")).Json()).GetProperty("kind").GetString(), ignoreCase: true);
    }

    [Fact]
    public async Task An_existing_staff_member_gets_the_new_role_by_accepting()
    {
        var admin = await As("13900000003", "demo-admin-1");
        (await Invite(admin, "13900000001", "approver")).EnsureSuccessStatusCode(); // the demo clerk
        var accepted = await (await Accept("13900000001")).Json();
        Assert.Equal("approver", Assert.Single(accepted.GetProperty("accepted").EnumerateArray()).GetProperty("role").GetString());
        var clerk = await As("13900000001", "demo-clerk-1");
        var roles = (await (await clerk.GetAsync("/api/staff/me")).Json()).GetProperty("assignments").EnumerateArray().Select(a => a.GetProperty("role").GetString()).ToList();
        Assert.Contains("clerk", roles);
        Assert.Contains("approver", roles);
        var self = (await (await clerk.GetAsync("/api/staff/me")).Json()).GetProperty("accountId").GetString();
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"{Staff}/{self}/roles/approver")).StatusCode);
    }

    [Fact]
    public async Task Expired_and_withdrawn_invitations_cannot_be_accepted()
    {
        var admin = await As("13900000003", "demo-admin-1");
        var late = NewPhone();
        (await Invite(admin, late)).EnsureSuccessStatusCode();
        var withdrawn = NewPhone();
        var invitation = (await (await Invite(admin, withdrawn)).Json(HttpStatusCode.Accepted)).GetProperty("invitationId").GetString();
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"{Staff}/invitations/{invitation}")).StatusCode);
        await (await admin.DeleteAsync($"{Staff}/invitations/{invitation}")).AssertProblem(HttpStatusCode.NotFound, code: "staff.invitation-not-found");
        await (await Accept(withdrawn)).AssertProblem(HttpStatusCode.NotFound, code: "staff.invitation-not-found");

        app.Time.Advance(StaffInvitation.Lifetime);
        await (await Accept(late)).AssertProblem(HttpStatusCode.NotFound, code: "staff.invitation-not-found");
    }

    [Fact]
    public async Task A_wrong_code_accepts_nothing()
    {
        var admin = await As("13900000003", "demo-admin-1");
        var phone = NewPhone();
        (await Invite(admin, phone)).EnsureSuccessStatusCode();
        Assert.Equal(HttpStatusCode.Accepted, (await _client.PostAsJsonAsync("/api/staff/invitations/code", new { phone })).StatusCode);
        var code = app.Sms.LastCodeFor(phone);
        var wrong = code == "000000" ? "111111" : "000000";
        await (await _client.PostAsJsonAsync("/api/staff/invitations/accept", new { phone, code = wrong })).AssertProblem(HttpStatusCode.BadRequest, "code");
        await (await _client.PostAsJsonAsync("/api/auth/otp/verify", new { agreed = TestConsents.Agreed, phone, code })).AssertProblem(HttpStatusCode.BadRequest, "code"); // not a sign-in code
    }

    [Theory]
    [InlineData("13900000001", "demo-clerk-1")]
    [InlineData("13900000002", "demo-approver-1")]
    public async Task Clerks_and_approvers_cannot_list_their_departments_staff(string phone, string password)
    {
        var member = await As(phone, password);
        await (await member.GetAsync(Staff)).AssertProblem(HttpStatusCode.Forbidden, code: "staff.admin-only");
        await (await member.GetAsync(Staff + "/invitations")).AssertProblem(HttpStatusCode.Forbidden, code: "staff.admin-only");
        await (await member.GetAsync("/api/regions/330200/departments/PSB/staff")).AssertProblem(HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("/api/regions/33x100/departments/PSB/staff", HttpStatusCode.BadRequest)]
    [InlineData("/api/regions/999999/departments/PSB/staff", HttpStatusCode.NotFound)]
    [InlineData("/api/regions/330100/departments/NOPE/staff", HttpStatusCode.NotFound)]
    public async Task Unknown_or_malformed_departments_are_problems(string url, HttpStatusCode status)
    {
        var admin = await As("13700000001", "demo-operator-1");
        await (await admin.GetAsync(url)).AssertProblem(status);
    }
}

public sealed class StaffApiTests_Sqlite(SqliteApp app) : StaffApiTests(app), IClassFixture<SqliteApp>;

public sealed class StaffApiTests_Postgres(PostgresApp app) : StaffApiTests(app), IClassFixture<PostgresApp>;
