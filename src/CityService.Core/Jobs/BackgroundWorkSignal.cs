using System.Runtime.CompilerServices;
using CityService.Core.Outbox;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace CityService.Core.Jobs;

/// <summary>
/// Wakes this instance's outbox dispatcher and scheduler as soon as a commit wrote an outbox message or a one-off job,
/// instead of at their next poll (which still catches other instances' work and retries). It watches SaveChanges and,
/// when the save ran inside an explicit transaction, that transaction's commit: a rolled-back change wakes nobody.
/// </summary>
public sealed class BackgroundWorkSignal : SaveChangesInterceptor, IDbTransactionInterceptor
{
    private readonly ConditionalWeakTable<DbContext, Pending> _pending = [];

    public WakeUp Outbox { get; } = new();

    public WakeUp Jobs { get; } = new();

    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        Note(eventData.Context);
        return result;
    }

    public override ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Note(eventData.Context);
        return ValueTask.FromResult(result);
    }

    public override int SavedChanges(SaveChangesCompletedEventData eventData, int result)
    {
        Saved(eventData.Context);
        return result;
    }

    public override ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        Saved(eventData.Context);
        return ValueTask.FromResult(result);
    }

    public override void SaveChangesFailed(DbContextErrorEventData eventData) => Forget(eventData.Context);

    public override Task SaveChangesFailedAsync(DbContextErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        Forget(eventData.Context);
        return Task.CompletedTask;
    }

    public void TransactionCommitted(System.Data.Common.DbTransaction transaction, TransactionEndEventData eventData) => Fire(eventData.Context);

    public Task TransactionCommittedAsync(System.Data.Common.DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Fire(eventData.Context);
        return Task.CompletedTask;
    }

    public void TransactionRolledBack(System.Data.Common.DbTransaction transaction, TransactionEndEventData eventData) => Forget(eventData.Context);

    public Task TransactionRolledBackAsync(System.Data.Common.DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Forget(eventData.Context);
        return Task.CompletedTask;
    }

    private void Note(DbContext? context)
    {
        if (context is null)
        {
            return;
        }

        var outbox = false;
        var jobs = false;
        foreach (var entry in context.ChangeTracker.Entries())
        {
            if (entry.State == EntityState.Added)
            {
                outbox |= entry.Entity is OutboxMessage;
                jobs |= entry.Entity is OneOffJob;
            }
        }

        if (outbox || jobs)
        {
            var pending = _pending.GetOrCreateValue(context);
            pending.Outbox |= outbox;
            pending.Jobs |= jobs;
        }
    }

    private void Saved(DbContext? context)
    {
        if (context is not null && context.Database.CurrentTransaction is null)
        {
            Fire(context);
        }
    }

    private void Fire(DbContext? context)
    {
        if (context is null || !_pending.TryGetValue(context, out var pending))
        {
            return;
        }

        _pending.Remove(context);
        if (pending.Outbox)
        {
            Outbox.Signal();
        }

        if (pending.Jobs)
        {
            Jobs.Signal();
        }
    }

    private void Forget(DbContext? context)
    {
        if (context is not null)
        {
            _pending.Remove(context);
        }
    }

    private sealed class Pending
    {
        public bool Outbox { get; set; }

        public bool Jobs { get; set; }
    }
}

/// <summary>A wake-up call that is never lost: a signal given while nobody waits ends the next wait at once.</summary>
public sealed class WakeUp
{
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Signal() => Volatile.Read(ref _next).TrySetResult();

    /// <summary>Waits for a signal or <paramref name="timeout"/> on <paramref name="time"/>'s clock, whichever comes first.</summary>
    public async Task WaitAsync(TimeSpan timeout, TimeProvider time, CancellationToken ct)
    {
        var current = Volatile.Read(ref _next);
        if (!current.Task.IsCompleted && timeout > TimeSpan.Zero)
        {
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var delay = Task.Delay(timeout, time, stop.Token);
            await Task.WhenAny(current.Task, delay);
            await stop.CancelAsync();
            ct.ThrowIfCancellationRequested();
        }

        if (current.Task.IsCompleted)
        {
            // The work is looked for after this swap, so a signal given from now on is kept for the next wait.
            Interlocked.CompareExchange(ref _next, new(TaskCreationOptions.RunContinuationsAsynchronously), current);
        }
    }
}
