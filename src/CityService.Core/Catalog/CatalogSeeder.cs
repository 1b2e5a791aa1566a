using CityService.Core.Storage;
using Microsoft.EntityFrameworkCore;

namespace CityService.Core.Catalog;

/// <summary>
/// Loads the demo departments and catalog into an empty catalog. A catalog that has any department is left alone,
/// except that what V0010 added and the database lacks is filled in from the demo data: the halls when it has none,
/// department numbers never set, and the guide sections (conditions, steps, FAQ) of items that have none of them.
/// </summary>
public static class CatalogSeeder
{
    public static async Task<bool> SeedDemoAsync(CityDbContext db, TimeProvider time, CancellationToken ct)
    {
        // One transaction (BEGIN IMMEDIATE on SQLite) so two instances starting together cannot both seed.
        await using var tx = await db.Database.BeginTransactionAsync(System.Data.IsolationLevel.Serializable, ct);
        var now = time.GetUtcNow();
        if (await db.Departments.AnyAsync(ct))
        {
            await CompleteGuidesAsync(db, CatalogSeedData.Load(), now, ct);
            await tx.CommitAsync(ct);
            return false;
        }

        var data = CatalogSeedData.Load();
        foreach (var d in data.Departments)
        {
            var department = new Department(d.Region, d.Code, d.NameZh, d.NameEn);
            department.ListPhone(d.Phone);
            db.Departments.Add(department);
        }

        db.ServiceHalls.AddRange(data.Halls.Select(h => new ServiceHall(h.Region, h.Code, h.Name, h.Address, h.Hours, h.Phone, h.Fields ?? [])));
        foreach (var i in data.Items)
        {
            var item = new ServiceItem(
                i.Region, i.Code, i.Field, (i.DepartmentRegion, i.Department),
                new(i.NameZh, i.NameEn), new(i.DescriptionZh, i.DescriptionEn), i.Guide, now);
            item.RequireLevel(i.RequiredLevel ?? Identity.AssuranceLevel.L1, now);
            db.ServiceItems.Add(item);
        }

        foreach (var o in data.Overrides)
        {
            var row = new ServiceOverride(o.Region, o.Service, now);
            switch (o.Enabled)
            {
                case true: row.Enable(now); break;
                case false: row.Disable(now); break;
            }

            if (o.Department is not null)
            {
                row.AssignTo((o.DepartmentRegion ?? o.Region, o.Department), now);
            }

            row.ChangeGuide(o.Patch, now);
            db.ServiceOverrides.Add(row);
        }

        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return true;
    }

    private static async Task CompleteGuidesAsync(CityDbContext db, CatalogSeedData data, DateTimeOffset now, CancellationToken ct)
    {
        if (!await db.ServiceHalls.AnyAsync(ct))
        {
            var regions = await db.Regions.Select(r => r.Code).ToHashSetAsync(ct);
            db.ServiceHalls.AddRange(data.Halls.Where(h => regions.Contains(h.Region))
                .Select(h => new ServiceHall(h.Region, h.Code, h.Name, h.Address, h.Hours, h.Phone, h.Fields ?? [])));
        }

        var phones = data.Departments.Where(d => d.Phone is not null).ToDictionary(d => (d.Region, d.Code), d => d.Phone);
        foreach (var department in await db.Departments.Where(d => d.Phone == null).ToListAsync(ct))
        {
            if (phones.TryGetValue((department.RegionCode, department.Code), out var phone))
            {
                department.ListPhone(phone);
            }
        }

        var seeded = data.Items.ToDictionary(i => (i.Region, i.Code));
        foreach (var item in await db.ServiceItems.ToListAsync(ct))
        {
            if (item.Guide is { Conditions.Count: 0, Steps.Count: 0, Faq.Count: 0 } && seeded.TryGetValue((item.RegionCode, item.Code), out var row))
            {
                var demo = row.Guide;
                item.ReviseGuide(item.Guide with { Conditions = demo.Conditions, Steps = demo.Steps, Faq = demo.Faq, EnquiryPhone = item.Guide.EnquiryPhone ?? demo.EnquiryPhone }, now);
            }
        }

        await db.SaveChangesAsync(ct);
    }
}
