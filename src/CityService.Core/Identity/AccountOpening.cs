using Microsoft.EntityFrameworkCore;

namespace CityService.Core.Identity;

/// <summary>
/// "Find or open an account by phone", the one place an account comes into being: sign-in by code, a channel link,
/// a staff invitation and the demo seed all use it.
/// </summary>
public static class AccountOpening
{
    /// <summary>
    /// The phone's account (tracked by <paramref name="db"/>), opened as <paramref name="kind"/> at L1 when the phone has none.
    /// An existing account keeps its own kind: the caller decides whether that kind may go on. When a parallel request
    /// opens the same phone's account first, its account is returned. <paramref name="phoneCipher"/> is asked for only
    /// when an account is opened.
    /// </summary>
    public static async Task<Account> FindOrOpenAccountAsync(
        this CityDbContext db, AccountKind kind, string phoneIndex, Func<string> phoneCipher, DateTimeOffset now, CancellationToken ct)
    {
        var account = await db.Accounts.FirstOrDefaultAsync(a => a.PhoneIndex == phoneIndex, ct);
        if (account is not null)
        {
            return account;
        }

        account = Account.Open(kind, phoneIndex, phoneCipher(), now);
        db.Accounts.Add(account);
        return await db.TrySaveChangesAsync(ct)
            ? account
            : await db.Accounts.SingleAsync(a => a.PhoneIndex == phoneIndex, ct); // opened by a parallel request a moment ago
    }
}
