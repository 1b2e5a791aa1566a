using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.RegularExpressions;
using CityService.Core.Common;
using CityService.Core.Identity;
using CityService.Core.Identity.SignIn;

namespace CityService.Core.Notifications.Senders;

/// <summary>
/// The platform's <see cref="ISmsSender"/> (sign-in codes, staff invitations): straight through the configured gateway,
/// now, never through the outbox — a code must arrive at once and must not rest in a table. The text goes in the
/// request's language, without the signature the caller wrote (the gateway adds its own). A refusal throws
/// <see cref="SmsNotSentException"/>, which the sign-in turns into a 503 problem.
/// </summary>
public sealed partial class GatewaySmsSender(ISmsGateway gateway, bool writesToLog = false) : ISmsSender
{
    /// <summary>True where the gateway simulator also writes each text to the log (local runs).</summary>
    public bool WritesToLog => writesToLog;

    public async Task SendAsync(PhoneNumber to, LocalizedText message, CancellationToken ct)
    {
        var english = CultureInfo.CurrentUICulture.TwoLetterISOLanguageName == "en";
        var result = await gateway.SendAsync(to, WithoutSignature(message.In(english)), Guid.CreateVersion7().ToString("D"), ct);
        if (!result.Delivered)
        {
            throw new SmsNotSentException(result.Code);
        }
    }

    /// <summary>The text without a leading signature (【城市服务】 or [CityService]): the gateway puts its registered one in front.</summary>
    [return: NotNullIfNotNull(nameof(text))]
    public static string? WithoutSignature(string? text) => text is null ? null : Signature().Replace(text, string.Empty, 1);

    [GeneratedRegex(@"^\s*(【[^】]{1,20}】|\[[^\]]{1,30}\])\s*")]
    private static partial Regex Signature();
}
