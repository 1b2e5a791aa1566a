using CityService.Core.Storage;
using Microsoft.EntityFrameworkCore;

namespace CityService.Core.Catalog;

/// <summary>Loads the demo departments and catalog into an empty catalog; a catalog that has any department is left alone.</summary>
public static class CatalogSeeder
{
    public static async Task<bool> SeedDemoAsync(CityDbContext db, TimeProvider time, CancellationToken ct)
    {
        // One transaction (BEGIN IMMEDIATE on SQLite) so two instances starting together cannot both seed.
        await using var tx = await db.Database.BeginTransactionAsync(System.Data.IsolationLevel.Serializable, ct);
        if (await db.Departments.AnyAsync(ct))
        {
            return false;
        }

        var now = time.GetUtcNow();
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
}
