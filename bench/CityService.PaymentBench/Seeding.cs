using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using CityService.Core.Identity;
using CityService.Core.Payments;
using CityService.Core.Storage;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace CityService.PaymentBench;

/// <summary>One driver client: a verified citizen with a bearer token and the open bills it pays, one per order.</summary>
public sealed record BenchClient(int Index, Guid AccountId, string Token, string ForwardedFor, IReadOnlyList<Guid> Bills);

/// <summary>
/// Everything made before timing starts: citizens (verified: their ID number's blind index is the bills' payer key),
/// their bills (written straight into the database through the Core types), and one API session per citizen (password
/// sign-in over HTTP, each client from its own X-Forwarded-For address so the per-address sign-in limit does not bite).
/// </summary>
public static class Seeding
{
    public const string Region = "330100";
    public const string Department = "PSB";
    public const long BillFen = 20_000; // ¥200.00, a traffic fine

    public static async Task<IReadOnlyList<BenchClient>> SeedAsync(
        StorageSettings storage, PersonalDataProtector protector, HttpClient http, int clients, int billsPerClient, string tag, CancellationToken ct)
    {
        var options = new DbContextOptionsBuilder<CityDbContext>();
        storage.Configure(options);
        var now = DateTimeOffset.UtcNow;
        var hasher = new PasswordHasher<Account>();
        var accounts = new Account[clients];
        var phones = new string[clients];
        var bills = new List<Guid>[clients];
        await using (var db = new CityDbContext(options.Options))
        {
            var run = (int)(now.ToUnixTimeSeconds() % 1_000_000);
            for (var i = 0; i < clients; i++)
            {
                phones[i] = string.Create(CultureInfo.InvariantCulture, $"176{run % 10_000:D4}{i:D4}"); // 11 digits, 176 is a mobile prefix
                var idNumber = ResidentIdNumber.Generate(Region, new DateOnly(1980, 1, 1).AddDays(run % 9000), i % 1000);
                var phone = phones[i];
                var account = await db.FindOrOpenAccountAsync(AccountKind.Citizen, protector.BlindIndex(phone, "phone"), () => protector.Encrypt(phone, "phone"), now, ct);
                account.ConfirmIdentity(protector.Encrypt("压测用户", "name"), protector.BlindIndex(idNumber, "id-number"), protector.Encrypt(idNumber, "id-number"), "BENCH", now);
                accounts[i] = account;
            }

            Parallel.For(0, clients, i => accounts[i].PasswordHash = hasher.HashPassword(accounts[i], Password(i)));
            await db.SaveChangesAsync(ct);
            var today = DateOnly.FromDateTime(now.UtcDateTime.AddHours(8));
            for (var i = 0; i < clients; i++)
            {
                bills[i] = new List<Guid>(billsPerClient);
                for (var b = 0; b < billsPerClient; b++)
                {
                    var reference = string.Create(CultureInfo.InvariantCulture, $"BENCH-{tag}-{i}-{b}");
                    var bill = Bill.Issue(Region, Department, reference, "交通违法罚款（压测）", "Traffic fine (benchmark)", BillPayerKind.Citizen,
                        accounts[i].IdNumberIndex!, null, null, null, [new BillLine(RevenueHeads.Fine, BillFen, "罚款", "Fine")],
                        today.AddDays(30), 0, 0, reference, now);
                    db.Bills.Add(bill);
                    bills[i].Add(bill.Id);
                }

                if (i % 8 == 7)
                {
                    await db.SaveChangesAsync(ct);
                    db.ChangeTracker.Clear();
                }
            }

            await db.SaveChangesAsync(ct);
        }

        var policies = await http.GetFromJsonAsync<JsonElement>("/api/site/policies", ct);
        string? Version(string kind) => policies.EnumerateArray().FirstOrDefault(p => p.GetProperty("kind").GetString()!.Contains(kind, StringComparison.OrdinalIgnoreCase)) is { ValueKind: JsonValueKind.Object } p
            ? p.GetProperty("version").GetString() : null;
        var agreed = new { terms = Version("terms"), privacy = Version("privacy") };
        var result = new BenchClient[clients];
        await Parallel.ForAsync(0, clients, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct }, async (i, token) =>
        {
            var forwarded = string.Create(CultureInfo.InvariantCulture, $"10.77.{i / 250}.{i % 250 + 1}");
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/auth/password") { Content = JsonContent.Create(new { phone = phones[i], password = Password(i), agreed }) };
            request.Headers.Add("X-Forwarded-For", forwarded);
            using var response = await http.SendAsync(request, token);
            var body = await response.Content.ReadAsStringAsync(token);
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"sign-in of bench citizen {i} answered {(int)response.StatusCode}: {body}");
            }

            var tokenValue = JsonDocument.Parse(body).RootElement.GetProperty("accessToken").GetString()!;
            result[i] = new BenchClient(i, accounts[i].Id, tokenValue, forwarded, bills[i]);
        });
        return result;
    }

    private static string Password(int i) => string.Create(CultureInfo.InvariantCulture, $"bench-pay-{i:D4}-pw");
}
