using CityService.Core.Common;

namespace CityService.Core.Identity.SignIn;

/// <summary>Sends a text message. Implementations other than the local console sender must never log the text.</summary>
public interface ISmsSender
{
    /// <summary>True only for the local development sender that writes messages to the server log.</summary>
    bool WritesToLog { get; }

    Task SendAsync(PhoneNumber to, LocalizedText message, CancellationToken ct);
}
