using System.Text.Json;
using CityService.Core.Common;

namespace CityService.Core.Audit;

/// <summary>A security event as the citizen it concerns sees it: never the staff person, only their department.</summary>
public sealed record SecurityEvent(string Kind, DateTimeOffset At, string Outcome, string? Method, string? Device, string? Department);

/// <summary>Reads of the log: the latest entries for operators, a citizen's own security events.</summary>
public static class AuditQueries
{
    public const int PageSize = 50;

    private static readonly string[] CitizenActions = [AuditActions.SignIn, AuditActions.SignInFailed, AuditActions.DataRevealed];

    /// <summary>The latest entries, newest first, optionally of one action and/or region (checked by <see cref="CheckFilter"/>).</summary>
    public static async Task<IReadOnlyList<AuditEntry>> LatestAsync(CityDbContext db, string? action, string? region, CancellationToken ct)
    {
        var query = db.AuditEntries.AsNoTracking();
        if (!string.IsNullOrEmpty(action))
        {
            query = query.Where(e => e.Action == action);
        }

        if (!string.IsNullOrEmpty(region))
        {
            query = query.Where(e => e.RegionCode == region);
        }

        return await query.OrderByDescending(e => e.At).ThenByDescending(e => e.Sequence).Take(PageSize).ToListAsync(ct);
    }

    public static Error? CheckFilter(string? action, string? region)
    {
        if (!string.IsNullOrEmpty(region) && (region.Length != 6 || !region.All(char.IsAsciiDigit)))
        {
            return Error.Invalid("region", AuditErrors.RegionInvalid, "地区代码是 6 位数字。", "A region code is six digits.");
        }

        if (!string.IsNullOrEmpty(action) && (action.Length > 64 || !action.All(c => char.IsAsciiLetterLower(c) || c is '.' or '-')))
        {
            return Error.Invalid("action", AuditErrors.ActionInvalid, "操作代码只含小写字母、点和连字符。", "An action code is lower-case letters, dots and hyphens.");
        }

        return null;
    }

    /// <summary>The account's sign-ins (successful and failed) and the times staff saw its personal data, newest first.</summary>
    public static async Task<IReadOnlyList<SecurityEvent>> SecurityEventsAsync(CityDbContext db, Guid accountId, CancellationToken ct)
    {
        var id = accountId.ToString();
        var entries = await db.AuditEntries.AsNoTracking()
            .Where(e => e.ObjectType == AuditRecord.AccountObject && e.ObjectId == id && CitizenActions.Contains(e.Action))
            .OrderByDescending(e => e.At).ThenByDescending(e => e.Sequence)
            .Take(PageSize)
            .Select(e => new { e.Action, e.At, e.Outcome, e.Details })
            .ToListAsync(ct);
        return [.. entries.Select(e =>
        {
            var details = Details(e.Details);
            return new SecurityEvent(
                e.Action == AuditActions.DataRevealed ? "data-revealed" : "sign-in", e.At, e.Outcome,
                details.GetValueOrDefault("method"), details.GetValueOrDefault("device"), details.GetValueOrDefault("department"));
        })];
    }

    private static Dictionary<string, string> Details(string? json)
    {
        if (json is null)
        {
            return [];
        }

        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.ValueKind != JsonValueKind.Object
            ? []
            : doc.RootElement.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.String).ToDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.Ordinal);
    }
}
