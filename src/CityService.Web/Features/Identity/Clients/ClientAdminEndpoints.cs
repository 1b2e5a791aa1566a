using System.Security.Cryptography;
using System.Text.RegularExpressions;
using CityService.Core.Common;
using CityService.Core.Identity;
using CityService.Core.Identity.Clients;
using CityService.Core.Storage;
using CityService.Web.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace CityService.Web.Features.Identity.Clients;

/// <summary>The public key is PEM, so it spans lines.</summary>
public sealed record NewClientRequest(
    string? Id, string? Kind, string? NameZh, string? NameEn, IReadOnlyList<string>? Scopes, string? RegionCode, string? DepartmentCode,
    [property: Text(TextInput.DefaultMaxLength, TextKind.MultiLine)] string? AssertionPublicKey);

/// <summary>The secret is shown once, at creation; the platform keeps it only encrypted.</summary>
public sealed record NewClientDto(string ClientId, string Secret, ClientIdentityDto Client);

/// <summary>Platform operators register department systems and partner channels.</summary>
public static partial class ClientAdminEndpoints
{
    private static readonly string[] KnownScopes = [Scopes.CitizenLink, Scopes.ProfileRead, Scopes.ServicesStart, Scopes.BillsWrite, "applications:read", "decisions:write"];

    public static IEndpointRouteBuilder MapClientAdmin(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/api/admin/clients").WithTags("API clients").RequireAuthorization(IdentitySetup.PlatformAdminPolicy)
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden);
        admin.MapGet("", List).WithName("ListApiClients").WithSummary("Registered API clients (secrets are never shown again).");
        admin.MapPost("", Create).WithName("CreateApiClient").ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Registers a department system or partner channel and returns its signing secret once.");
        return app;
    }

    public static async Task<Ok<IReadOnlyList<ClientIdentityDto>>> List(CityDbContext db, CancellationToken ct)
    {
        var clients = await db.ApiClients.AsNoTracking().OrderBy(c => c.Id).ToListAsync(ct);
        return TypedResults.Ok<IReadOnlyList<ClientIdentityDto>>(clients.Select(c => new ClientIdentityDto(c.Id, c.Kind, c.NameZh, c.NameEn, c.Scopes, c.RegionCode, c.DepartmentCode)).ToList());
    }

    public static async Task<Results<Created<NewClientDto>, ProblemHttpResult>> Create(
        NewClientRequest request, CityDbContext db, PersonalDataProtector protector, TimeProvider time, Core.Audit.AuditLog audit, HttpContext http, CancellationToken ct)
    {
        if (request.Id is null || !ClientId().IsMatch(request.Id))
        {
            return Problems.From(Error.Invalid("id", IdentityErrors.Client.IdInvalid, "接入方标识须为 3–64 位小写字母、数字或连字符。", "A client id is 3–64 lower-case letters, digits or hyphens."), http);
        }

        if (string.IsNullOrWhiteSpace(request.NameZh) || string.IsNullOrWhiteSpace(request.NameEn))
        {
            return Problems.From(Error.Invalid("nameZh", IdentityErrors.Client.NameMissing, "请填写中文和英文名称。", "Give the client a Chinese and an English name."), http);
        }

        if ((TextInput.Check(request.NameZh, "nameZh", ApiClient.MaxNameLength) ?? TextInput.Check(request.NameEn, "nameEn", ApiClient.MaxNameLength)) is { } badName)
        {
            return Problems.From(badName, http);
        }

        var scopes = (request.Scopes ?? []).Distinct(StringComparer.Ordinal).ToList();
        if (scopes.FirstOrDefault(s => !KnownScopes.Contains(s)) is { } unknown)
        {
            return Problems.From(Error.Invalid("scopes", IdentityErrors.Client.ScopeUnknown, $"未知的权限范围“{unknown}”。", $"Unknown scope '{unknown}'."), http);
        }

        if (await db.ApiClients.AnyAsync(c => c.Id == request.Id, ct))
        {
            return Problems.From(new Error(ErrorKind.Conflict, IdentityErrors.Client.IdTaken, new("该接入方标识已存在。", "A client with this id exists already."), "id"), http);
        }

        var secret = Base64Url.Encode(RandomNumberGenerator.GetBytes(32));
        var cipher = protector.Encrypt(secret, "client-secret");
        var now = time.GetUtcNow();
        ApiClient client;
        switch (request.Kind)
        {
            case "department-system":
                if (request.RegionCode is null || request.DepartmentCode is null
                    || !await db.Departments.AnyAsync(d => d.RegionCode == request.RegionCode && d.Code == request.DepartmentCode, ct))
                {
                    return Problems.From(Error.Invalid("departmentCode", IdentityErrors.Client.DepartmentUnknown, "部门系统须属于一个已有的部门（地区代码 + 部门代码）。",
                        "A department system belongs to an existing department (region code + department code)."), http);
                }

                client = ApiClient.ForDepartment(request.Id, request.NameZh, request.NameEn, cipher, scopes, request.RegionCode, request.DepartmentCode, now);
                break;
            case "partner-channel":
                if (!IsP256PublicKey(request.AssertionPublicKey))
                {
                    return Problems.From(Error.Invalid("assertionPublicKey", IdentityErrors.Client.KeyInvalid, "合作渠道须提供 P-256 公钥（PEM 格式）。",
                        "A partner channel needs its P-256 public key (PEM, SubjectPublicKeyInfo)."), http);
                }

                client = ApiClient.ForChannel(request.Id, request.NameZh, request.NameEn, cipher, scopes, request.AssertionPublicKey!, now);
                break;
            default:
                return Problems.From(Error.Invalid("kind", IdentityErrors.Client.KindUnknown, "类型须为 department-system 或 partner-channel。", "kind must be department-system or partner-channel."), http);
        }

        db.ApiClients.Add(client);
        await audit.SaveWithAsync(db, [new(Core.Audit.AuditActions.ClientRegistered, Core.Audit.AuditActor.Account(http.User.AccountId()!.Value), "api-client", client.Id,
            RegionCode: client.RegionCode ?? Core.Audit.AuditRecord.PlatformRegion, Details: Core.Audit.AuditRecord.DetailsOf(new { kind = request.Kind, scopes }))], ct);
        var dto = new ClientIdentityDto(client.Id, client.Kind, client.NameZh, client.NameEn, client.Scopes, client.RegionCode, client.DepartmentCode);
        return TypedResults.Created($"/api/admin/clients/{client.Id}", new NewClientDto(client.Id, secret, dto));
    }

    private static bool IsP256PublicKey(string? pem)
    {
        if (string.IsNullOrWhiteSpace(pem) || pem.Length > 4096)
        {
            return false;
        }

        try
        {
            using var key = ECDsa.Create();
            key.ImportFromPem(pem);
            return key.ExportParameters(false).Curve.Oid.Value == ECCurve.NamedCurves.nistP256.Oid.Value;
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            return false;
        }
    }

    [GeneratedRegex(@"^[a-z0-9][a-z0-9-]{2,63}\z")]
    private static partial Regex ClientId();
}
