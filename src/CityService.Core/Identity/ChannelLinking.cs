using System.Security.Cryptography;
using CityService.Core.Common;
using CityService.Core.Storage;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace CityService.Core.Identity;

/// <summary>
/// A partner channel links one of its users to a citizen account with a short-lived assertion: an ES256 JWT signed
/// with the channel's registered P-256 key, carrying <c>iss</c> (the channel's client id), <c>sub</c> (the channel's
/// user id), <c>phone</c> and <c>exp</c> (at most 10 minutes after <c>iat</c>). The account is created at L1 if the
/// phone has none; the link is kept as an Identity external login (provider = channel, key = channel user id).
/// </summary>
public sealed class ChannelLinking(CityDbContext db, PersonalDataProtector protector, TimeProvider time)
{
    public static readonly TimeSpan MaxAssertionLifetime = TimeSpan.FromMinutes(10);

    public const int MaxChannelUserLength = 128;

    public async Task<Result<Account>> LinkAsync(ApiClient channel, string? assertion, CancellationToken ct)
    {
        if (channel.Kind != ApiClientKind.PartnerChannel || channel.AssertionPublicKey is null)
        {
            return new Error(ErrorKind.Forbidden, "channel.not-a-channel", new("只有合作渠道可以关联用户。", "Only partner channels can link users."));
        }

        if (string.IsNullOrWhiteSpace(assertion) || assertion.Length > 4096)
        {
            return Invalid("channel.assertion-missing", "缺少渠道用户断言。", "The channel user assertion is missing.");
        }

        using var key = ECDsa.Create();
        key.ImportFromPem(channel.AssertionPublicKey);
        var now = time.GetUtcNow();
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(assertion, new TokenValidationParameters
        {
            ValidIssuer = channel.Id,
            ValidateAudience = false,
            // No provider cache: the cache is keyed by the public key, and this ECDsa object is disposed after the call.
            IssuerSigningKey = new ECDsaSecurityKey(key) { CryptoProviderFactory = new CryptoProviderFactory { CacheSignatureProviders = false } },
            ValidAlgorithms = [SecurityAlgorithms.EcdsaSha256],
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ClockSkew = TimeSpan.FromSeconds(30),
            LifetimeValidator = (notBefore, expires, _, _) =>
                expires is { } exp && exp > now.UtcDateTime && exp - now.UtcDateTime <= MaxAssertionLifetime + TimeSpan.FromSeconds(30)
                && (notBefore is null || notBefore <= now.UtcDateTime.AddSeconds(30)),
        });
        if (!result.IsValid)
        {
            return result.Exception is SecurityTokenInvalidLifetimeException or SecurityTokenExpiredException or SecurityTokenNoExpirationException
                ? Invalid("channel.assertion-expired", "渠道用户断言已过期或有效期过长（最长 10 分钟）。", "The channel user assertion has expired or lives too long (at most 10 minutes).")
                : Invalid("channel.assertion-invalid", "渠道用户断言的签名或内容无效。", "The channel user assertion's signature or content is not valid.");
        }

        var channelUser = result.ClaimsIdentity.FindFirst("sub")?.Value ?? result.ClaimsIdentity.FindFirst(System.Security.Claims.ClaimTypes.NameIdentifier)?.Value;
        if (string.IsNullOrWhiteSpace(channelUser))
        {
            return Invalid("channel.assertion-invalid", "渠道用户断言缺少用户标识（sub）。", "The channel user assertion has no user id (sub).");
        }

        if (TextInput.Check(channelUser, "sub", MaxChannelUserLength) is not null)
        {
            return Invalid("channel.assertion-invalid", $"渠道用户断言中的用户标识（sub）须为不超过 {MaxChannelUserLength} 个字符的文本，且不含控制字符。",
                $"The user id (sub) in the channel user assertion must be text of at most {MaxChannelUserLength} characters, without control characters.");
        }

        var phone = PhoneNumber.Parse(result.ClaimsIdentity.FindFirst("phone")?.Value, "assertion");
        if (!phone.IsOk)
        {
            return phone.Error;
        }

        var link = await db.UserLogins.AsNoTracking().FirstOrDefaultAsync(l => l.LoginProvider == channel.Id && l.ProviderKey == channelUser, ct);
        if (link is not null)
        {
            return await db.Accounts.SingleAsync(a => a.Id == link.UserId, ct);
        }

        var phoneIndex = protector.BlindIndex(phone.Value.Value, "phone");
        var account = await db.Accounts.FirstOrDefaultAsync(a => a.PhoneIndex == phoneIndex, ct);
        if (account is null)
        {
            account = Account.Open(AccountKind.Citizen, phoneIndex, protector.Encrypt(phone.Value.Value, "phone"), now);
            db.Accounts.Add(account);
        }
        else if (account.Kind != AccountKind.Citizen)
        {
            return new Error(ErrorKind.Forbidden, "channel.not-a-citizen", new("该手机号属于工作人员账户，不能通过渠道关联。", "This phone belongs to a staff account and cannot be linked by a channel."));
        }

        db.UserLogins.Add(new IdentityUserLogin<Guid> { LoginProvider = channel.Id, ProviderKey = channelUser, ProviderDisplayName = channel.NameEn, UserId = account.Id });
        if (!await db.TrySaveChangesAsync(ct))
        {
            // The same channel user was linked by a parallel request: use that link.
            var linked = await db.UserLogins.AsNoTracking().SingleAsync(l => l.LoginProvider == channel.Id && l.ProviderKey == channelUser, ct);
            return await db.Accounts.SingleAsync(a => a.Id == linked.UserId, ct);
        }

        return account;
    }

    private static Error Invalid(string code, string zh, string en) => Error.Invalid("assertion", code, zh, en);
}
