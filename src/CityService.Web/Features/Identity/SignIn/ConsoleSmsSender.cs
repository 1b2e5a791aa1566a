using CityService.Core.Common;
using CityService.Core.Identity;
using CityService.Core.Identity.SignIn;

namespace CityService.Web.Features.Identity.SignIn;

/// <summary>The local-run sender: writes the message (code included) to the server log instead of sending it.</summary>
public sealed partial class ConsoleSmsSender(ILogger<ConsoleSmsSender> logger) : ISmsSender
{
    public bool WritesToLog => true;

    public Task SendAsync(PhoneNumber to, LocalizedText message, CancellationToken ct)
    {
        LogMessage(to.Masked, message.Zh);
        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "SMS (console sender, local runs only) to {Phone}: {Text}")]
    private partial void LogMessage(string phone, string text);
}
