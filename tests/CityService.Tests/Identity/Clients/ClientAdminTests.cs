using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using CityService.Core.Common;
using CityService.Tests.Infrastructure;

namespace CityService.Tests.Identity.Clients;

public abstract class ClientAdminTests(AppFixture app)
{
    private readonly HttpClient _client = app.Client();

    private async Task<HttpClient> Operator()
    {
        var token = (await (await _client.PostAsJsonAsync("/api/auth/password", new { agreed = TestConsents.Agreed, phone = "13700000001", password = "demo-operator-1" })).Json())
            .GetProperty("accessToken").GetString();
        var client = app.Client();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    [Fact]
    public async Task A_registered_department_system_signs_requests_with_the_secret_it_was_given_once()
    {
        var admin = await Operator();
        var id = "hz-tax-" + Guid.NewGuid().ToString("N")[..8];
        var created = await (await admin.PostAsJsonAsync("/api/admin/clients", new
        {
            id, kind = "department-system", nameZh = "杭州市税务系统", nameEn = "Hangzhou tax system", scopes = new[] { "bills:write" }, regionCode = "330100", departmentCode = "TAX",
        })).Json();
        var secret = created.GetProperty("secret").GetString()!;

        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(_client.BaseAddress!, "/api/clients/me"));
        RequestSigning.SignHttpRequest(request, SignatureHeaderNames.Platform, id, RequestSigning.KeyFromSecret(secret), [], app.Time);
        var me = await (await _client.SendAsync(request)).Json();
        Assert.Equal("TAX", me.GetProperty("departmentCode").GetString());

        var list = await (await admin.GetAsync("/api/admin/clients")).Json();
        Assert.Contains(list.EnumerateArray(), c => c.GetProperty("clientId").GetString() == id);
        Assert.DoesNotContain(secret, list.GetRawText(), StringComparison.Ordinal);
        await (await admin.PostAsJsonAsync("/api/admin/clients", new { id, kind = "department-system", nameZh = "重复", nameEn = "Again", regionCode = "330100", departmentCode = "TAX" }))
            .AssertProblem(HttpStatusCode.Conflict, "id", "client.id-taken");
    }

    [Fact]
    public async Task A_partner_channel_needs_a_p256_public_key()
    {
        var admin = await Operator();
        using var p256 = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        var ok = await admin.PostAsJsonAsync("/api/admin/clients", new
        {
            id = "wallet-" + Guid.NewGuid().ToString("N")[..8], kind = "partner-channel", nameZh = "钱包", nameEn = "Wallet",
            scopes = new[] { "citizen:link", "profile:read" }, assertionPublicKey = p256.ExportSubjectPublicKeyInfoPem(),
        });
        Assert.Equal(HttpStatusCode.Created, ok.StatusCode);
        foreach (var key in new[] { p384.ExportSubjectPublicKeyInfoPem(), "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----", "" })
        {
            await (await admin.PostAsJsonAsync("/api/admin/clients", new
            {
                id = "wallet-" + Guid.NewGuid().ToString("N")[..8], kind = "partner-channel", nameZh = "钱包", nameEn = "Wallet", assertionPublicKey = key,
            })).AssertProblem(HttpStatusCode.BadRequest, "assertionPublicKey", "client.key-invalid");
        }
    }

    [Theory]
    [InlineData("X", "department-system", "id")]
    [InlineData("ok-id-1", "robot", "kind")]
    [InlineData("ok-id-2", "department-system", "departmentCode")]
    public async Task Bad_registrations_are_400s_naming_the_field(string id, string kind, string field)
    {
        var admin = await Operator();
        await (await admin.PostAsJsonAsync("/api/admin/clients", new { id, kind, nameZh = "名", nameEn = "Name", regionCode = "330100", departmentCode = "NOPE" }))
            .AssertProblem(HttpStatusCode.BadRequest, field);
    }
}

public sealed class ClientAdminTests_Sqlite(SqliteApp app) : ClientAdminTests(app), IClassFixture<SqliteApp>;

public sealed class ClientAdminTests_Postgres(PostgresApp app) : ClientAdminTests(app), IClassFixture<PostgresApp>;
