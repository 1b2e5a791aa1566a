using System.Net.Http.Json;
using CityService.Core.Storage;
using CityService.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CityService.Tests.Identity;

public abstract class KeyRingTests(AppFixture app)
{
    [Fact]
    public async Task The_key_ring_that_signs_tokens_is_stored_in_the_database_only_encrypted()
    {
        var client = app.Client();
        var phone = "139" + "87654321";
        (await client.PostAsJsonAsync("/api/auth/otp", new { phone })).EnsureSuccessStatusCode();
        (await client.PostAsJsonAsync("/api/auth/otp/verify", new { agreed = TestConsents.Agreed, phone, code = app.Sms.LastCodeFor(phone) })).EnsureSuccessStatusCode();

        await using var scope = app.App.Services.CreateAsyncScope();
        var keys = await scope.ServiceProvider.GetRequiredService<CityDbContext>().DataProtectionKeys.AsNoTracking().ToListAsync();
        Assert.NotEmpty(keys);
        Assert.All(keys, k =>
        {
            Assert.Contains("<encryptedKey", k.Xml, StringComparison.Ordinal);
            Assert.DoesNotContain("<masterKey", k.Xml, StringComparison.Ordinal);
        });
    }
}

public sealed class KeyRingTests_Sqlite(SqliteApp app) : KeyRingTests(app), IClassFixture<SqliteApp>;

public sealed class KeyRingTests_Postgres(PostgresApp app) : KeyRingTests(app), IClassFixture<PostgresApp>;
