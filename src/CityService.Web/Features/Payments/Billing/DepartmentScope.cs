using System.Globalization;
using CityService.Core.Common;
using CityService.Core.Identity.Staff;
using CityService.Core.Payments;
using CityService.Core.Payments.Billing;

namespace CityService.Web.Features.Payments.Billing;

/// <summary>The department a staff page or export is about: the one asked for (<c>region</c>, <c>department</c>) if the
/// actor sees it, else the actor's first assignment; operators name one. Another department is "not found".</summary>
public sealed record DepartmentScope(string RegionCode, string DepartmentCode, IReadOnlyList<(string RegionCode, string DepartmentCode)> Choices)
{
    public static Result<DepartmentScope> For(Actor? actor, string? region, string? department)
    {
        if (actor is null)
        {
            return NotFound();
        }

        var choices = actor.Assignments.Select(a => (a.RegionCode, a.DepartmentCode)).Distinct().OrderBy(c => c.RegionCode, StringComparer.Ordinal)
            .ThenBy(c => c.DepartmentCode, StringComparer.Ordinal).ToList();
        if (!string.IsNullOrEmpty(region) || !string.IsNullOrEmpty(department))
        {
            return region is { Length: > 0 } r && department is { Length: > 0 } d && actor.Sees(r, d) ? new DepartmentScope(r, d, choices) : NotFound();
        }

        return choices.Count > 0 ? new DepartmentScope(choices[0].RegionCode, choices[0].DepartmentCode, choices) : NotFound();
    }

    public static Error NotFound() => Error.NotFound(PaymentErrors.Bill.DepartmentNotFound, "找不到该部门，或您不是该部门的工作人员。",
        "No such department, or you are not on its staff.", "department");

    /// <summary>A date range of at most <see cref="Collections.MaxDays"/> days; by default the last 30 days to today.</summary>
    public static Result<(DateOnly From, DateOnly To)> Range(string? from, string? to, DateOnly today)
    {
        var end = today;
        var start = today.AddDays(-29);
        if (!string.IsNullOrEmpty(to) && !DateOnly.TryParseExact(to, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out end))
        {
            return Invalid("to");
        }

        if (!string.IsNullOrEmpty(from) && !DateOnly.TryParseExact(from, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out start))
        {
            return Invalid("from");
        }

        if (string.IsNullOrEmpty(from) && !string.IsNullOrEmpty(to))
        {
            start = end.AddDays(-29);
        }

        return start > end || end.DayNumber - start.DayNumber >= Collections.MaxDays ? Invalid("from") : (start, end);
    }

    private static Error Invalid(string parameter) => Error.Invalid(parameter, PaymentErrors.Bill.InvalidRange,
        $"日期范围不正确：“from”和“to”为 yyyy-MM-dd，from 不晚于 to，最多 {Collections.MaxDays} 天。",
        $"The date range is not valid: 'from' and 'to' are yyyy-MM-dd, from not after to, at most {Collections.MaxDays} days.");
}
