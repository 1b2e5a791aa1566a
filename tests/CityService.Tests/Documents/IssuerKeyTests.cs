using Base64Url = System.Buffers.Text.Base64Url;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CityService.Core.Audit;
using CityService.Core.Catalog;
using CityService.Core.Documents;
using CityService.Core.Identity;
using CityService.Core.Storage;
using CityService.Testing;
using CityService.Tests.Infrastructure;
using CityService.Web.Features.Documents;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Time.Testing;

namespace CityService.Tests.Documents;

/// <summary>
/// Issuers' keys in the database: one current key under concurrent first use, rotation, revocation, keys sealed at rest,
/// the refresh window across instances, the JWKS endpoint, the operators' API and the <c>keys</c> command.
/// </summary>
public abstract class IssuerKeyTests(AppFixture app)
{
    private static int _departments;

    private IDbContextFactory<CityDbContext> Dbs => app.Service<IDbContextFactory<CityDbContext>>();

    /// <summary>Another instance of the platform on the same database, with its own clock.</summary>
    protected IssuerKeys Instance(TimeProvider? time = null) => new(Dbs, app.Service<PersonalDataProtector>, time ?? app.Time);

    /// <summary>A department of its own (so no other test signs for it) in the demo city.</summary>
    protected async Task<DocumentIssuer> DepartmentAsync()
    {
        var code = $"K{Interlocked.Increment(ref _departments)}{Guid.NewGuid().ToString("N")[..6].ToUpperInvariant()}";
        await using var db = await Dbs.CreateDbContextAsync();
        db.Departments.Add(new Department("330100", code, "测试签发局", "Test issuing bureau"));
        await db.SaveChangesAsync();
        return DocumentIssuer.Department("330100", code);
    }

    protected static DocumentClaims Claims(DocumentIssuer issuer, DateTimeOffset at, string amount = "20000") =>
        new(DocumentKinds.Invoice, Guid.CreateVersion7(), issuer.Code, at, new Dictionary<string, string>(StringComparer.Ordinal) { ["amt"] = amount, ["no"] = "0000000001" });

    [Fact]
    public async Task Sixteen_concurrent_first_uses_on_several_instances_make_one_key()
    {
        var issuer = DocumentIssuer.Department("330100", "RACE" + Guid.NewGuid().ToString("N")[..6].ToUpperInvariant());
        var instances = Enumerable.Range(0, 4).Select(_ => Instance()).ToArray();
        using var start = new ManualResetEventSlim();
        var signers = await Task.WhenAll(Enumerable.Range(0, 16).Select(i => Task.Run(async () =>
        {
            start.Wait();
            return await instances[i % 4].SignerAsync(issuer, default);
        })).Append(Task.Run(() => { start.Set(); return (IssuerSigner)null!; })));

        Assert.Single(signers.Where(s => s is not null).Select(s => s.KeyId).Distinct());
        await using var db = await Dbs.CreateDbContextAsync();
        var key = Assert.Single(await db.IssuerKeys.Where(k => k.IssuerCode == issuer.Code).ToListAsync());
        Assert.Equal(1, await db.AuditEntries.CountAsync(a => a.Action == AuditActions.IssuerKeyCreated && a.ObjectId == key.KeyId));
        foreach (var instance in instances)
        {
            instance.Dispose();
        }
    }

    [Fact]
    public async Task The_private_key_is_sealed_at_rest()
    {
        var issuer = await DepartmentAsync();
        using var keys = Instance();
        var signer = await keys.SignerAsync(issuer, default);
        await using var db = await Dbs.CreateDbContextAsync();
        var stored = await db.IssuerKeys.AsNoTracking().SingleAsync(k => k.KeyId == signer.KeyId);
        var clear = app.Service<PersonalDataProtector>().Decrypt(stored.PrivateKey, IssuerKey.PrivateKeyPurpose);
        using var ecdsa = ECDsa.Create();
        ecdsa.ImportPkcs8PrivateKey(Convert.FromBase64String(clear), out _);
        Assert.Equal(stored.PublicKey, Convert.ToBase64String(ecdsa.ExportSubjectPublicKeyInfo()));

        var column = await db.Database.SqlQuery<string>($"SELECT private_key AS \"Value\" FROM issuer_keys WHERE key_id = {signer.KeyId}").SingleAsync();
        Assert.DoesNotContain(clear, column, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToHexString(Convert.FromBase64String(clear)), column, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(clear[..24], column, StringComparison.Ordinal); // the PKCS#8 header's base64 is the same for every P-256 key
    }

    [Fact]
    public async Task Rotation_keeps_what_the_old_key_signed_valid_and_signs_with_the_new_one()
    {
        var issuer = await DepartmentAsync();
        using var keys = Instance();
        var old = await keys.SignerAsync(issuer, default);
        var before = old.Sign(Claims(issuer, app.Time.GetUtcNow()));

        var rotated = await keys.RotateAsync(issuer, AuditActor.System, default);
        Assert.True(rotated.IsOk, rotated.Error?.Code);
        var current = await keys.SignerAsync(issuer, default);
        Assert.Equal(rotated.Value.KeyId, current.KeyId);
        Assert.NotEqual(old.KeyId, current.KeyId);
        var after = current.Sign(Claims(issuer, app.Time.GetUtcNow()));

        foreach (var (compact, kid) in new[] { (before, old.KeyId), (after, current.KeyId) })
        {
            var result = await keys.VerifyAsync(compact, default);
            Assert.True(result.Valid, result.Reason);
            Assert.Equal(kid, result.KeyId);
        }

        var listed = (await keys.ListAsync(default)).Where(k => k.IssuerCode == issuer.Code).ToList();
        Assert.Equal([(old.KeyId, false), (current.KeyId, true)], listed.OrderBy(k => k.Signs).Select(k => (k.KeyId, k.Signs))); // same second: order by kid
        await using var db = await Dbs.CreateDbContextAsync();
        var entry = await db.AuditEntries.SingleAsync(a => a.Action == AuditActions.IssuerKeyRotated && a.ObjectId == current.KeyId);
        Assert.Contains(old.KeyId, entry.Details, StringComparison.Ordinal);
        Assert.Equal("330100", entry.RegionCode);
    }

    [Fact]
    public async Task A_revoked_key_invalidates_what_it_signs_from_then_on_and_the_issuer_gets_a_fresh_key()
    {
        var issuer = await DepartmentAsync();
        var clock = new FakeTimeProvider(app.Time.GetUtcNow());
        using var keys = Instance(clock);
        var signer = await keys.SignerAsync(issuer, default);
        var t0 = clock.GetUtcNow();
        var before = signer.Sign(Claims(issuer, t0));
        clock.Advance(TimeSpan.FromSeconds(10));

        var revoked = await keys.RevokeAsync(signer.KeyId, t0.AddSeconds(5), "私钥泄露", AuditActor.System, default);
        Assert.True(revoked.IsOk, revoked.Error?.Code);
        var atRevocation = signer.Sign(Claims(issuer, t0.AddSeconds(5))); // an instance that has not heard yet
        var after = signer.Sign(Claims(issuer, t0.AddSeconds(9)));

        Assert.True((await keys.VerifyAsync(before, default)).Valid);
        Assert.Equal(VerificationReasons.KeyRevoked, (await keys.VerifyAsync(atRevocation, default)).Reason);
        Assert.Equal(VerificationReasons.KeyRevoked, (await keys.VerifyAsync(after, default)).Reason);
        var fresh = await keys.SignerAsync(issuer, default);
        Assert.NotEqual(signer.KeyId, fresh.KeyId);
        Assert.True((await keys.VerifyAsync(fresh.Sign(Claims(issuer, clock.GetUtcNow())), default)).Valid);

        Assert.Equal(DocumentErrors.Keys.AlreadyRevoked, (await keys.RevokeAsync(signer.KeyId, null, "again", AuditActor.System, default)).Error?.Code);
        await using var db = await Dbs.CreateDbContextAsync();
        var entry = await db.AuditEntries.SingleAsync(a => a.Action == AuditActions.IssuerKeyRevoked && a.ObjectId == signer.KeyId);
        Assert.Equal("私钥泄露", JsonDocument.Parse(entry.Details!).RootElement.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Another_instance_stops_signing_with_a_rotated_key_within_the_refresh_window()
    {
        var issuer = await DepartmentAsync();
        var clock = new FakeTimeProvider(app.Time.GetUtcNow());
        using var first = Instance(clock);
        using var second = Instance(clock);
        var old = await first.SignerAsync(issuer, default);

        var rotated = await second.RotateAsync(issuer, AuditActor.System, default);
        clock.Advance(first.Refresh - TimeSpan.FromSeconds(1));
        Assert.Equal(old.KeyId, (await first.SignerAsync(issuer, default)).KeyId); // the documented window
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(rotated.Value!.KeyId, (await first.SignerAsync(issuer, default)).KeyId);
        Assert.Equal(TimeSpan.FromSeconds(30), first.Refresh);
    }

    [Fact]
    public async Task The_key_set_is_published_cacheable_with_an_etag_and_lists_revocations()
    {
        var issuer = await DepartmentAsync();
        using var keys = Instance();
        var signer = await keys.SignerAsync(issuer, default);
        var client = app.Client();

        var response = await client.GetAsync(DocumentsSetup.KeySetPath);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.True(response.Headers.CacheControl is { Public: true, MaxAge.TotalSeconds: 300 }, response.Headers.CacheControl?.ToString());
        var etag = response.Headers.ETag!;
        var published = DocumentKeySet.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(issuer.Code, published(signer.KeyId)!.IssuerCode);
        Assert.Null(published(signer.KeyId)!.RevokedAt);

        var again = new HttpRequestMessage(HttpMethod.Get, DocumentsSetup.KeySetPath);
        again.Headers.IfNoneMatch.Add(etag);
        var notModified = await client.SendAsync(again);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        Assert.Empty(await notModified.Content.ReadAsByteArrayAsync());

        await keys.RevokeAsync(signer.KeyId, null, "test", AuditActor.System, default);
        var changed = new HttpRequestMessage(HttpMethod.Get, DocumentsSetup.KeySetPath);
        changed.Headers.IfNoneMatch.Add(etag);
        var fresh = await client.SendAsync(changed);
        Assert.Equal(HttpStatusCode.OK, fresh.StatusCode);
        Assert.NotEqual(etag, fresh.Headers.ETag);
        Assert.Equal(app.Time.GetUtcNow().ToUnixTimeSeconds(), DocumentKeySet.Parse(await fresh.Content.ReadAsStringAsync())(signer.KeyId)!.RevokedAt!.Value.ToUnixTimeSeconds());
    }

    [Fact]
    public async Task Operators_rotate_list_and_revoke_through_the_api_and_bad_input_is_a_problem()
    {
        var issuer = await DepartmentAsync();
        var anonymous = app.Client();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/admin/issuer-keys")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsJsonAsync("/api/admin/issuer-keys/rotate", new { issuer = issuer.Code })).StatusCode);
        var admin = app.BearerClient(await AppFixture.PasswordToken(app.Client(), "13700000001", "demo-operator-1"));

        var rotated = await (await admin.PostAsJsonAsync("/api/admin/issuer-keys/rotate", new { issuer = issuer.Code })).Json();
        var kid = rotated.GetProperty("kid").GetString()!;
        Assert.True(rotated.GetProperty("signs").GetBoolean());
        Assert.Equal(issuer.Code, rotated.GetProperty("issuer").GetString());
        var listed = await (await admin.GetAsync("/api/admin/issuer-keys")).Json();
        Assert.Contains(listed.EnumerateArray(), k => k.GetProperty("kid").GetString() == kid);

        await (await admin.PostAsJsonAsync("/api/admin/issuer-keys/rotate", new { issuer = "33-PSB" })).AssertProblem(HttpStatusCode.BadRequest, "issuer", DocumentErrors.Keys.IssuerInvalid);
        await (await admin.PostAsJsonAsync("/api/admin/issuer-keys/rotate", new { })).AssertProblem(HttpStatusCode.BadRequest, "issuer", DocumentErrors.Keys.IssuerInvalid);
        await (await admin.PostAsJsonAsync("/api/admin/issuer-keys/rotate", new { issuer = "330100-NOSUCH" })).AssertProblem(HttpStatusCode.UnprocessableEntity, "issuer", DocumentErrors.Keys.IssuerNotFound);
        await (await admin.PostAsJsonAsync($"/api/admin/issuer-keys/{kid}/revoke", new { reason = "" })).AssertProblem(HttpStatusCode.BadRequest, "reason", DocumentErrors.Keys.ReasonInvalid);
        await (await admin.PostAsJsonAsync($"/api/admin/issuer-keys/{kid}/revoke", new { reason = new string('x', 201) })).AssertProblem(HttpStatusCode.BadRequest, "reason", DocumentErrors.Keys.ReasonInvalid);
        await (await admin.PostAsJsonAsync($"/api/admin/issuer-keys/{kid}/revoke", new { reason = "x", at = app.Time.GetUtcNow().AddMinutes(1) })).AssertProblem(HttpStatusCode.BadRequest, "at", DocumentErrors.Keys.RevocationTimeInvalid);
        await (await admin.PostAsJsonAsync("/api/admin/issuer-keys/0000000000000000/revoke", new { reason = "x" })).AssertProblem(HttpStatusCode.NotFound, "kid", DocumentErrors.Keys.KeyNotFound);

        var revoked = await (await admin.PostAsJsonAsync($"/api/admin/issuer-keys/{kid}/revoke", new { reason = "私钥泄露", at = app.Time.GetUtcNow().AddHours(-1) })).Json();
        Assert.False(revoked.GetProperty("signs").GetBoolean());
        Assert.Equal(app.Time.GetUtcNow().AddHours(-1), revoked.GetProperty("revokedAt").GetDateTimeOffset());
        await (await admin.PostAsJsonAsync($"/api/admin/issuer-keys/{kid}/revoke", new { reason = "again" })).AssertProblem(HttpStatusCode.Conflict, "kid", DocumentErrors.Keys.AlreadyRevoked);
        await using var db = await Dbs.CreateDbContextAsync();
        Assert.Equal(AuditActorKinds.Account, (await db.AuditEntries.SingleAsync(a => a.Action == AuditActions.IssuerKeyRevoked && a.ObjectId == kid)).ActorKind);
    }

    [Fact]
    public async Task The_keys_command_rotates_revokes_and_exports_the_key_set()
    {
        var issuer = await DepartmentAsync();
        var keys = app.Service<IssuerKeys>();
        var output = new StringWriter();
        Assert.Equal(0, await DocumentsSetup.KeysCommandAsync(keys, ["rotate", issuer.Code], output, default));
        var kid = (await keys.ListAsync(default)).Single(k => k.IssuerCode == issuer.Code).KeyId;
        Assert.Contains(kid, output.ToString(), StringComparison.Ordinal);
        Assert.Equal(0, await DocumentsSetup.KeysCommandAsync(keys, ["revoke", kid, "key", "lost"], output, default));
        Assert.Equal("key lost", (await keys.ListAsync(default)).Single(k => k.KeyId == kid).RevocationReason);

        var file = Path.Combine(Path.GetTempPath(), $"jwks-{Guid.NewGuid():N}.json");
        try
        {
            Assert.Equal(0, await DocumentsSetup.KeysCommandAsync(keys, ["export", file], output, default));
            Assert.NotNull(DocumentKeySet.Parse(await File.ReadAllTextAsync(file))(kid)!.RevokedAt);
        }
        finally
        {
            File.Delete(file);
        }

        Assert.Equal(1, await DocumentsSetup.KeysCommandAsync(keys, ["rotate", "nonsense"], output, default));
        Assert.Contains(DocumentErrors.Keys.IssuerInvalid, output.ToString(), StringComparison.Ordinal);
        Assert.Equal(1, await DocumentsSetup.KeysCommandAsync(keys, ["revoke", "0000000000000000", "x"], output, default));
        Assert.Equal(2, await DocumentsSetup.KeysCommandAsync(keys, ["rotate"], output, default));
        Assert.Equal(2, await DocumentsSetup.KeysCommandAsync(keys, [], output, default));
    }
}

public sealed class IssuerKeyTests_Sqlite(SqliteApp app) : IssuerKeyTests(app), IClassFixture<SqliteApp>
{
    /// <summary>
    /// npm jose (tests/interop/jose), an independent implementation, with only the JWKS from the real endpoint: it
    /// accepts what we sign (old and new keys), refuses a changed field, a changed signature and an unknown kid, and with
    /// the published revoked_at refuses what a revoked key signed afterwards. One Node start for all cases.
    /// </summary>
    [Fact]
    public async Task Jose_verifies_with_the_published_key_set_and_refuses_what_we_refuse()
    {
        var issuer = await DepartmentAsync();
        var clock = new FakeTimeProvider(app.Time.GetUtcNow());
        using var keys = Instance(clock);
        var old = await keys.SignerAsync(issuer, default);
        var byOld = old.Sign(Claims(issuer, clock.GetUtcNow()));
        await keys.RotateAsync(issuer, AuditActor.System, default);
        var current = await keys.SignerAsync(issuer, default);
        var byNew = current.Sign(Claims(issuer, clock.GetUtcNow()));
        var parts = byNew.Split('.');
        var payload = JsonNode.Parse(Base64Url.DecodeFromChars(parts[1]))!;
        payload["d"]!["amt"] = "2000";
        var changedField = $"{parts[0]}.{Base64Url.EncodeToString(Encoding.UTF8.GetBytes(payload.ToJsonString()))}.{parts[2]}";
        var signature = Base64Url.DecodeFromChars(parts[2]);
        signature[10] ^= 0x20;
        var changedSignature = $"{parts[0]}.{parts[1]}.{Base64Url.EncodeToString(signature)}";
        using var stranger = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var unknownKid = DocumentEnvelope.Sign(stranger, IssuerKeys.KeyIdOf(stranger.ExportSubjectPublicKeyInfo()), Claims(issuer, clock.GetUtcNow()));
        clock.Advance(TimeSpan.FromSeconds(10));
        await keys.RevokeAsync(current.KeyId, clock.GetUtcNow().AddSeconds(-5), "test", AuditActor.System, default);
        var afterRevocation = current.Sign(Claims(issuer, clock.GetUtcNow()));

        var jwks = await (await app.Client().GetAsync(DocumentsSetup.KeySetPath)).Content.ReadAsStringAsync();
        string[] compacts = [byOld, byNew, changedField, changedSignature, unknownKid, afterRevocation];
        var jose = await JoseNode.VerifyAsync(jwks, compacts);

        var ours = compacts.Select(c => DocumentEnvelope.Verify(c, DocumentKeySet.Parse(jwks))).ToArray();
        Assert.Equal([true, true, false, false, false, false], jose.Select(r => r.Valid));
        Assert.Equal(ours.Select(r => r.Valid), jose.Select(r => r.Valid));
        Assert.Equal(
            ["ERR_JWS_SIGNATURE_VERIFICATION_FAILED", "ERR_JWS_SIGNATURE_VERIFICATION_FAILED", "ERR_JWKS_NO_MATCHING_KEY", "key-revoked"],
            jose.Skip(2).Select(r => r.Reason));
        Assert.Equal([VerificationReasons.BadSignature, VerificationReasons.BadSignature, VerificationReasons.UnknownKey, VerificationReasons.KeyRevoked], ours.Skip(2).Select(r => r.Reason));
        Assert.Equal(issuer.Code, jose[0].Iss);
        Assert.Equal(ours[1].Document!.Id.ToString("N"), jose[1].Jti);
    }
}

public sealed class IssuerKeyTests_Postgres(PostgresApp app) : IssuerKeyTests(app), IClassFixture<PostgresApp>;

/// <summary>Runs tests/interop/jose/verify.js once over a JWKS and a list of compacts.</summary>
internal static class JoseNode
{
    public sealed record Outcome(bool Valid, string? Reason, string? Iss, string? Jti);

    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    public static async Task<IReadOnlyList<Outcome>> VerifyAsync(string jwks, IReadOnlyList<string> compacts)
    {
        var folder = Path.Combine(Repository.Root(), "tests", "interop", "jose");
        Assert.True(Directory.Exists(Path.Combine(folder, "node_modules", "jose")), $"jose is not installed: run `npm ci` in {folder} (scripts/test.sh does).");
        var start = new ProcessStartInfo("node", ["--no-deprecation", "verify.js"])
        {
            WorkingDirectory = folder,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        await process.StandardInput.WriteAsync(new JsonObject { ["jwks"] = JsonNode.Parse(jwks), ["compacts"] = new JsonArray([.. compacts.Select(c => JsonValue.Create(c))]) }.ToJsonString());
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"node verify.js failed ({process.ExitCode}):\n{await errors}");
        return JsonSerializer.Deserialize<List<Outcome>>(await output, Web)!;
    }
}
