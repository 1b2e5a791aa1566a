using System.Security.Cryptography;
using CityService.Core.Common;
using CityService.Core.Identity.SignIn;
using Microsoft.AspNetCore.Identity;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace CityService.Core.Identity.Clients;

/// <summary>
/// A partner channel links one of its users to a citizen account with a short-lived assertion: an ES256 JWT signed
/// with the channel's registered P-256 key, carrying <c>iss</c> (the channel's client id), <c>sub</c> (the channel's
/// user id), <c>phone</c>, <c>jti</c> (used once) and <c>exp</c> (at most 10 minutes after <c>iat</c>). A channel user
/// already linked gets a token at once; otherwise the platform texts a code to the phone and the link exists only when
/// the channel relays that code (<see cref="ConfirmAsync"/>): the phone's holder consents, and a new phone proves to be
/// held. The account is created at L1 if the phone has none; the link is kept as an Identity external login
/// (provider = channel, key = channel user id). See ADR 009.
/// </summary>
public sealed class ChannelLinking(CityDbContext db, PersonalDataProtector protector, OtpService otp, TimeProvider time)
{
    public static readonly TimeSpan MaxAssertionLifetime = TimeSpan.FromMinutes(10);

    public const int MaxJtiLength = 128;

    public const int MaxChannelUserLength = 128;

    /// <summary>Either the linked account (the channel user was linked before) or the pending link a code was sent for.</summary>
    public sealed record Outcome(Account? Account, ChannelLinkRequest? Pending);

    public async Task<Result<Outcome>> LinkAsync(ApiClient channel, string? assertion, CancellationToken ct)
    {
        if (channel.Kind != ApiClientKind.PartnerChannel || channel.AssertionPublicKey is null)
        {
            return new Error(ErrorKind.Forbidden, IdentityErrors.Channel.NotAChannel, new("只有合作渠道可以关联用户。", "Only partner channels can link users."));
        }

        if (string.IsNullOrWhiteSpace(assertion) || assertion.Length > 4096)
        {
            return Invalid(IdentityErrors.Channel.AssertionMissing, "缺少渠道用户断言。", "The channel user assertion is missing.");
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
                ? Invalid(IdentityErrors.Channel.AssertionExpired, "渠道用户断言已过期或有效期过长（最长 10 分钟）。", "The channel user assertion has expired or lives too long (at most 10 minutes).")
                : Invalid(IdentityErrors.Channel.AssertionInvalid, "渠道用户断言的签名或内容无效。", "The channel user assertion's signature or content is not valid.");
        }

        var channelUser = result.ClaimsIdentity.FindFirst("sub")?.Value ?? result.ClaimsIdentity.FindFirst(System.Security.Claims.ClaimTypes.NameIdentifier)?.Value;
        if (string.IsNullOrWhiteSpace(channelUser))
        {
            return Invalid(IdentityErrors.Channel.AssertionInvalid, "渠道用户断言缺少用户标识（sub）。", "The channel user assertion has no user id (sub).");
        }

        if (TextInput.Check(channelUser, "sub", MaxChannelUserLength) is not null)
        {
            return Invalid(IdentityErrors.Channel.AssertionInvalid, $"渠道用户断言中的用户标识（sub）须为不超过 {MaxChannelUserLength} 个字符的文本，且不含控制字符。",
                $"The user id (sub) in the channel user assertion must be text of at most {MaxChannelUserLength} characters, without control characters.");
        }

        var phone = PhoneNumber.Parse(result.ClaimsIdentity.FindFirst("phone")?.Value, "assertion");
        if (!phone.IsOk)
        {
            return phone.Error;
        }

        var jti = result.ClaimsIdentity.FindFirst("jti")?.Value;
        if (string.IsNullOrWhiteSpace(jti) || TextInput.Check(jti, "jti", MaxJtiLength) is not null)
        {
            return Invalid(IdentityErrors.Channel.AssertionInvalid, "渠道用户断言缺少一次性标识（jti：最长 128 个字符的文本，不含控制字符）。", "The channel user assertion has no one-time id (jti: text of at most 128 characters, without control characters).");
        }

        // The primary key (channel, jti) admits each assertion once, on every instance and under parallel replays alike;
        // the id is kept until the assertion could no longer be accepted anyway.
        var keepUntil = db.Database.ToStored(new DateTimeOffset(result.SecurityToken.ValidTo, TimeSpan.Zero) + TimeSpan.FromSeconds(30));
        var fresh = await db.Database.ExecuteSqlInterpolatedAsync(
            $"INSERT INTO channel_assertions (client_id, jti, expires_at) VALUES ({channel.Id}, {jti}, {keepUntil}) ON CONFLICT DO NOTHING", ct);
        if (fresh == 0)
        {
            return new Error(ErrorKind.Conflict, IdentityErrors.Channel.AssertionReplayed,
                new("该渠道用户断言已使用过（jti 重复），请生成新的断言。", "This channel user assertion was already used (repeated jti); create a new one."), "assertion");
        }

        await db.UsedAssertions.Where(a => a.ExpiresAt < now).ExecuteDeleteAsync(ct);

        var link = await db.UserLogins.AsNoTracking().FirstOrDefaultAsync(l => l.LoginProvider == channel.Id && l.ProviderKey == channelUser, ct);
        if (link is not null)
        {
            return new Outcome(await db.Accounts.SingleAsync(a => a.Id == link.UserId, ct), null);
        }

        // Not linked yet: whoever holds the phone must confirm. Nothing about the phone's account is looked at (or told)
        // before that. Codes count against the channel's own client budget, and against the phone's, like sign-in codes.
        var pendingId = Guid.CreateVersion7(now);
        var sent = await otp.SendAsync(phone.Value.Value, "channel:" + channel.Id, LinkContext(pendingId), code => new(
            $"【城市服务】“{channel.NameZh}”请求关联您的城市服务账户，验证码 {code}，5 分钟内有效。同意关联才告诉该渠道；如非本人操作请忽略。",
            $"[CityService] \"{channel.NameEn}\" asks to link to your CityService account. Code {code}, valid for 5 minutes. Give it to them only if you agree; otherwise ignore this message."), ct);
        if (!sent.IsOk)
        {
            return sent.Error;
        }

        var pending = ChannelLinkRequest.Open(pendingId, channel.Id, channelUser, protector.BlindIndex(phone.Value.Value, "phone"), protector.Encrypt(phone.Value.Value, "phone"), now);
        db.ChannelLinkRequests.Add(pending);
        await db.SaveChangesAsync(ct);
        return new Outcome(null, pending);
    }

    /// <summary>The channel relays the code its user received: the link is made (opening an L1 account for a new phone).</summary>
    public async Task<Result<Account>> ConfirmAsync(ApiClient channel, string? linkIdInput, string? code, CancellationToken ct)
    {
        if (!Guid.TryParse(linkIdInput, out var linkId))
        {
            return Error.Invalid("linkId", IdentityErrors.Channel.LinkIdMalformed, "关联请求编号格式不正确。", "The link request id is malformed.");
        }

        var now = time.GetUtcNow();
        var pending = await db.ChannelLinkRequests.AsNoTracking().FirstOrDefaultAsync(r => r.Id == linkId && r.ClientId == channel.Id, ct);
        if (pending is null)
        {
            return Error.NotFound(IdentityErrors.Channel.LinkNotFound, "没有这个关联请求。", "There is no such link request.", "linkId");
        }

        if (!pending.IsOpen(now))
        {
            return LinkClosed();
        }

        var phone = protector.Decrypt(pending.PhoneCipher, "phone");
        var proven = await otp.CheckAsync(phone, code, LinkContext(pending.Id), ct);
        if (!proven.IsOk)
        {
            return proven.Error;
        }

        var account = await db.FindOrOpenAccountAsync(AccountKind.Citizen, pending.PhoneIndex, () => pending.PhoneCipher, now, ct);
        if (account.Kind != AccountKind.Citizen)
        {
            // Told only now, to whoever proved they hold the phone.
            return new Error(ErrorKind.Forbidden, IdentityErrors.Channel.NotACitizen, new("该手机号属于工作人员账户，不能通过渠道关联。", "This phone belongs to a staff account and cannot be linked by a channel."));
        }

        DateTimeOffset? confirmedAt = now;
        Guid? accountId = account.Id;
        var confirmed = await db.ChannelLinkRequests.Where(r => r.Id == pending.Id && r.ConfirmedAt == null)
            .ExecuteUpdateAsync(u => u.SetProperty(r => r.ConfirmedAt, confirmedAt).SetProperty(r => r.AccountId, accountId), ct);
        if (confirmed == 0)
        {
            return LinkClosed();
        }

        var link = await db.UserLogins.AsNoTracking().FirstOrDefaultAsync(l => l.LoginProvider == channel.Id && l.ProviderKey == pending.ChannelUser, ct);
        if (link is not null)
        {
            return await db.Accounts.SingleAsync(a => a.Id == link.UserId, ct);
        }

        db.UserLogins.Add(new IdentityUserLogin<Guid> { LoginProvider = channel.Id, ProviderKey = pending.ChannelUser, ProviderDisplayName = channel.NameEn, UserId = account.Id });
        if (!await db.TrySaveChangesAsync(ct))
        {
            // The same channel user was linked by a parallel request: use that link.
            var linked = await db.UserLogins.AsNoTracking().SingleAsync(l => l.LoginProvider == channel.Id && l.ProviderKey == pending.ChannelUser, ct);
            return await db.Accounts.SingleAsync(a => a.Id == linked.UserId, ct);
        }

        return account;
    }

    /// <summary>The channels a citizen is linked to, with when each link was confirmed (unknown for links made before consent existed).</summary>
    public async Task<IReadOnlyList<LinkedChannel>> LinkedAsync(Guid accountId, CancellationToken ct)
    {
        var clientIds = await db.UserLogins.AsNoTracking().Where(l => l.UserId == accountId).Select(l => l.LoginProvider).Distinct().ToListAsync(ct);
        var clients = await db.ApiClients.AsNoTracking().Where(c => clientIds.Contains(c.Id)).Select(c => new { c.Id, c.NameZh, c.NameEn }).ToListAsync(ct);
        var confirmed = await db.ChannelLinkRequests.AsNoTracking().Where(r => r.AccountId == accountId && r.ConfirmedAt != null)
            .Select(r => new { r.ClientId, r.ConfirmedAt }).ToListAsync(ct);
        return clients
            .Select(c => new LinkedChannel(c.Id, c.NameZh, c.NameEn, confirmed.Where(r => r.ClientId == c.Id).Max(r => r.ConfirmedAt)))
            .OrderBy(c => c.ClientId, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>Ends every link of the citizen with the channel; the channel's tokens for the citizen stop working at once
    /// (the citizen policy checks the link on each request). False when there was none.</summary>
    /// <summary>Ends the link and every session the channel obtained for the citizen, so its tokens stop at once.</summary>
    public async Task<bool> UnlinkAsync(Guid accountId, string clientId, CancellationToken ct)
    {
        if (await db.UserLogins.Where(l => l.UserId == accountId && l.LoginProvider == clientId).ExecuteDeleteAsync(ct) == 0)
        {
            return false;
        }

        DateTimeOffset? ended = time.GetUtcNow();
        await db.Sessions.Where(s => s.AccountId == accountId && s.ChannelId == clientId && s.EndedAt == null)
            .ExecuteUpdateAsync(u => u.SetProperty(s => s.EndedAt, ended), ct);
        return true;
    }

    private static string LinkContext(Guid pendingId) => "channel-link:" + pendingId.ToString("N");

    private static Error LinkClosed() => Error.Invalid("linkId", IdentityErrors.Channel.LinkExpired,
        "该关联请求已过期或已确认，请重新发起关联。", "This link request has expired or was already confirmed; start the link again.");

    private static Error Invalid(string code, string zh, string en) => Error.Invalid("assertion", code, zh, en);
}

public sealed record LinkedChannel(string ClientId, string NameZh, string NameEn, DateTimeOffset? LinkedAt);
