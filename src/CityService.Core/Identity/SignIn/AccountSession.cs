using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CityService.Core.Identity.SignIn;

/// <summary>How a session was opened.</summary>
public enum SignInMethod
{
    Code,
    Password,
    Channel,
}

/// <summary>Where a session lives: a page cookie (idle timeout that slides) or an API bearer token (fixed lifetime).</summary>
public enum SessionKind
{
    Page,
    Api,
}

/// <summary>
/// A signed-in session on the server: every cookie and bearer token names one, and is only good while it is open,
/// unexpired and issued under the account's current security stamp. Ending the row ends the cookie or token at once.
/// Holds no personal data: the device is a short summary of the User-Agent, never the phone.
/// </summary>
public sealed class AccountSession
{
    private AccountSession()
    {
        Id = SecurityStamp = string.Empty;
    }

    /// <summary>128 random bits, base64url: unguessable, and only ever carried inside protected cookies and tokens.</summary>
    public string Id { get; private set; }

    public Guid AccountId { get; private set; }

    public SessionKind Kind { get; private set; }

    public SignInMethod Method { get; private set; }

    /// <summary>The partner channel's client id for a channel-linked session.</summary>
    public string? ChannelId { get; private set; }

    /// <summary>The account's security stamp when the session opened: rotating the stamp (phone change) ends the session.</summary>
    public string SecurityStamp { get; private set; }

    public string? Device { get; private set; }

    public DateTimeOffset CreatedAt { get; private set; }

    public DateTimeOffset LastSeenAt { get; private set; }

    public DateTimeOffset ExpiresAt { get; private set; }

    public DateTimeOffset? EndedAt { get; private set; }

    public static AccountSession Open(Account account, SessionKind kind, SignInMethod method, string? channelId, string? userAgent, DateTimeOffset now, TimeSpan lifetime) => new()
    {
        Id = Base64Url(RandomNumberGenerator.GetBytes(16)),
        AccountId = account.Id,
        Kind = kind,
        Method = method,
        ChannelId = channelId,
        SecurityStamp = account.SecurityStamp ?? string.Empty,
        Device = DeviceSummary.From(userAgent),
        CreatedAt = now,
        LastSeenAt = now,
        ExpiresAt = now + lifetime,
    };

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

public sealed class AccountSessionConfiguration : IEntityTypeConfiguration<AccountSession>
{
    public void Configure(EntityTypeBuilder<AccountSession> builder)
    {
        builder.ToTable("sessions");
        builder.HasKey(s => s.Id);
        builder.HasOne<Account>().WithMany().HasForeignKey(s => s.AccountId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(s => s.AccountId).HasDatabaseName("ix_sessions_account_id");
    }
}

/// <summary>A short, non-identifying name of the device a session was opened on ("Chrome · Android"), from its User-Agent.</summary>
public static class DeviceSummary
{
    private static readonly (string Token, string Name)[] Browsers =
    [
        ("MicroMessenger", "WeChat"), ("AlipayClient", "Alipay"), ("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"),
        ("CriOS/", "Chrome"), ("Chrome/", "Chrome"), ("Chromium/", "Chromium"), ("Safari/", "Safari"),
    ];

    private static readonly (string Token, string Name)[] Systems =
    [
        ("HarmonyOS", "HarmonyOS"), ("Android", "Android"), ("iPhone", "iOS"), ("iPad", "iPadOS"), ("Windows", "Windows"),
        ("Mac OS X", "macOS"), ("CrOS", "ChromeOS"), ("Linux", "Linux"),
    ];

    public static string? From(string? userAgent)
    {
        if (string.IsNullOrWhiteSpace(userAgent))
        {
            return null;
        }

        var browser = Browsers.FirstOrDefault(b => userAgent.Contains(b.Token, StringComparison.Ordinal)).Name;
        var system = Systems.FirstOrDefault(s => userAgent.Contains(s.Token, StringComparison.Ordinal)).Name;
        if (browser is not null || system is not null)
        {
            return string.Join(" · ", new[] { browser, system }.Where(p => p is not null));
        }

        // A program, not a browser ("curl/8.5", "okhttp/4.12"): its product name, letters and digits only.
        var product = new string(userAgent.TakeWhile(c => c != '/' && c != ' ').Where(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_').Take(32).ToArray());
        return product.Length > 0 ? product : null;
    }
}
