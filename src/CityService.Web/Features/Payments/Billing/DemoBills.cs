using CityService.Core.Catalog;
using CityService.Core.Identity;
using CityService.Core.Identity.Clients;
using CityService.Core.Payments.Billing;
using CityService.Core.Storage;
using CityService.RegistrySimulator;
using Microsoft.EntityFrameworkCore;

namespace CityService.Web.Features.Payments.Billing;

/// <summary>
/// Local-run demo bills (Seed:Demo) in Hangzhou, documented in the README: for the L2 demo citizen (person 1 of the
/// registry simulator) traffic fines from PSB (one overdue with a late fee) and a social-security contribution from
/// HRSS; a plate fine; water and electricity bills by utility account with a second factor. The water and power
/// companies are not government departments and not in the service catalog: they are added here as billers of 330100
/// (HZWATER, HZPOWER), so the catalog stays what it is. Also the demo PSB department system (scope bills:write).
/// Once per database: nothing happens when the demo bills exist.
/// </summary>
public static class DemoBills
{
    public const string ClientId = "demo-psb-bills";

    /// <summary>Local only, documented in the README; never on a server real people use.</summary>
    public const string ClientSecret = "demo-psb-bills-secret-local-only";

    public const string Plate = "浙AD12345";
    public const string ViolationNumber = "3301042026000123";
    public const string WaterAccount = "3301000123";
    public const string WaterHolderLast = "明";
    public const string PowerAccount = "0571880002";
    public const string PowerPhoneLast4 = "0002";

    public static async Task SeedAsync(IServiceProvider services, CancellationToken ct)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CityDbContext>();
        if (await db.Bills.AnyAsync(b => b.RegionCode == "330100" && b.Reference.StartsWith("DEMO-"), ct))
        {
            return;
        }

        var time = scope.ServiceProvider.GetRequiredService<TimeProvider>();
        var protector = scope.ServiceProvider.GetRequiredService<PersonalDataProtector>();
        var now = time.GetUtcNow();
        foreach (var (code, zh, en) in new[] { ("HZWATER", "杭州市水务集团有限公司", "Hangzhou Water Group"), ("HZPOWER", "国网杭州供电公司", "State Grid Hangzhou Power Supply Company") })
        {
            if (!await db.Departments.AnyAsync(d => d.RegionCode == "330100" && d.Code == code, ct))
            {
                db.Departments.Add(new Department("330100", code, zh, en));
            }
        }

        if (await db.ApiClients.FindAsync([ClientId], ct) is null)
        {
            db.ApiClients.Add(ApiClient.ForDepartment(ClientId, "杭州市公安局缴费系统（演示）", "Hangzhou PSB billing system (demo)",
                protector.Encrypt(ClientSecret, "client-secret"), [Scopes.BillsWrite], "330100", "PSB", now));
        }

        await db.SaveChangesAsync(ct);

        var bills = scope.ServiceProvider.GetRequiredService<BillService>();
        var today = BillDates.Today(now);
        string Day(int days) => BillDates.Format(today.AddDays(days));
        var idNumber = SimulatedPersons.All[1].IdNumber;
        var citizen = new BillPayerInput("citizen", IdNumber: idNumber);
        var psb = new BillIssuer(ClientId, "330100", "PSB");
        var demo = new (BillIssuer Issuer, BillPush Push)[]
        {
            (psb, new("DEMO-PSB-0001", "交通违法罚款（超速）", "Traffic fine (speeding)",
                [new(Core.Payments.RevenueHeads.Fine, 20000, "超速 20% 以下", "Speeding under 20 %")], Day(15), new(30, 20000), citizen)),
            (psb, new("DEMO-PSB-0002", "交通违法罚款（违停）", "Traffic fine (parking)",
                [new(Core.Payments.RevenueHeads.Fine, 10000, "违法停车", "Illegal parking")], Day(-10), new(30, 10000), citizen)),
            (psb, new("DEMO-PSB-0003", "交通违法罚款（闯红灯）", "Traffic fine (red light)",
                [new(Core.Payments.RevenueHeads.Fine, 20000, "闯红灯", "Running a red light")], Day(12), new(30, 20000),
                new BillPayerInput("plate", Plate: Plate, ViolationNumber: ViolationNumber))),
            (new BillIssuer(ClientId, "330100", "HRSS"), new("DEMO-HRSS-2026-11", "城乡居民养老保险费（2026 年度）", "Residents' pension contribution (2026)",
                [new(Core.Payments.RevenueHeads.Contribution, 126000, "个人缴费档次 1260 元", "Personal contribution band ¥1,260")], Day(20), null, citizen)),
            (new BillIssuer(ClientId, "330100", "HZWATER"), new("DEMO-WATER-2026-10", "水费（2026 年 10 月）", "Water (October 2026)",
                [new(Core.Payments.RevenueHeads.Utility, 4860, "用水 12 吨", "12 m³ of water")], Day(8), new(1, 4860),
                new BillPayerInput("utility-account", AccountNumber: WaterAccount, SecondFactorKind: SecondFactorKinds.HolderNameLast, SecondFactor: WaterHolderLast))),
            (new BillIssuer(ClientId, "330100", "HZPOWER"), new("DEMO-POWER-2026-10", "电费（2026 年 10 月）", "Electricity (October 2026)",
                [new(Core.Payments.RevenueHeads.Utility, 15380, "用电 285 千瓦时", "285 kWh")], Day(8), new(1, 15380),
                new BillPayerInput("utility-account", AccountNumber: PowerAccount, SecondFactorKind: SecondFactorKinds.PhoneLast4, SecondFactor: PowerPhoneLast4))),
        };
        foreach (var (issuer, push) in demo)
        {
            var pushed = await bills.PushAsync(issuer, push, ct);
            if (!pushed.IsOk)
            {
                throw new InvalidOperationException($"Demo bill {push.Reference}: {pushed.Error.Code}"); // a bug in the demo data
            }
        }
    }
}
