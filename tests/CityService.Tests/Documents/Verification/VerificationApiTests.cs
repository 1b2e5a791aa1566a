using System.Buffers.Text;
using System.Net;
using CityService.Core.Documents;
using CityService.Tests.Infrastructure;

namespace CityService.Tests.Documents.Verification;

/// <summary><c>/api/verify/{compact}</c>, the <c>/v/{compact}</c> page and its hard-copy link, on the shared host.</summary>
public abstract class VerificationApiTests(AppFixture app)
{
    private static int _peer;
    private readonly HttpClient _client = Peer(app.Client("en"));

    private async Task<(string Compact, DocumentClaims Claims)> SignedAsync()
    {
        var issuer = DocumentIssuer.Department("330100", "VERIFYTEST");
        var signer = await app.Service<IssuerKeys>().SignerAsync(issuer, CancellationToken.None);
        var claims = new DocumentClaims(DocumentKinds.Certificate, Guid.CreateVersion7(), issuer.Code, app.Time.GetUtcNow(),
            new Dictionary<string, string> { ["name"] = "王*", ["title"] = "出生医学证明" });
        return (signer.Sign(claims), claims);
    }

    [Fact]
    public async Task A_valid_document_verifies_and_a_changed_field_or_unknown_key_says_why_not()
    {
        var (compact, claims) = await SignedAsync();
        var valid = await (await _client.GetAsync($"/api/verify/{compact}")).Json(HttpStatusCode.OK);
        Assert.True(valid.GetProperty("valid").GetBoolean());
        Assert.Equal(JsonValueKindNull, valid.GetProperty("reason").ValueKind);
        Assert.Equal(claims.Id.ToString("N"), valid.GetProperty("document").GetProperty("id").GetString());
        Assert.Equal("王*", valid.GetProperty("document").GetProperty("fields").GetProperty("name").GetString());

        var parts = compact.Split('.');
        var forged = $"{parts[0]}.{Base64Url.EncodeToString(DocumentEnvelope.PayloadBytes(claims with { Fields = new Dictionary<string, string>(claims.Fields) { ["name"] = "李*" } }))}.{parts[2]}";
        var bad = await (await _client.GetAsync($"/api/verify/{forged}")).Json(HttpStatusCode.OK);
        Assert.False(bad.GetProperty("valid").GetBoolean());
        Assert.Equal(VerificationReasons.BadSignature, bad.GetProperty("reason").GetString());
        Assert.Contains("changed", bad.GetProperty("reasonText").GetProperty("en").GetString(), StringComparison.Ordinal);
        Assert.Contains("改动", bad.GetProperty("reasonText").GetProperty("zh").GetString(), StringComparison.Ordinal);

        using var other = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        var unknown = await (await _client.GetAsync($"/api/verify/{DocumentEnvelope.Sign(other, "fedcba9876543210", claims)}")).Json(HttpStatusCode.OK);
        Assert.Equal(VerificationReasons.UnknownKey, unknown.GetProperty("reason").GetString());

        // The page: a big verdict in plain words, the fields; a forged one says why.
        var page = await HtmlForms.Page(_client, $"/v/{compact}");
        Assert.Equal("true", page.QuerySelector("#verdict")!.GetAttribute("data-valid"));
        Assert.Contains("出生医学证明", page.QuerySelector("#document-fields")!.TextContent, StringComparison.Ordinal);
        var forgedPage = await HtmlForms.Page(_client, $"/v/{forged}?lang=en");
        Assert.Equal("false", forgedPage.QuerySelector("#verdict")!.GetAttribute("data-valid"));
        Assert.Equal(VerificationReasons.BadSignature, forgedPage.QuerySelector("#verdict-reason")!.GetAttribute("data-reason"));
        Assert.Contains("Not valid", forgedPage.QuerySelector("#verdict-word")!.TextContent, StringComparison.Ordinal);
        Assert.Null(forgedPage.QuerySelector("#hard-copy"));

        // No hard copy for what is not an invoice kept here, nor for a forged one.
        await (await _client.GetAsync($"/v/{compact}/pdf")).AssertProblem(HttpStatusCode.NotFound, code: DocumentErrors.Verify.HardCopyNotFound);
        await (await _client.GetAsync($"/v/{forged}/pdf")).AssertProblem(HttpStatusCode.NotFound, code: DocumentErrors.Verify.HardCopyNotFound);
    }

    [Fact]
    public async Task Malformed_input_is_a_400_problem_or_page_never_a_500()
    {
        var (compact, _) = await SignedAsync();
        var parts = compact.Split('.');
        var none = $"{Base64Url.EncodeToString("{\"alg\":\"none\",\"kid\":\"k\"}"u8)}.{parts[1]}.{parts[2]}";
        foreach (var input in new[] { "x", $"{compact}.{parts[2]}", new string('a', 3000), $"{parts[0]}%EF%BC%8E{parts[1]}%EF%BC%8E{parts[2]}", $"{parts[0]}.{parts[1]}%2B%2F%3D%3D.{parts[2]}", "%F0%9F%98%80" })
        {
            await (await _client.GetAsync($"/api/verify/{input}")).AssertProblem(HttpStatusCode.BadRequest, "compact", DocumentErrors.Verify.Malformed);
        }

        await (await _client.GetAsync($"/api/verify/{none}")).AssertProblem(HttpStatusCode.BadRequest, "compact", DocumentErrors.Verify.UnsupportedAlgorithm);
        foreach (var control in new[] { "%0A", "%1F", "%7F" })
        {
            // Control characters never reach the endpoint: the site-wide input check refuses them (ADR 010). %00 does not
            // even reach the host: Kestrel answers 400 to a path with a NUL (the test server throws), so it is not sent here.
            await (await _client.GetAsync($"/api/verify/{parts[0]}{control}.{parts[1]}.{parts[2]}")).AssertProblem(HttpStatusCode.BadRequest, code: "text.invalid-character");
        }

        var page = await HtmlForms.Page(_client, "/v/not-a-document", HttpStatusCode.BadRequest);
        Assert.NotNull(page.QuerySelector("#verdict-reason"));
        await HtmlForms.Page(_client, $"/v/{parts[0]}%0A", HttpStatusCode.BadRequest);
    }

    private const System.Text.Json.JsonValueKind JsonValueKindNull = System.Text.Json.JsonValueKind.Null;

    /// <summary>Its own client address, so the per-address limit of other tests on the shared host is not this one's.</summary>
    private static HttpClient Peer(HttpClient client)
    {
        client.DefaultRequestHeaders.Add(PeerAddress.Header, $"198.51.100.{(Interlocked.Increment(ref _peer) % 250) + 1}");
        return client;
    }
}

public sealed class VerificationApiTests_Sqlite(SqliteApp app) : VerificationApiTests(app), IClassFixture<SqliteApp>;

public sealed class VerificationApiTests_Postgres(PostgresApp app) : VerificationApiTests(app), IClassFixture<PostgresApp>;
