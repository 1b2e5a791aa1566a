using System.Globalization;
using System.Net.Http.Headers;
using CityService.Core.Payments;
using CityService.Core.Payments.Channels.Sandbox;

namespace CityService.PaymentBench;

/// <summary>The channels' signed notifications as the wallets (and the sandbox) send them.</summary>
public static class NoticeSenders
{
    /// <param name="options">The driver's arguments: <c>--sandbox-key</c> (base64, the host's <c>Payments:Channels:Sandbox:Key</c>).</param>
    public static INoticeSender For(string channel, string[] options) => channel switch
    {
        PaymentChannels.Sandbox => new Sandbox(SandboxKey.From(Option(options, "sandbox-key") ?? throw new ArgumentException("--sandbox-key is required for the sandbox channel"))),
        _ => throw new ArgumentException($"channel '{channel}' has no notice sender in the bench (yet)"),
    };

    private static string? Option(string[] args, string name) => Array.IndexOf(args, "--" + name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;

    /// <summary>The sandbox's notice: JSON signed with HMAC-SHA256 (header Sandbox-Signature), answered 200 with the outcome.
    /// HMAC costs about a microsecond, so it is signed in the loop, not before timing.</summary>
    private sealed class Sandbox(SandboxKey key) : INoticeSender
    {
        public string Channel => PaymentChannels.Sandbox;

        public HttpRequestMessage Build(Guid orderId, long amountFen, int sequence)
        {
            var tradeNo = string.Create(CultureInfo.InvariantCulture, $"SBX{orderId:N}")[..32].ToUpperInvariant();
            var (body, signature) = key.Sign(new SandboxNotice(orderId.ToString("N"), tradeNo, amountFen, DateTimeOffset.UtcNow, $"bench-{orderId:N}"));
            var content = new ByteArrayContent(body);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            var request = new HttpRequestMessage(HttpMethod.Post, "/api/channels/sandbox/notify") { Content = content };
            request.Headers.Add(SandboxKey.SignatureHeader, signature);
            return request;
        }

        public bool Accepted(HttpResponseMessage response, string body) =>
            response.IsSuccessStatusCode && body.Contains("\"applied\"", StringComparison.Ordinal);
    }
}
