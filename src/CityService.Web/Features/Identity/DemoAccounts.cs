using CityService.Core.Identity;
using CityService.Core.Identity.Consent;
using CityService.Core.Identity.Staff;
using CityService.Core.Storage;
using CityService.RegistrySimulator;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace CityService.Web.Features.Identity;

/// <summary>
/// Local-run demo accounts (Seed:Demo): generated phone numbers and passwords, documented in the README as local-only.
/// Created once into a database that has no accounts yet.
/// </summary>
public static class DemoAccounts
{
    public sealed record Demo(string Phone, string Password, AccountKind Kind, string Description, (string Region, string Department, StaffRole Role)? Role = null, int? VerifiedPerson = null);

    public static readonly Demo[] All =
    [
        new("13800000001", "demo-citizen-1", AccountKind.Citizen, "citizen, L1"),
        new("13800000002", "demo-citizen-2", AccountKind.Citizen, "citizen, L2 (generated person 1 of the registry simulator)", VerifiedPerson: 1),
        new("13900000001", "demo-clerk-1", AccountKind.Staff, "clerk, Hangzhou Public Security Bureau", ("330100", "PSB", StaffRole.Clerk)),
        new("13900000002", "demo-approver-1", AccountKind.Staff, "approver, Hangzhou Public Security Bureau", ("330100", "PSB", StaffRole.Approver)),
        new("13900000003", "demo-admin-1", AccountKind.Staff, "dept-admin, Hangzhou Public Security Bureau", ("330100", "PSB", StaffRole.DeptAdmin)),
        new("13900000004", "demo-clerk-2", AccountKind.Staff, "clerk, Hangzhou Human Resources and Social Security", ("330100", "HRSS", StaffRole.Clerk)),
        new("13700000001", "demo-operator-1", AccountKind.Operator, "platform-admin"),
    ];

    public static async Task SeedAsync(IServiceProvider services, CancellationToken ct)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CityDbContext>();
        if (await db.Accounts.AnyAsync(ct))
        {
            return;
        }

        var protector = scope.ServiceProvider.GetRequiredService<PersonalDataProtector>();
        var now = scope.ServiceProvider.GetRequiredService<TimeProvider>().GetUtcNow();
        var hasher = new PasswordHasher<Account>();
        var documents = scope.ServiceProvider.GetRequiredService<ConsentDocuments>();
        var accounts = new Account[All.Length];
        for (var i = 0; i < All.Length; i++)
        {
            var demo = All[i];
            accounts[i] = await db.FindOrOpenAccountAsync(demo.Kind, protector.BlindIndex(demo.Phone, "phone"), () => protector.Encrypt(demo.Phone, "phone"), now, ct);
        }

        // Each hash is deliberately slow (PBKDF2, ~0.1 s): hash them side by side, not one after another, at first start.
        await Parallel.ForAsync(0, All.Length, ct, (i, _) =>
        {
            accounts[i].PasswordHash = hasher.HashPassword(accounts[i], All[i].Password);
            return ValueTask.CompletedTask;
        });
        foreach (var (demo, account) in All.Zip(accounts))
        {
            if (demo.VerifiedPerson is { } index)
            {
                var person = SimulatedPersons.All[index];
                account.ConfirmIdentity(protector.Encrypt(person.Name, "name"), protector.BlindIndex(person.IdNumber, "id-number"),
                    protector.Encrypt(person.IdNumber, "id-number"), "DEMO-SEED", now);

                // A verified demo citizen has given the separate consent that verification needs, as a real one would have.
                db.Add(ConsentRecord.Give(account.Id, ConsentKind.SensitiveIdentity, documents.Privacy, ConsentChannel.Page, now));
            }

            if (demo.Role is { } role)
            {
                db.StaffAssignments.Add(new StaffAssignment(role.Region, role.Department, account.Id, role.Role, now));
            }
        }

        await db.SaveChangesAsync(ct);
    }
}
