using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.Options;

namespace CityService.Core.Outbox;

/// <summary>
/// The "webhook" channel: POSTs the message's payload (JSON) to <c>Outbox:Webhook:Url</c> with the idempotency key in an
/// <c>Idempotency-Key</c> header, which the receiver uses to drop repeats. 2xx is delivered; 408, 429 and 5xx (and no
/// answer) are retried; any other status is a rejection.
/// </summary>
public sealed class WebhookSender(IHttpClientFactory clients, IOptions<OutboxOptions> options) : IOutboxSender
{
    public const string ChannelName = "webhook";

    public const string HttpClientName = "outbox-webhook";

    public string Channel => ChannelName;

    public async Task<OutboxSendResult> SendAsync(OutboxDelivery delivery, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, options.Value.Webhook.Url)
        {
            Content = new StringContent(delivery.Payload, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Idempotency-Key", delivery.IdempotencyKey.ToString());
        request.Headers.Add("X-Outbox-Attempt", delivery.Attempt.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        try
        {
            using var response = await clients.CreateClient(HttpClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
            var status = (int)response.StatusCode;
            return response.IsSuccessStatusCode ? OutboxSendResult.Delivered
                : status is 408 or 429 or >= 500 ? OutboxSendResult.Retry($"HTTP {status}")
                : OutboxSendResult.Reject($"HTTP {status}");
        }
        catch (HttpRequestException e)
        {
            return OutboxSendResult.Retry($"No answer: {e.HttpRequestError}");
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            return OutboxSendResult.Retry("No answer within the timeout");
        }
    }
}
