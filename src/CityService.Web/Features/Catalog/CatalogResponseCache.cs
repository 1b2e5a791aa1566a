using CityService.Core.Catalog;
using CityService.Core.Common;
using CityService.Web.Infrastructure;
using Microsoft.Extensions.Caching.Memory;

namespace CityService.Web.Features.Catalog;

/// <summary>
/// Finished catalog answers (serialized body + ETag) per request, so a repeated read costs a lookup instead of a
/// serialization and a hash (measured in docs/benchmarks.md). An entry is only used while the region's effective
/// catalog it was made from is still the current one, so it is never staler than <see cref="CatalogReader"/>'s cache.
/// Bounded in size because search text is free.
/// </summary>
public sealed class CatalogResponseCache : IDisposable
{
    private static readonly KeyValuePair<string, object?> Cache = new("cache", "catalog-answer");
    private static readonly KeyValuePair<string, object?> Hit = new("result", "hit");
    private static readonly KeyValuePair<string, object?> Miss = new("result", "miss");

    private readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = 64 * 1024 }); // in KiB: 64 MiB at most

    /// <summary>The cached answer for the key, if it was made from this very catalog snapshot.</summary>
    public PreparedJson? TryGet(object key, IReadOnlyList<EffectiveServiceItem> source)
    {
        var json = _cache.TryGetValue(key, out Entry? entry) && entry is not null && ReferenceEquals(entry.Source, source) ? entry.Json : null;
        PlatformMetrics.CacheLookups.Add(1, Cache, json is null ? Miss : Hit);
        return json;
    }

    public PreparedJson GetOrAdd(object key, IReadOnlyList<EffectiveServiceItem> source, Func<PreparedJson> create)
    {
        if (TryGet(key, source) is { } cached)
        {
            return cached;
        }

        var json = create();
        _cache.Set(key, new Entry(source, json), new MemoryCacheEntryOptions
        {
            Size = (json.Body.Length / 1024) + 1,
            AbsoluteExpirationRelativeToNow = CatalogReader.CacheLifetime * 2,
        });
        return json;
    }

    public void Dispose() => _cache.Dispose();

    private sealed record Entry(IReadOnlyList<EffectiveServiceItem> Source, PreparedJson Json);
}
