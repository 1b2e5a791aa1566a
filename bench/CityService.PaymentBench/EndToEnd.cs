using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace CityService.PaymentBench;

/// <summary>How the driver tells the platform that the wallet took the money: the channel's signed notification.</summary>
public interface INoticeSender
{
    string Channel { get; }

    /// <summary>Builds the signed notification of a paid order (the CPU-heavy part, done before timing starts where the
    /// channel signs with RSA).</summary>
    HttpRequestMessage Build(Guid orderId, long amountFen, int sequence);

    /// <summary>Whether the platform's answer means "accepted" (Alipay: body <c>success</c>; others: 2xx).</summary>
    bool Accepted(HttpResponseMessage response, string body);
}

/// <summary>The outcome of a load run.</summary>
public sealed record RunResult(int Clients, long Paid, long Errors, double Seconds, long[] Total, long[] Create, long[] Notify)
{
    public double PerSecond => Paid / Seconds;

    public void Print(string what)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{what}: {Clients} clients, {Paid} paid bills in {Seconds:F1} s = {PerSecond:F0} paid bills/s, {Errors} errors"));
        Console.WriteLine("  create → notified (one payment): " + Latencies.Summary(Total));
        Console.WriteLine("  POST /api/payments:              " + Latencies.Summary(Create));
        Console.WriteLine("  notification:                    " + Latencies.Summary(Notify));
    }
}

/// <summary>
/// The end-to-end path, a closed loop per client: POST /api/payments (one bill, a fresh Idempotency-Key) → the
/// channel's signed notification for that order (verified → IPaymentNotices: bill paid, ledger posted, citizen notified
/// through the outbox, one transaction) → the next bill. Requests that fail (status, connection refused while the
/// host is down in the crash run) count as errors; the client then moves on to its next bill.
/// </summary>
public sealed class EndToEnd(HttpClient http, INoticeSender notices, TextWriter? acknowledged)
{
    private readonly Lock ackLock = new();
    private int acknowledgedCount;

    /// <summary>How many payments the platform has acknowledged so far (notification accepted).</summary>
    public int Acknowledged => Volatile.Read(ref acknowledgedCount);

    /// <param name="stop">Ends the run early: each client finishes the payment it is on (its requests are not cut off) and stops.</param>
    public async Task<RunResult> RunAsync(IReadOnlyList<BenchClient> clients, TimeSpan warmup, TimeSpan duration, CancellationToken stop)
    {
        var ct = CancellationToken.None;
        var total = new Latencies(clients.Count);
        var create = new Latencies(clients.Count);
        var notify = new Latencies(clients.Count);
        long paid = 0, errors = 0, sequence = 0;
        var startAt = DateTime.UtcNow + warmup;
        var stopAt = startAt + duration;
        var measured = Stopwatch.StartNew();
        await Task.WhenAll(clients.Select(client => Task.Run(async () =>
        {
            foreach (var bill in client.Bills)
            {
                var now = DateTime.UtcNow;
                if (now >= stopAt || stop.IsCancellationRequested)
                {
                    break;
                }

                var timed = now >= startAt;
                var t0 = Stopwatch.GetTimestamp();
                try
                {
                    var order = await CreateAsync(client, bill, ct);
                    var t1 = Stopwatch.GetTimestamp();
                    if (order is null)
                    {
                        Count(timed, ref errors);
                        continue;
                    }

                    using var request = notices.Build(order.Value.Id, order.Value.AmountFen, (int)Interlocked.Increment(ref sequence));
                    using var response = await http.SendAsync(request, ct);
                    var body = await response.Content.ReadAsStringAsync(ct);
                    var t2 = Stopwatch.GetTimestamp();
                    if (!notices.Accepted(response, body))
                    {
                        Count(timed, ref errors);
                        continue;
                    }

                    Acknowledge(order.Value.Id, bill);
                    if (timed)
                    {
                        Interlocked.Increment(ref paid);
                        total.Add(client.Index, Micros(t0, t2));
                        create.Add(client.Index, Micros(t0, t1));
                        notify.Add(client.Index, Micros(t1, t2));
                    }
                }
                catch (HttpRequestException)
                {
                    Count(timed, ref errors); // the host is down (crash run) or refused the connection
                    await Task.Delay(50, CancellationToken.None); // pacing while it restarts, rather than burning through the bills
                }
                catch (TaskCanceledException)
                {
                    Count(timed, ref errors); // timeout
                }
            }
        }, CancellationToken.None)));
        var seconds = Math.Max(0.001, (Math.Min(measured.Elapsed.TotalSeconds, (warmup + duration).TotalSeconds) - warmup.TotalSeconds));
        return new RunResult(clients.Count, paid, errors, seconds, total.Sorted(), create.Sorted(), notify.Sorted());
    }

    private async Task<(Guid Id, long AmountFen)?> CreateAsync(BenchClient client, Guid bill, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/payments")
        {
            Content = JsonContent.Create(new { billIds = new[] { bill }, channel = notices.Channel }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", client.Token);
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString("N"));
        request.Headers.Add("X-Forwarded-For", client.ForwardedFor);
        using var response = await http.SendAsync(request, ct);
        var body = await response.Content.ReadAsStringAsync(ct);
        if (!response.IsSuccessStatusCode)
        {
            Report($"POST /api/payments answered {(int)response.StatusCode}: {body}");
            return null;
        }

        var json = JsonDocument.Parse(body).RootElement;
        return (json.GetProperty("id").GetGuid(), json.GetProperty("amountFen").GetInt64());
    }

    private void Acknowledge(Guid order, Guid bill)
    {
        Interlocked.Increment(ref acknowledgedCount);
        if (acknowledged is null)
        {
            return;
        }

        lock (ackLock)
        {
            acknowledged.WriteLine($"{order:N} {bill:N}");
            acknowledged.Flush(); // what the platform acknowledged is on disk before the next request
        }
    }

    private static int reported;

    private static void Report(string message)
    {
        if (Interlocked.Increment(ref reported) <= 5)
        {
            Console.Error.WriteLine(message.Length > 400 ? message[..400] : message);
        }
    }

    private static void Count(bool timed, ref long errors)
    {
        if (timed)
        {
            Interlocked.Increment(ref errors);
        }
    }

    private static long Micros(long from, long to) => (long)Stopwatch.GetElapsedTime(from, to).TotalMicroseconds;
}
