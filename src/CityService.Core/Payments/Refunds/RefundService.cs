using CityService.Core.Audit;
using CityService.Core.Common;
using CityService.Core.Identity;
using CityService.Core.Identity.Staff;
using CityService.Core.Jobs;
using Microsoft.EntityFrameworkCore;

namespace CityService.Core.Payments.Refunds;

/// <param name="DepartmentCode">Needed only when the approver holds the role in more than one of the payment's departments.</param>
public sealed record RefundInput(long? Amount, long? RefundAmountAvailable, string? Reason, string? DepartmentCode = null);

public sealed record RefundAccepted(Refund Refund, long RefundAmountAvailable);

/// <summary>What a department may still refund of one payment: per bill and revenue account, what its bills received net of
/// its earlier (not reversed) refunds.</summary>
public sealed record DepartmentShare(string DepartmentCode, long RemainingFen);

/// <summary>
/// Refunds asked by a department's approver (or dept-admin) on a succeeded payment (GOV.UK Pay's semantics: the caller
/// sends the <c>refund_amount_available</c> it saw; a stale one is 412). The reservation (<see cref="PaymentOrder.AddRefund"/>),
/// the refund row, its ledger posting (debit the department's revenue / credit refunds payable), the audit entry and the
/// one-off job that hands it to the channel are one transaction, serialised per payment (an advisory lock on PostgreSQL,
/// the write lock on SQLite) with the order's version as a second guard: concurrent refunds never exceed what was paid.
/// </summary>
public sealed class RefundService(CityDbContext db, AuditLog audit, TimeProvider time)
{
    public const int ReasonMaxLength = 200;
    private const int Attempts = 5;

    public static string Payload(Guid refundId) => System.Text.Json.JsonSerializer.Serialize(refundId.ToString("D"));

    /// <summary>Reads a <see cref="Refund.JobName"/> payload: the refund id as a JSON string (or bare).</summary>
    public static Guid? ParsePayload(string? payload) =>
        Guid.TryParse(payload?.Trim().Trim('"'), out var id) ? id : null;

    public async Task<Result<RefundAccepted>> RequestAsync(Actor actor, Guid paymentId, RefundInput input, bool freshCode, CancellationToken ct)
    {
        var order = await db.PaymentOrders.AsNoTracking().FirstOrDefaultAsync(p => p.Id == paymentId, ct);
        if (order is null)
        {
            return NotFound;
        }

        var departments = await db.PaymentOrderBills.AsNoTracking().Where(b => b.PaymentId == paymentId).Select(b => b.DepartmentCode).Distinct().ToListAsync(ct);
        var mine = departments.Where(d => actor.Holds(order.RegionCode, d, StaffRole.Approver) || actor.Holds(order.RegionCode, d, StaffRole.DeptAdmin)).Order(StringComparer.Ordinal).ToList();
        if (mine.Count == 0 || (input.DepartmentCode is { } asked && !mine.Contains(asked, StringComparer.Ordinal)))
        {
            return NotFound; // another department's payment: as if it did not exist
        }

        if (!freshCode)
        {
            return new Error(ErrorKind.Forbidden, PaymentErrors.Refund.ReauthenticationRequired,
                new("退款前请先用短信验证码重新登录（5 分钟内有效）。", "Before refunding, sign in again with a text-message code (valid for 5 minutes)."))
            {
                Extensions = new Dictionary<string, object> { ["reauthenticate"] = "/api/auth/otp" },
            };
        }

        if (Check(input) is { } invalid)
        {
            return invalid;
        }

        var department = input.DepartmentCode ?? (mine.Count == 1 ? mine[0] : null);
        if (department is null)
        {
            return new Error(ErrorKind.Unprocessable, PaymentErrors.Refund.DepartmentRequired,
                new("您在此笔缴费的多个部门任职，请指明为哪个部门退款（departmentCode）。", "You act for several departments of this payment: name the one refunding (departmentCode)."), "departmentCode");
        }

        if (order.State != PaymentState.Succeeded || order.FlagReason is not null)
        {
            return NotRefundable;
        }

        if (input.RefundAmountAvailable != order.RefundAmountAvailable)
        {
            return Stale(order.RefundAmountAvailable); // stale already before waiting for the payment's lock
        }

        // This instance's requests for one payment wait in memory, not each holding a pooled connection while it waits for the
        // database lock (100 at once would exhaust the pool); other instances still meet at the database lock.
        var gate = Gates[(int)((uint)paymentId.GetHashCode() % (uint)Gates.Length)];
        await gate.WaitAsync(ct);
        try
        {
            return await ReserveAsync(actor, order.Id, input, department, ct);
        }
        finally
        {
            gate.Release();
        }
    }

    private static readonly SemaphoreSlim[] Gates = [.. Enumerable.Range(0, 64).Select(_ => new SemaphoreSlim(1, 1))];

    private static Error Stale(long available) => new(ErrorKind.PreconditionFailed, PaymentErrors.Refund.AmountAvailableStale,
        new($"可退金额已变化（现为 {new Money(available)}），请刷新后重试。", $"The amount available to refund has changed (now {new Money(available)}); reload and try again."),
        "refundAmountAvailable")
    {
        Extensions = new Dictionary<string, object> { ["refundAmountAvailable"] = available },
    };

    private async Task<Result<RefundAccepted>> ReserveAsync(Actor actor, Guid paymentId, RefundInput input, string department, CancellationToken ct)
    {
        var reason = input.Reason!.Trim();
        for (var attempt = 1; ; attempt++)
        {
            db.ChangeTracker.Clear();
            await using var tx = await db.BeginSerialisedAsync(ct);
            await db.LockAsync("payment:" + paymentId.ToString("N"), ct);
            var current = await db.PaymentOrders.FirstAsync(p => p.Id == paymentId, ct);
            if (current.State != PaymentState.Succeeded || current.FlagReason is not null)
            {
                return NotRefundable;
            }

            var available = current.RefundAmountAvailable;
            if (input.RefundAmountAvailable != available)
            {
                return Stale(available);
            }

            var amount = input.Amount!.Value;
            if (amount > available)
            {
                return new Error(ErrorKind.Unprocessable, PaymentErrors.Refund.AmountExceedsAvailable,
                    new($"退款金额超过可退金额 {new Money(available)}。", $"The amount is more than the {new Money(available)} available to refund."), "amount");
            }

            var shares = await RevenueLeftAsync(current, department, ct);
            var left = shares.Sum(s => s.Fen);
            if (amount > left)
            {
                return new Error(ErrorKind.Unprocessable, PaymentErrors.Refund.AmountExceedsDepartment,
                    new($"本部门在此笔缴费中最多还可退 {new Money(left)}。", $"Your department can refund at most {new Money(left)} more of this payment."), "amount");
            }

            var now = time.GetUtcNow();
            var refund = Refund.Request(current, department, amount, reason, actor.AccountId, automatic: false, now);
            current.AddRefund(amount);
            db.Refunds.Add(refund);
            db.Post(new LedgerPosting(LedgerKinds.RefundRequested, current.RegionCode, current.Id, refund.Id, Allocate(shares, amount, current.Channel)), now);
            db.EnqueueJob(Refund.JobName, Payload(refund.Id), now);
            try
            {
                await audit.SaveWithAsync(db, [new AuditRecord(AuditActions.RefundRequested, AuditActor.Staff(actor.AccountId), "refund", refund.Id.ToString(),
                    RegionCode: current.RegionCode, Details: AuditRecord.DetailsOf(new { payment = current.Id, department, amountFen = amount }))], ct);
                await tx.CommitAsync(ct);
                return new RefundAccepted(refund, current.RefundAmountAvailable);
            }
            catch (DbUpdateConcurrencyException) when (attempt < Attempts)
            {
                await tx.RollbackAsync(ct); // another writer changed the order despite the lock (a path that does not take it): read again
            }
            catch (DbUpdateConcurrencyException)
            {
                return new Error(ErrorKind.Conflict, PaymentErrors.Refund.Busy,
                    new("此笔缴费正在被修改，请稍后重试。", "This payment is being changed; try again in a moment."));
            }
        }
    }

    /// <summary>The refunds of a payment for those who may see the payment: its payer, staff of a department whose bill it
    /// paid, operators; anyone else finds nothing.</summary>
    public async Task<Result<(PaymentOrder Order, IReadOnlyList<Refund> Refunds)>> ListAsync(Actor actor, Guid paymentId, CancellationToken ct)
    {
        var order = await db.PaymentOrders.AsNoTracking().FirstOrDefaultAsync(p => p.Id == paymentId, ct);
        if (order is null || !await SeesAsync(actor, order, ct))
        {
            return NotFound;
        }

        var refunds = await db.Refunds.AsNoTracking().Where(r => r.PaymentId == paymentId).ToListAsync(ct);
        return (order, refunds.OrderBy(r => r.CreatedAt).ThenBy(r => r.Id).ToList());
    }

    public async Task<bool> SeesAsync(Actor actor, PaymentOrder order, CancellationToken ct)
    {
        if (actor.IsPlatformAdmin || (actor.Kind == AccountKind.Citizen && actor.AccountId == order.AccountId))
        {
            return true;
        }

        if (actor.Kind != AccountKind.Staff)
        {
            return false;
        }

        var departments = await db.PaymentOrderBills.AsNoTracking().Where(b => b.PaymentId == order.Id).Select(b => b.DepartmentCode).Distinct().ToListAsync(ct);
        return departments.Any(d => actor.Sees(order.RegionCode, d));
    }

    /// <summary>What the department may still refund of the payment: <see cref="DepartmentShare"/> per department whose bills it paid.</summary>
    public async Task<IReadOnlyList<DepartmentShare>> SharesAsync(PaymentOrder order, IEnumerable<string> departments, CancellationToken ct)
    {
        var shares = new List<DepartmentShare>();
        foreach (var department in departments)
        {
            shares.Add(new DepartmentShare(department, (await RevenueLeftAsync(order, department, ct)).Sum(s => s.Fen)));
        }

        return shares;
    }

    private sealed record Share(Guid? BillId, string Account, long Fen);

    /// <summary>Per bill and revenue account of the department: credited by the payment, net of refund postings since.</summary>
    private async Task<List<Share>> RevenueLeftAsync(PaymentOrder order, string department, CancellationToken ct)
    {
        var prefix = $"revenue:{order.RegionCode}:{department}:";
        var lines = await db.LedgerEntries.AsNoTracking().Where(e => e.PaymentId == order.Id && e.Account.StartsWith(prefix))
            .Select(e => new { e.BillId, e.Account, e.CreditFen, e.DebitFen }).ToListAsync(ct);
        return lines.GroupBy(l => (l.BillId, l.Account)).Select(g => new Share(g.Key.BillId, g.Key.Account, g.Sum(l => l.CreditFen) - g.Sum(l => l.DebitFen)))
            .Where(s => s.Fen > 0).OrderBy(s => s.BillId).ThenBy(s => s.Account, StringComparer.Ordinal).ToList();
    }

    /// <summary>Takes the amount from the department's revenue lines in a fixed order (bill, then account), each bill's
    /// debit balanced by its own refunds-payable credit, so every bill balances on its own.</summary>
    private static List<LedgerLine> Allocate(IReadOnlyList<Share> shares, long amount, string channel)
    {
        var lines = new List<LedgerLine>();
        var rest = amount;
        foreach (var bill in shares.GroupBy(s => s.BillId))
        {
            long billTotal = 0;
            foreach (var share in bill)
            {
                var take = Math.Min(rest, share.Fen);
                if (take == 0)
                {
                    break;
                }

                lines.Add(LedgerLine.Debit(share.Account, take, share.BillId));
                billTotal += take;
                rest -= take;
            }

            if (billTotal > 0)
            {
                lines.Add(LedgerLine.Credit(LedgerAccounts.RefundsPayable(channel), billTotal, bill.Key));
            }

            if (rest == 0)
            {
                break;
            }
        }

        return lines;
    }

    private static Error? Check(RefundInput input)
    {
        if (input.Reason is not { } reason || reason.Trim().Length is 0 or > ReasonMaxLength)
        {
            return Error.Invalid("reason", PaymentErrors.Refund.ReasonInvalid, "请填写退款原因（1–200 个字）。", "Give the reason for the refund (1–200 characters).");
        }

        if (input.RefundAmountAvailable is null)
        {
            return Error.Invalid("refundAmountAvailable", PaymentErrors.Refund.AmountAvailableMissing,
                "请一并提交您看到的可退金额（refundAmountAvailable，单位：分）。", "Send the amount available to refund you saw (refundAmountAvailable, in fen).");
        }

        return input.Amount is not > 0
            ? new Error(ErrorKind.Unprocessable, PaymentErrors.Refund.AmountInvalid, new("退款金额须为正整数（单位：分）。", "The amount must be a positive whole number of fen."), "amount")
            : null;
    }

    private static Error NotRefundable => new(ErrorKind.Conflict, PaymentErrors.Refund.NotRefundable,
        new("此笔缴费尚未成功或待人工核查，不能退款。", "This payment has not succeeded or is held for review: it cannot be refunded."));

    private static Error NotFound => Error.NotFound(PaymentErrors.Refund.PaymentNotFound, "找不到这笔缴费。", "No such payment.");
}
