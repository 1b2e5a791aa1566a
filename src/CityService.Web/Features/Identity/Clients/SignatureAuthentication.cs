using System.Security.Claims;
using System.Text.Encodings.Web;
using CityService.Core.Common;
using CityService.Core.Identity;
using CityService.Core.Storage;
using CityService.Web.Infrastructure;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CityService.Web.Features.Identity.Clients;

/// <summary>
/// Authenticates machine clients by signed requests: X-CS-Client, X-CS-Timestamp (unix seconds), X-CS-Nonce and
/// X-CS-Signature = base64 HMAC-SHA256 over <c>METHOD\npath?query\ntimestamp\nnonce\nhex(sha256(body))</c>.
/// Timestamps outside ±5 minutes and reused nonces (kept in the database, so every instance sees them) fail with a
/// 401 problem that says why.
/// </summary>
public sealed class SignatureAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IDbContextFactory<CityDbContext> dbFactory,
    PersonalDataProtector protector)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Signature";
    public const int MaxSignedBodyBytes = 1024 * 1024;

    /// <summary>The WWW-Authenticate challenge of the endpoints only signed clients may call (RFC 9110 §11.6.1).</summary>
    public const string Challenge = SchemeName + " realm=\"CityService\", headers=\"X-CS-Client X-CS-Timestamp X-CS-Nonce X-CS-Signature\"";

    /// <summary>Whether a policy asks for what only a signed request carries (the client claims): its 401 names this scheme.</summary>
    public static bool NeedsSignedClient(Microsoft.AspNetCore.Authorization.AuthorizationPolicy policy) =>
        policy.Requirements.OfType<Microsoft.AspNetCore.Authorization.Infrastructure.ClaimsAuthorizationRequirement>()
            .Any(r => r.ClaimType is AccountClaims.Client or AccountClaims.ClientKind);
    private const string FailureKey = "cs:signature-failure";

    public static bool IsSigned(HttpRequest request) =>
        request.Headers.ContainsKey(SignatureHeaderNames.Platform.Signature) || request.Headers.ContainsKey(SignatureHeaderNames.Platform.Client);

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!IsSigned(Request))
        {
            return AuthenticateResult.NoResult();
        }

        var names = SignatureHeaderNames.Platform;
        var clientId = Request.Headers[names.Client].ToString();
        await using var db = await dbFactory.CreateDbContextAsync(Context.RequestAborted);
        var client = clientId.Length is > 0 and <= 64
            ? await db.ApiClients.AsNoTracking().FirstOrDefaultAsync(c => c.Id == clientId && c.Enabled, Context.RequestAborted)
            : null;
        if (client is null)
        {
            return Fail(IdentityErrors.Auth.ClientUnknown, "未知或已停用的接入方。", "Unknown or disabled API client.");
        }

        var body = await ReadBody();
        if (body is null)
        {
            return Fail(IdentityErrors.Auth.BodyTooLarge, "签名请求的正文过大。", "The signed request body is too large.");
        }

        var key = RequestSigning.KeyFromSecret(protector.Decrypt(client.SecretCipher, "client-secret"));
        var target = Context.Features.Get<IHttpRequestFeature>()?.RawTarget is { Length: > 0 } raw && raw.StartsWith('/')
            ? raw
            : Request.PathBase + Request.Path + Request.QueryString;
        var verdict = new SignatureVerifier(TimeProvider).VerifyRequest(
            key, Request.Method, target, Request.Headers[names.Timestamp], Request.Headers[names.Nonce], Request.Headers[names.Signature], body);
        switch (verdict)
        {
            case SignatureVerdict.Valid:
                break;
            case SignatureVerdict.TimestampOutOfRange:
                return Fail(IdentityErrors.Auth.TimestampOutOfRange, "请求时间戳与服务器时间相差超过 5 分钟。", "The request timestamp is more than 5 minutes from the server's time.");
            case SignatureVerdict.Missing or SignatureVerdict.MalformedTimestamp or SignatureVerdict.MalformedNonce:
                return Fail(IdentityErrors.Auth.SignatureHeaders, "签名请求头缺失或格式错误（X-CS-Client、X-CS-Timestamp、X-CS-Nonce、X-CS-Signature）。",
                    "Signature headers are missing or malformed (X-CS-Client, X-CS-Timestamp, X-CS-Nonce, X-CS-Signature).");
            default:
                return Fail(IdentityErrors.Auth.SignatureInvalid, "请求签名不正确。", "The request signature is not valid.");
        }

        // ON CONFLICT DO NOTHING (SQLite and PostgreSQL alike): a replay inserts nothing, without an error in the log.
        var now = TimeProvider.GetUtcNow();
        var nonce = Request.Headers[names.Nonce].ToString();
        var keepUntil = db.Database.ToStored(now + (2 * RequestSigning.AllowedClockSkew));
        var inserted = await db.Database.ExecuteSqlInterpolatedAsync(
            $"INSERT INTO api_nonces (client_id, nonce, expires_at) VALUES ({client.Id}, {nonce}, {keepUntil}) ON CONFLICT DO NOTHING",
            Context.RequestAborted);
        if (inserted == 0)
        {
            return Fail(IdentityErrors.Auth.NonceReused, "该请求已处理过（随机数重复使用）。", "This request was already seen (the nonce was reused).");
        }

        await db.UsedNonces.Where(n => n.ExpiresAt < now).ExecuteDeleteAsync(Context.RequestAborted);

        var claims = new List<Claim>
        {
            new(AccountClaims.Client, client.Id),
            new(AccountClaims.ClientKind, client.Kind.ToString()),
        };
        claims.AddRange(client.Scopes.Select(s => new Claim(AccountClaims.Scope, s)));
        if (client.RegionCode is { } region)
        {
            claims.Add(new Claim(AccountClaims.Region, region));
        }

        if (client.DepartmentCode is { } department)
        {
            claims.Add(new Claim(AccountClaims.Department, department));
        }

        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName)), SchemeName));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var (code, message) = Context.Items[FailureKey] as (string, LocalizedText)?
            ?? (IdentityErrors.Auth.Required, new LocalizedText("请先登录，或提供有效的访问令牌。", "Sign in first, or send a valid access token."));
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = Challenge;
        await Results.Problem(Problems.Build(Context, 401, code, message)).ExecuteAsync(Context);
    }

    private AuthenticateResult Fail(string code, string zh, string en)
    {
        Context.Items[FailureKey] = (code, new LocalizedText(zh, en));
        return AuthenticateResult.Fail(code);
    }

    private async Task<byte[]?> ReadBody()
    {
        Request.EnableBuffering(MaxSignedBodyBytes);
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await Request.Body.ReadAsync(chunk, Context.RequestAborted)) > 0)
        {
            if (buffer.Length + read > MaxSignedBodyBytes)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        Request.Body.Position = 0;
        return buffer.ToArray();
    }
}
