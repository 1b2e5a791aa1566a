using CityService.Core.Common;
using CityService.Core.Regions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;

namespace CityService.Core.Catalog;

/// <summary>
/// Answers catalog questions for a region with its effective items. The effective catalog of a region is
/// computed from at most four definition levels and kept per region for at most <see cref="CacheLifetime"/>;
/// an edit made through this instance calls <see cref="Invalidate"/>, other instances catch up within that time.
/// Rebuilds are single-flight (one per region at a time, however many readers ask), and a snapshot older than
/// <see cref="RefreshAfter"/> is rebuilt in the background while readers keep getting it, so under steady load
/// no reader waits for the database (ADR 014).
/// </summary>
public sealed class CatalogReader(IDbContextFactory<CityDbContext> dbFactory, RegionDirectory regions, IMemoryCache cache, TimeProvider time)
{
    public const int DefaultPageSize = 20;
    public const int MaxPageSize = 100;
    public const int MaxQueryLength = 100;

    /// <summary>The code of the level above the provinces, where nationally defined items live.</summary>
    public const string NationalCode = "100000";

    /// <summary>The oldest snapshot a reader is ever given (counted from when its rebuild started).</summary>
    public static readonly TimeSpan CacheLifetime = TimeSpan.FromSeconds(30);

    /// <summary>From this age on, the first reader starts a background rebuild; until <see cref="CacheLifetime"/> readers get the old one.</summary>
    public static readonly TimeSpan RefreshAfter = TimeSpan.FromSeconds(25);

    /// <summary>A region nobody read for this long gives its snapshot's memory back.</summary>
    private static readonly TimeSpan IdleEviction = TimeSpan.FromMinutes(10);

    private readonly Lock _slotsGate = new();
    private long _generation;
    private long _rebuilds;

    public void Invalidate() => Interlocked.Increment(ref _generation);

    /// <summary>How many times a region's effective catalog was computed from the database (for tests and diagnostics).</summary>
    public long Rebuilds => Interlocked.Read(ref _rebuilds);

    public async Task<Result<ServicePage>> SearchAsync(string regionCode, ServiceField? field, string? query, int page, int pageSize, CancellationToken ct) =>
        Search(await ForRegionAsync(regionCode, ct), field, query, page, pageSize);

    /// <summary>Filters and pages a region's effective catalog (as returned by <see cref="ForRegionAsync"/>).</summary>
    public static Result<ServicePage> Search(IReadOnlyList<EffectiveServiceItem> all, ServiceField? field, string? query, int page, int pageSize)
    {
        if (pageSize is < 1 or > MaxPageSize)
        {
            return Error.Invalid("pageSize", CatalogErrors.PageSizeOutOfRange,
                $"每页条数必须在 1 到 {MaxPageSize} 之间。", $"pageSize must be between 1 and {MaxPageSize}.");
        }

        if (page < 1)
        {
            return PageOutOfRange(1);
        }

        var q = query?.Trim();
        if (q is { Length: > MaxQueryLength })
        {
            return QueryTooLong();
        }

        var inField = all.Where(i => field is null || i.Field == field);
        var matching = string.IsNullOrEmpty(q) ? inField.ToList() : Ranked(inField, SearchSynonyms.Default.Expand(q));
        var lastPage = Math.Max(1, (matching.Count + pageSize - 1) / pageSize);
        if (page > lastPage)
        {
            return PageOutOfRange(lastPage);
        }

        return new ServicePage(matching.Skip((page - 1) * pageSize).Take(pageSize).ToList(), matching.Count, page, pageSize);
    }

    /// <summary>
    /// Searches the items every citizen can see without choosing a city: those defined nationally or by a province
    /// (each read from its own level's cached catalog, so an item appears once, with <see cref="EffectiveServiceItem.DefinedIn"/>
    /// saying where it is offered). Items a city or county defines for itself are found once the citizen chooses it.
    /// </summary>
    public async Task<Result<IReadOnlyList<EffectiveServiceItem>>> SearchEverywhereAsync(string? query, CancellationToken ct)
    {
        var q = query?.Trim();
        if (q is { Length: > MaxQueryLength })
        {
            return QueryTooLong();
        }

        if (string.IsNullOrEmpty(q))
        {
            return Result<IReadOnlyList<EffectiveServiceItem>>.Ok([]);
        }

        var levels = new List<string> { NationalCode };
        levels.AddRange(regions.ChildrenOf(NationalCode).Where(r => r.Level == RegionLevel.Province).Select(r => r.Code));
        var defined = new List<EffectiveServiceItem>();
        foreach (var level in levels)
        {
            defined.AddRange((await ForRegionAsync(level, ct)).Where(i => i.DefinedIn == level));
        }

        return Ranked(defined, SearchSynonyms.Default.Expand(q));
    }

    /// <summary>The items the terms match, best match first (a stable sort: equal ranks keep the catalog's order).</summary>
    private static List<EffectiveServiceItem> Ranked(IEnumerable<EffectiveServiceItem> items, IReadOnlyList<string> terms) =>
        items.Select(i => (Item: i, Rank: i.MatchRank(terms))).Where(x => x.Rank is not null).OrderBy(x => x.Rank).Select(x => x.Item).ToList();

    public async Task<Result<EffectiveServiceItem>> GetAsync(string regionCode, string serviceCode, CancellationToken ct) =>
        Find(await ForRegionAsync(regionCode, ct), serviceCode);

    /// <summary>One item of a region's effective catalog (as returned by <see cref="ForRegionAsync"/>).</summary>
    public static Result<EffectiveServiceItem> Find(IReadOnlyList<EffectiveServiceItem> all, string serviceCode)
    {
        if (!IsWellFormedServiceCode(serviceCode))
        {
            return Error.Invalid("serviceCode", CatalogErrors.ServiceCodeMalformed,
                "服务事项编码格式不正确（例如 TR-0001）。", "A service code looks like TR-0001 (letters, digits and hyphens).");
        }

        var item = all.FirstOrDefault(i => string.Equals(i.Code, serviceCode, StringComparison.OrdinalIgnoreCase));
        return item is null
            ? Error.NotFound(CatalogErrors.ServiceNotFound,
                $"本地区没有编码为 {serviceCode} 的服务事项。", $"There is no service {serviceCode} in this region.", "serviceCode")
            : item;
    }

    public async Task<IReadOnlyDictionary<ServiceField, int>> CountByFieldAsync(string regionCode, CancellationToken ct)
    {
        var all = await ForRegionAsync(regionCode, ct);
        return ServiceFields.Ordered.ToDictionary(f => f, f => all.Count(i => i.Field == f));
    }

    public static bool IsWellFormedServiceCode(string? code) =>
        code is { Length: >= 2 and <= 32 } && code.All(c => char.IsAsciiLetterOrDigit(c) || c == '-');

    /// <summary>Every enabled item the region sees, ordered by field and code.</summary>
    public async Task<IReadOnlyList<EffectiveServiceItem>> ForRegionAsync(string regionCode, CancellationToken ct) =>
        (await SnapshotForAsync(regionCode, ct)).Items;

    private static readonly KeyValuePair<string, object?> SnapshotCache = new("cache", "catalog-snapshot");
    private static readonly KeyValuePair<string, object?> Hit = new("result", "hit");
    private static readonly KeyValuePair<string, object?> Miss = new("result", "miss");

    private async Task<Snapshot> SnapshotForAsync(string regionCode, CancellationToken ct)
    {
        var slot = Slot(regionCode);
        var generation = Interlocked.Read(ref _generation);
        if (Volatile.Read(ref slot.Current) is { } current && current.Generation >= generation)
        {
            var age = time.GetUtcNow() - current.LoadedAt;
            if (age < RefreshAfter)
            {
                PlatformMetrics.CacheLookups.Add(1, SnapshotCache, Hit);
                return current;
            }

            if (age < CacheLifetime)
            {
                PlatformMetrics.CacheLookups.Add(1, SnapshotCache, Hit);
                _ = Rebuild(slot, regionCode, generation); // readers keep the old snapshot meanwhile
                return current;
            }
        }

        // No usable snapshot (first read, too old, or an edit through this instance): wait for the one rebuild.
        PlatformMetrics.CacheLookups.Add(1, SnapshotCache, Miss);
        return await Rebuild(slot, regionCode, generation).WaitAsync(ct);
    }

    private RegionSlot Slot(string regionCode)
    {
        var key = (nameof(CatalogReader), regionCode);
        if (cache.TryGetValue(key, out RegionSlot? slot) && slot is not null)
        {
            return slot;
        }

        lock (_slotsGate)
        {
            if (!cache.TryGetValue(key, out slot) || slot is null)
            {
                slot = cache.Set(key, new RegionSlot(), new MemoryCacheEntryOptions { SlidingExpiration = IdleEviction });
            }

            return slot;
        }
    }

    /// <summary>The rebuild of the region that is running for at least <paramref name="generation"/>, or a new one.</summary>
    private Task<Snapshot> Rebuild(RegionSlot slot, string regionCode, long generation)
    {
        Task<Snapshot> task;
        lock (slot)
        {
            if (slot.Running is { } running && running.Generation >= generation)
            {
                return running.Task;
            }

            var started = time.GetUtcNow();
            var startedGeneration = Interlocked.Read(ref _generation);
            task = Task.Run(async () =>
            {
                Interlocked.Increment(ref _rebuilds);
                return await ComputeAsync(regionCode, startedGeneration, started, CancellationToken.None);
            });
            slot.Running = new RunningRebuild(startedGeneration, task);
        }

        _ = task.ContinueWith(
            done =>
            {
                lock (slot)
                {
                    if (done.IsCompletedSuccessfully
                        && (slot.Current is not { } old || (done.Result.Generation, done.Result.LoadedAt).CompareTo((old.Generation, old.LoadedAt)) > 0))
                    {
                        Volatile.Write(ref slot.Current, done.Result);
                    }

                    if (ReferenceEquals(slot.Running?.Task, done))
                    {
                        slot.Running = null; // a failed rebuild is retried by the next reader
                    }
                }

                _ = done.Exception; // observed: a background rebuild's failure reaches the next waiting reader instead
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
        return task;
    }

    /// <summary>
    /// Computes a region's snapshot. Most of China's 2,851 counties define nothing of their own (no item, override,
    /// department or hall): their effective catalog is their parent's, so they share the parent's snapshot (its items and
    /// its age) instead of holding a copy each — with every region read once, 160 KiB × 3,216 regions would otherwise stay in memory.
    /// </summary>
    private async Task<Snapshot> ComputeAsync(string regionCode, long generation, DateTimeOffset started, CancellationToken ct)
    {
        var chain = regions.SelfAndAncestorCodes(regionCode).ToList(); // nearest first
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var items = await db.ServiceItems.AsNoTracking().Where(i => chain.Contains(i.RegionCode)).ToListAsync(ct);
        var overrides = await db.ServiceOverrides.AsNoTracking().Where(o => chain.Contains(o.RegionCode)).ToListAsync(ct);
        var departments = await db.Departments.AsNoTracking().Where(d => chain.Contains(d.RegionCode))
            .ToDictionaryAsync(d => (d.RegionCode, d.Code), d => (Name: new LocalizedText(d.NameZh, d.NameEn), d.Phone), ct);
        var halls = await db.ServiceHalls.AsNoTracking().Where(h => chain.Contains(h.RegionCode)).ToListAsync(ct);
        if (chain.Count > 1
            && !items.Any(i => i.RegionCode == regionCode) && !overrides.Any(o => o.RegionCode == regionCode)
            && !departments.Keys.Any(d => d.RegionCode == regionCode) && !halls.Any(h => h.RegionCode == regionCode))
        {
            return await SnapshotForAsync(chain[1], ct);
        }

        int Rank(string code) => chain.IndexOf(code) is var i and >= 0 ? i : int.MaxValue;

        // A region with a hall for the field hides its ancestors' halls for that field, as a nearer definition hides a farther one.
        var hallsByField = ServiceFields.Ordered.ToDictionary(f => f, f => (IReadOnlyList<HallRef>)NearestHalls(halls, f, Rank));

        var result = new List<EffectiveServiceItem>();
        foreach (var definition in items.GroupBy(i => i.Code, StringComparer.Ordinal).Select(g => g.MinBy(i => Rank(i.RegionCode))!))
        {
            // Farthest first, so nearer overrides replace what farther ones set.
            var chainOverrides = overrides
                .Where(o => o.ServiceCode == definition.Code && Rank(o.RegionCode) <= Rank(definition.RegionCode))
                .OrderByDescending(o => Rank(o.RegionCode))
                .ToList();

            var enabled = true;
            var guide = definition.Guide;
            var department = (definition.DepartmentRegionCode, definition.DepartmentCode);
            var updated = definition.UpdatedAt;
            foreach (var o in chainOverrides)
            {
                enabled = o.Enabled ?? enabled;
                guide = o.Patch.ApplyTo(guide);
                if (o.DepartmentRegionCode is { } dr && o.DepartmentCode is { } dc)
                {
                    department = (dr, dc);
                }

                updated = o.UpdatedAt > updated ? o.UpdatedAt : updated;
            }

            if (!enabled)
            {
                continue;
            }

            var (departmentName, departmentPhone) = departments.TryGetValue(department, out var known)
                ? known
                : (new LocalizedText(department.Item2, department.Item2), (string?)null);
            result.Add(new EffectiveServiceItem(
                definition.Code,
                definition.Field,
                definition.RegionCode,
                chainOverrides.Select(o => o.RegionCode).ToList(),
                new DepartmentRef(department.Item1, department.Item2, departmentName, departmentPhone),
                new LocalizedText(definition.NameZh, definition.NameEn),
                new LocalizedText(definition.DescriptionZh, definition.DescriptionEn),
                guide,
                definition.RequiredLevel,
                updated)
            {
                Halls = hallsByField[definition.Field],
            });
        }

        return new Snapshot(result.OrderBy(i => i.Field).ThenBy(i => i.Code, StringComparer.Ordinal).ToList(), generation, started);
    }

    private static List<HallRef> NearestHalls(List<ServiceHall> halls, ServiceField field, Func<string, int> rank)
    {
        var nearest = halls.Where(h => h.Serves(field)).GroupBy(h => h.RegionCode).MinBy(g => rank(g.Key));
        if (nearest is null)
        {
            return [];
        }

        // The department's own hall for the field first, then the general government service centre.
        return nearest
            .OrderBy(h => h.Fields.Count == 0 ? 1 : 0).ThenBy(h => h.Code, StringComparer.Ordinal)
            .Select(h => new HallRef(h.RegionCode, h.Code, new(h.NameZh, h.NameEn), new(h.AddressZh, h.AddressEn), new(h.HoursZh, h.HoursEn), h.Phone))
            .ToList();
    }

    private sealed record Snapshot(IReadOnlyList<EffectiveServiceItem> Items, long Generation, DateTimeOffset LoadedAt);

    private sealed record RunningRebuild(long Generation, Task<Snapshot> Task);

    private sealed class RegionSlot
    {
        public Snapshot? Current;
        public RunningRebuild? Running;
    }

    private static Error QueryTooLong() => Error.Invalid("q", CatalogErrors.QueryTooLong,
        $"搜索词最长 {MaxQueryLength} 个字符。", $"The search text may be at most {MaxQueryLength} characters.");

    private static Error PageOutOfRange(int lastPage) => Error.Invalid("page", CatalogErrors.PageOutOfRange,
        $"页码超出范围：应在 1 到 {lastPage} 之间。", $"page is out of range: it must be between 1 and {lastPage}.");
}
