using System.Data.Common;
using System.Diagnostics;
using CityService.Core.Catalog;
using CityService.Core.Regions;
using CityService.Core.Storage;
using CityService.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Time.Testing;

namespace CityService.Tests.Catalog;

/// <summary>
/// The per-region catalog cache under concurrent readers (ADR 014): one rebuild per region however many readers
/// ask, readers of an ageing snapshot are not kept waiting, and nothing older than the lifetime is served.
/// A gate on the real database's service_items query counts the rebuilds and holds one open while readers arrive.
/// </summary>
public abstract class CatalogRebuildTests(AppFixture app)
{
    private const string Hangzhou = "330100";
    private const int Readers = 50;
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 22, 2, 0, 0, TimeSpan.Zero));
    private readonly ServiceItemsGate _gate = new();

    private CatalogReader NewReader()
    {
        var options = new DbContextOptionsBuilder<CityDbContext>();
        app.Storage.Configure(options);
        options.AddInterceptors(_gate);
        return new CatalogReader(new PooledDbContextFactory<CityDbContext>(options.Options), app.Service<RegionDirectory>(), new MemoryCache(new MemoryCacheOptions()), _time);
    }

    /// <summary>Starts <see cref="Readers"/> reads on pool threads at once and returns when every one has either finished or is waiting.</summary>
    private static async Task<List<Task<IReadOnlyList<EffectiveServiceItem>>>> ConcurrentReads(CatalogReader reader)
    {
        var called = 0;
        var reads = Enumerable.Range(0, Readers).Select(_ => Task.Run(async () =>
        {
            var read = reader.ForRegionAsync(Hangzhou, CancellationToken.None); // returns once it has joined a rebuild or has its answer
            Interlocked.Increment(ref called);
            return await read;
        })).ToList();
        await Until(() => Volatile.Read(ref called) == Readers);
        return reads;
    }

    /// <summary>Readers arrive while the rebuild is held at the gate: all of them must be waiting for it; then it runs.</summary>
    private async Task<IReadOnlyList<EffectiveServiceItem>[]> ReadersWaitingForOneRebuild(CatalogReader reader)
    {
        _gate.Close();
        var reads = await ConcurrentReads(reader);
        await _gate.Entered.Task.WaitAsync(Bound);
        Assert.All(reads, r => Assert.False(r.IsCompleted)); // nothing to serve: they all wait for the one rebuild
        _gate.Open();
        return await Task.WhenAll(reads).WaitAsync(Bound);
    }

    private static Task Until(Func<bool> condition) => Until(() => Task.FromResult(condition()));

    private static async Task Until(Func<Task<bool>> condition)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(clock.Elapsed < Bound, "the condition did not come true in time");
            await Task.Delay(5);
        }
    }

    [Fact]
    public async Task Fifty_readers_of_a_cold_region_share_one_rebuild()
    {
        var reader = NewReader();
        var results = await ReadersWaitingForOneRebuild(reader);

        Assert.Equal(1, reader.Rebuilds);
        Assert.Equal(1, _gate.Queries);
        Assert.NotEmpty(results[0]);
        Assert.All(results, r => Assert.Same(results[0], r));
    }

    [Fact]
    public async Task Readers_of_an_ageing_snapshot_get_it_at_once_while_one_refresh_runs()
    {
        var reader = NewReader();
        var first = await reader.ForRegionAsync(Hangzhou, CancellationToken.None);
        _time.Advance(CatalogReader.RefreshAfter + TimeSpan.FromSeconds(1));
        _gate.Close();

        var reads = await ConcurrentReads(reader);
        var results = await Task.WhenAll(reads).WaitAsync(Bound); // the refresh is still held at the gate
        await _gate.Entered.Task.WaitAsync(Bound);

        Assert.All(results, r => Assert.Same(first, r));
        Assert.Equal(2, reader.Rebuilds);
        Assert.Equal(2, _gate.Queries);

        _gate.Open();
        await Until(async () => !ReferenceEquals(first, await reader.ForRegionAsync(Hangzhou, CancellationToken.None)));
        Assert.Equal(2, reader.Rebuilds);
        Assert.Equal(first.Select(i => i.Code), (await reader.ForRegionAsync(Hangzhou, CancellationToken.None)).Select(i => i.Code));
    }

    [Fact]
    public async Task A_snapshot_past_its_lifetime_is_not_served_and_the_waiting_readers_share_one_rebuild()
    {
        var reader = NewReader();
        var first = await reader.ForRegionAsync(Hangzhou, CancellationToken.None);
        _time.Advance(CatalogReader.CacheLifetime);
        var results = await ReadersWaitingForOneRebuild(reader);

        Assert.All(results, r => Assert.NotSame(first, r));
        Assert.All(results, r => Assert.Same(results[0], r));
        Assert.Equal(2, reader.Rebuilds);
    }

    [Fact]
    public async Task After_an_edit_through_this_instance_readers_wait_for_one_fresh_rebuild()
    {
        var reader = NewReader();
        var first = await reader.ForRegionAsync(Hangzhou, CancellationToken.None);
        reader.Invalidate();
        var results = await ReadersWaitingForOneRebuild(reader);

        Assert.All(results, r => Assert.NotSame(first, r));
        Assert.Equal(2, reader.Rebuilds);
    }

    [Fact]
    public async Task A_failed_rebuild_reaches_the_waiting_readers_and_the_next_read_tries_again()
    {
        var reader = NewReader();
        _gate.Close();
        var reads = await ConcurrentReads(reader);
        await _gate.Entered.Task.WaitAsync(Bound);
        _gate.Fail();

        foreach (var read in reads)
        {
            await Assert.ThrowsAnyAsync<Exception>(() => read.WaitAsync(Bound));
        }

        Assert.Equal(1, reader.Rebuilds);
        Assert.NotEmpty(await reader.ForRegionAsync(Hangzhou, CancellationToken.None).WaitAsync(Bound));
        Assert.Equal(2, reader.Rebuilds);
    }

    [Fact]
    public async Task A_county_with_nothing_of_its_own_shares_its_citys_snapshot_and_a_county_with_items_has_its_own()
    {
        var reader = NewReader();
        var regions = app.Service<RegionDirectory>();
        var lhasa = regions.Find("540100")!;
        var chengguan = regions.ChildrenOf(lhasa.Code)[0]; // a district of Lhasa: no item, override, department or hall of its own

        var district = await reader.ForRegionAsync(chengguan.Code, CancellationToken.None);
        var city = await reader.ForRegionAsync(lhasa.Code, CancellationToken.None);
        Assert.Same(city, district); // one list in memory for both
        Assert.NotEmpty(district);

        // Hangzhou's Xihu district has halls of its own: its catalog is its own, though it inherits Hangzhou's items.
        var xihu = await reader.ForRegionAsync("330106", CancellationToken.None);
        var hangzhou = await reader.ForRegionAsync(Hangzhou, CancellationToken.None);
        Assert.NotSame(hangzhou, xihu);
        Assert.Equal(hangzhou.Select(i => i.Code), xihu.Select(i => i.Code));
    }

    /// <summary>Counts the service_items queries (one per rebuild) and can hold them until the test lets them run.</summary>
    private sealed class ServiceItemsGate : DbCommandInterceptor
    {
        private TaskCompletionSource _release = Opened();
        private int _queries;

        public TaskCompletionSource Entered { get; private set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Queries => Volatile.Read(ref _queries);

        public void Close()
        {
            Entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
            _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        public void Open()
        {
            _release.TrySetResult();
            _release = Opened();
        }

        /// <summary>The held queries fail; later ones run.</summary>
        public void Fail()
        {
            _release.TrySetException(new InvalidOperationException("the database is away (test)"));
            _release = Opened();
        }

        public override async ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
            DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            if (command.CommandText.Contains("service_items", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref _queries);
                var release = _release;
                Entered.TrySetResult();
                await release.Task;
            }

            return result;
        }

        private static TaskCompletionSource Opened()
        {
            var open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            open.SetResult();
            return open;
        }
    }
}

public sealed class CatalogRebuildTests_Sqlite(SqliteApp app) : CatalogRebuildTests(app), IClassFixture<SqliteApp>;

public sealed class CatalogRebuildTests_Postgres(PostgresApp app) : CatalogRebuildTests(app), IClassFixture<PostgresApp>;
