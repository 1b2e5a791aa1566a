using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using CityService.Tests.Infrastructure;

namespace CityService.Tests.Identity;

public abstract class StaffApiTests(AppFixture app)
{
    private static int _phone;
    private readonly HttpClient _client = app.Client();

    private static string NewPhone() => "130" + Interlocked.Increment(ref _phone).ToString("00000000", System.Globalization.CultureInfo.InvariantCulture);

    private async Task<HttpClient> As(string phone, string password)
    {
        var token = (await (await _client.PostAsJsonAsync("/api/auth/password", new { phone, password })).Json()).GetProperty("accessToken").GetString();
        var client = app.Client();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    [Fact]
    public async Task A_department_admin_grants_lists_and_revokes_roles_in_their_department()
    {
        var admin = await As("13900000003", "demo-admin-1");
        var phone = NewPhone();
        var granted = await (await admin.PostAsJsonAsync("/api/regions/330100/departments/PSB/staff", new { phone, role = "approver" })).Json();
        Assert.Equal(phone[..3] + "****" + phone[^4..], granted.GetProperty("phoneMasked").GetString());
        var id = granted.GetProperty("accountId").GetString();

        var list = await (await admin.GetAsync("/api/regions/330100/departments/PSB/staff")).Json();
        Assert.Contains(list.EnumerateArray(), m => m.GetProperty("accountId").GetString() == id);
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
    public async Task A_citizens_phone_cannot_become_a_staff_account()
    {
        var admin = await As("13700000001", "demo-operator-1");
        await (await admin.PostAsJsonAsync("/api/regions/330100/departments/PSB/staff", new { phone = "13800000001", role = "clerk" }))
            .AssertProblem(HttpStatusCode.Conflict, "phone", "staff.not-a-staff-account");
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
