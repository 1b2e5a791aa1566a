using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CityService.Core.Audit;
using CityService.Core.Common;
using CityService.Core.Identity;
using CityService.Core.Identity.SignIn;
using Microsoft.EntityFrameworkCore;
using Codes = CityService.Core.Payments.PaymentErrors.Bill;

namespace CityService.Core.Payments.Billing;

public sealed record BillLineInput(string? RevenueHead, long? AmountFen, string? DescriptionZh, string? DescriptionEn);

/// <summary>Per mille of the principal per day after the due date, capped (fen); absent: no late fee.</summary>
public sealed record LateFeeInput(int? PerMillePerDay, long? CapFen);

/// <summary>Who pays: <c>citizen</c> (idNumber), <c>plate</c> (plate + violationNumber) or <c>utility-account</c>
/// (accountNumber + secondFactorKind + secondFactor).</summary>
public sealed record BillPayerInput(
    string? Kind, string? IdNumber = null, string? Plate = null, string? ViolationNumber = null,
    string? AccountNumber = null, string? SecondFactorKind = null, string? SecondFactor = null);

public sealed record BillPush(
    string? Reference, string? TitleZh, string? TitleEn, IReadOnlyList<BillLineInput>? Lines, string? DueDate, LateFeeInput? LateFee, BillPayerInput? Payer);

public sealed record BillAdjustment(IReadOnlyList<BillLineInput>? Lines, string? DueDate, LateFeeInput? LateFee);

/// <summary>The department system calling: its client id and the region and department its client is bound to.</summary>
public sealed record BillIssuer(string ClientId, string RegionCode, string DepartmentCode);

/// <summary>The second factors a utility bill may name (what the person looking it up types besides the account number).</summary>
public static class SecondFactorKinds
{
    /// <summary>The last character of the account holder's name.</summary>
    public const string HolderNameLast = "holder-name-last";

    /// <summary>The last four digits of the phone number on the account.</summary>
    public const string PhoneLast4 = "phone-last4";

    public static readonly IReadOnlyList<string> All = [HolderNameLast, PhoneLast4];
}

/// <summary>Bill dates are days in Asia/Shanghai (UTC+8, no daylight saving).</summary>
public static class BillDates
{
    public static readonly TimeSpan Offset = TimeSpan.FromHours(8);

    public static DateOnly Today(DateTimeOffset now) => DateOnly.FromDateTime(now.ToOffset(Offset).DateTime);

    public static DateOnly Of(DateTimeOffset at) => Today(at);

    public static string Format(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}

/// <summary>
/// The bill rules: departments push (idempotent on their reference), adjust and cancel open bills and read them, all
/// within the region and department their client is bound to (anything else is "not found"); citizens list theirs by
/// verified identity; anyone looks one up by plate + violation number or account number + second factor. Payer data is
/// held only as blind indexes; the push's request hash is over the canonical body with those indexes in place of the
/// values, so the hash reveals nothing an index does not.
/// </summary>
public sealed class BillService(CityDbContext db, PersonalDataProtector protector, AuditLog audit, ClientLimits limits, TimeProvider time)
{
    public const int MaxLines = 20;
    public const long MaxAmountFen = 10_000_000_000; // 10^10 fen = 100 million yuan
    public const int MaxReferenceLength = 64;
    public const int MaxTitleLength = 200;
    public const int MaxLookupNumberLength = 32;
    public const int MaxLateFeePerMille = 100;
    public const int LookupsPerMinute = 10;
    public const string BillObject = "bill";

    private static readonly JsonSerializerOptions CanonicalJson = new(JsonSerializerDefaults.Web);

    /// <summary>Creates the bill (created: true), returns the same bill for the same reference and body (created: false),
    /// or 409 when the reference holds a different bill.</summary>
    public async Task<Result<(Bill Bill, bool Created)>> PushAsync(BillIssuer issuer, BillPush? push, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var parsed = Parse(push, BillDates.Today(now));
        if (!parsed.IsOk)
        {
            return parsed.Error;
        }

        var p = parsed.Value;
        var existing = await FindAsync(issuer, p.Reference, ct);
        if (existing is null)
        {
            var bill = Bill.Issue(issuer.RegionCode, issuer.DepartmentCode, p.Reference, p.TitleZh, p.TitleEn, p.PayerKind, p.PayerKey, p.LookupNumber,
                p.SecondFactorKind, p.SecondFactorKey, p.Terms.Lines, p.Terms.DueDate, p.Terms.PerMille, p.Terms.CapFen, p.Hash, now);
            db.Bills.Add(bill);
            if (await audit.TrySaveWithAsync(db, [Record(AuditActions.BillIssued, issuer, bill)], ct))
            {
                return (bill, true);
            }

            existing = await FindAsync(issuer, p.Reference, ct); // a concurrent push of the same reference won
            if (existing is null)
            {
                throw new InvalidOperationException("A unique conflict on a bill reference, yet no bill holds it.");
            }
        }

        return existing.RequestHash == p.Hash ? (existing, false) : Conflict(p.Reference);
    }

    public async Task<Result<Bill>> GetAsync(BillIssuer issuer, string? reference, CancellationToken ct) =>
        await FindAsync(issuer, reference, ct, tracked: false) is { } bill ? bill : NotFound();

    /// <summary>Replaces the lines, due date and late-fee rule of an open bill; the same terms again change nothing.</summary>
    public async Task<Result<Bill>> AdjustAsync(BillIssuer issuer, string? reference, BillAdjustment? adjustment, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        if (await FindAsync(issuer, reference, ct) is not { } bill)
        {
            return NotFound();
        }

        if (adjustment is null)
        {
            return Error.Invalid("body", Codes.Invalid, "请求正文缺失。", "The request body is missing.");
        }

        var terms = ParseTerms(adjustment.Lines, adjustment.DueDate, adjustment.LateFee, BillDates.Today(now));
        if (!terms.IsOk)
        {
            return terms.Error;
        }

        if (bill.State != BillState.Open)
        {
            return NotOpen(bill);
        }

        var t = terms.Value;
        var hash = Hash(bill.Reference, bill.TitleZh, bill.TitleEn, t, bill.PayerKind, bill.PayerKey, bill.LookupNumber, bill.SecondFactorKind, bill.SecondFactorKey);
        if (hash == bill.RequestHash)
        {
            return bill;
        }

        bill.Adjust(t.Lines, t.DueDate, t.PerMille, t.CapFen, hash, now);
        return await SaveChangeAsync(issuer, bill, AuditActions.BillAdjusted, ct);
    }

    /// <summary>Cancels an open bill; cancelling a cancelled bill again answers it as it is.</summary>
    public async Task<Result<Bill>> CancelAsync(BillIssuer issuer, string? reference, CancellationToken ct)
    {
        if (await FindAsync(issuer, reference, ct) is not { } bill)
        {
            return NotFound();
        }

        if (bill.State == BillState.Cancelled)
        {
            return bill;
        }

        if (bill.State != BillState.Open)
        {
            return NotOpen(bill);
        }

        bill.Cancel(time.GetUtcNow());
        return await SaveChangeAsync(issuer, bill, AuditActions.BillCancelled, ct);
    }

    /// <summary>The bills addressed to a verified citizen (by the blind index of the ID number), newest first.</summary>
    public async Task<IReadOnlyList<Bill>> ForCitizenAsync(string idNumberIndex, BillState? state, CancellationToken ct)
    {
        var query = db.Bills.AsNoTracking().Where(b => b.PayerKind == BillPayerKind.Citizen && b.PayerKey == idNumberIndex);
        if (state is { } s)
        {
            query = query.Where(b => b.State == s);
        }

        var bills = await query.Take(200).ToListAsync(ct);
        return [.. bills.OrderBy(b => b.State).ThenBy(b => b.DueDate).ThenBy(b => b.Id)];
    }

    /// <summary>
    /// Finds bills by plate + violation number or by utility account number + second factor, for anyone. Every lookup
    /// counts against the caller's address (10 a minute); a wrong factor and an unknown bill are the same 404.
    /// </summary>
    public async Task<Result<IReadOnlyList<Bill>>> LookupAsync(
        string? plate, string? violationNumber, string? accountNumber, string? secondFactor, string clientAddress, CancellationToken ct)
    {
        var byPlate = !string.IsNullOrWhiteSpace(plate) || !string.IsNullOrWhiteSpace(violationNumber);
        var byAccount = !string.IsNullOrWhiteSpace(accountNumber) || !string.IsNullOrWhiteSpace(secondFactor);
        if (byPlate == byAccount || (byPlate && (string.IsNullOrWhiteSpace(plate) || string.IsNullOrWhiteSpace(violationNumber)))
            || (byAccount && (string.IsNullOrWhiteSpace(accountNumber) || string.IsNullOrWhiteSpace(secondFactor))))
        {
            return Error.Invalid(byAccount ? "secondFactor" : "violationNumber", Codes.LookupIncomplete,
                "请填写车牌号和违法编号，或户号和账单注明的验证信息。",
                "Give the plate and the violation number, or the account number and the check the bill names.");
        }

        var wait = await limits.TryTakeAsync("bill-lookup", protector.BlindIndex(clientAddress, "client-address"), LookupsPerMinute, TimeSpan.FromMinutes(1), ct);
        if (wait is { } w)
        {
            return Error.RateLimited(Codes.LookupRateLimited, w, s => new LocalizedText($"查询过于频繁，请 {s} 秒后再试。", $"Too many lookups; try again in {s} seconds."));
        }

        List<Bill> found;
        if (byPlate)
        {
            var normalised = PlateNumber.Normalise(plate);
            var number = violationNumber!.Trim().ToUpperInvariant();
            if (normalised is null)
            {
                return LookupNotFound();
            }

            var key = protector.BlindIndex(normalised, "plate");
            found = await db.Bills.AsNoTracking().Where(b => b.PayerKind == BillPayerKind.Plate && b.PayerKey == key && b.LookupNumber == number).ToListAsync(ct);
        }
        else
        {
            var key = protector.BlindIndex(NormaliseAccount(accountNumber!), "utility-account");
            var factor = protector.BlindIndex(NormaliseFactor(secondFactor!), "second-factor");
            found = await db.Bills.AsNoTracking()
                .Where(b => b.PayerKind == BillPayerKind.UtilityAccount && b.PayerKey == key && b.SecondFactorKey == factor).ToListAsync(ct);
        }

        found = [.. found.Where(b => b.State != BillState.Cancelled).OrderBy(b => b.State).ThenBy(b => b.DueDate).ThenBy(b => b.Id)];
        return found.Count == 0 ? LookupNotFound() : found;
    }

    /// <summary>The plate of a plate bill is not kept in clear; a lookup shows the masked form of what the person typed
    /// (it matched the bill's blind index, so it is the bill's plate).</summary>
    public static string? MaskedPlate(string? typed) => PlateNumber.Normalise(typed) is { } p ? PlateNumber.Mask(p) : null;

    public static Error NotFound() => Error.NotFound(Codes.NotFound, "找不到这张账单。", "No such bill.", "reference");

    private static Error LookupNotFound() =>
        Error.NotFound(Codes.NotFound, "没有找到与所填信息相符的账单。", "No bill matches what you entered.");

    private static Error Conflict(string reference) => new(ErrorKind.Conflict, Codes.ReferenceConflict,
        new LocalizedText($"编号“{reference}”已用于另一张内容不同的账单。", $"The reference '{reference}' already holds a bill with a different body."), "reference");

    private static Error NotOpen(Bill bill) => new(ErrorKind.Conflict, Codes.NotOpen,
        bill.State == BillState.Paid
            ? new LocalizedText("这张账单已缴清，不能再修改或撤销。", "This bill is paid; it can no longer be changed or cancelled.")
            : new LocalizedText("这张账单已撤销，不能再修改。", "This bill is cancelled; it can no longer be changed."))
    {
        Extensions = new Dictionary<string, object> { ["state"] = bill.State.ToString().ToLowerInvariant() },
    };

    private static AuditRecord Record(string action, BillIssuer issuer, Bill bill) => new(action, AuditActor.Client(issuer.ClientId), BillObject, bill.Id.ToString(),
        RegionCode: bill.RegionCode, Details: AuditRecord.DetailsOf(new { departmentCode = bill.DepartmentCode, reference = bill.Reference, amountFen = bill.AmountFen, version = bill.Version }));

    private async Task<Result<Bill>> SaveChangeAsync(BillIssuer issuer, Bill bill, string action, CancellationToken ct)
    {
        try
        {
            await audit.SaveWithAsync(db, [Record(action, issuer, bill)], ct);
            return bill;
        }
        catch (DbUpdateConcurrencyException)
        {
            // Paid or changed by someone else since it was read (the payments rules update the bill conditionally).
            db.ChangeTracker.Clear();
            return new Error(ErrorKind.Conflict, Codes.Changed,
                new LocalizedText("账单刚刚被修改或已缴费，请重新读取后再试。", "The bill changed or was paid meanwhile; read it again and retry."));
        }
    }

    private Task<Bill?> FindAsync(BillIssuer issuer, string? reference, CancellationToken ct, bool tracked = true)
    {
        if (string.IsNullOrEmpty(reference) || reference.Length > MaxReferenceLength)
        {
            return Task.FromResult<Bill?>(null);
        }

        var bills = tracked ? db.Bills : db.Bills.AsNoTracking();
        return bills.FirstOrDefaultAsync(b => b.RegionCode == issuer.RegionCode && b.DepartmentCode == issuer.DepartmentCode && b.Reference == reference, ct);
    }

    internal sealed record Terms(IReadOnlyList<BillLine> Lines, DateOnly DueDate, int PerMille, long CapFen);

    private sealed record ParsedPush(
        string Reference, string TitleZh, string TitleEn, Terms Terms, BillPayerKind PayerKind, string PayerKey,
        string? LookupNumber, string? SecondFactorKind, string? SecondFactorKey, string Hash);

    private Result<ParsedPush> Parse(BillPush? push, DateOnly today)
    {
        if (push is null)
        {
            return Error.Invalid("body", Codes.Invalid, "请求正文缺失。", "The request body is missing.");
        }

        if (!IsReference(push.Reference))
        {
            return Error.Invalid("reference", Codes.InvalidReference, "账单编号须为 1–64 个可见 ASCII 字符（不含 / \\ ? # % 和空格）。",
                "The reference must be 1–64 visible ASCII characters (no / \\ ? # % or spaces).");
        }

        foreach (var (value, name) in new[] { (push.TitleZh, "titleZh"), (push.TitleEn, "titleEn") })
        {
            if (string.IsNullOrWhiteSpace(value) || value.Length > MaxTitleLength || value != value.Trim())
            {
                return Error.Invalid(name, Codes.InvalidTitle, $"“{name}”必填，最多 {MaxTitleLength} 个字符，首尾不能有空格。",
                    $"'{name}' is required: at most {MaxTitleLength} characters, without leading or trailing spaces.");
            }
        }

        var terms = ParseTerms(push.Lines, push.DueDate, push.LateFee, today);
        if (!terms.IsOk)
        {
            return terms.Error;
        }

        var payer = ParsePayer(push.Payer, today);
        if (!payer.IsOk)
        {
            return payer.Error;
        }

        var (kind, key, lookup, factorKind, factorKey) = payer.Value;
        var hash = Hash(push.Reference!, push.TitleZh!, push.TitleEn!, terms.Value, kind, key, lookup, factorKind, factorKey);
        return new ParsedPush(push.Reference!, push.TitleZh!, push.TitleEn!, terms.Value, kind, key, lookup, factorKind, factorKey, hash);
    }

    internal static Result<Terms> ParseTerms(IReadOnlyList<BillLineInput>? input, string? dueDateInput, LateFeeInput? lateFee, DateOnly today)
    {
        if (input is null || input.Count is 0 or > MaxLines)
        {
            return Error.Invalid("lines", Codes.InvalidLines, $"账单须有 1–{MaxLines} 个明细行。", $"A bill has 1–{MaxLines} lines.");
        }

        var lines = new List<BillLine>(input.Count);
        long total = 0;
        for (var i = 0; i < input.Count; i++)
        {
            var line = input[i];
            var at = $"lines[{i}]";
            if (line is null)
            {
                return Error.Invalid(at, Codes.InvalidLines, $"明细行 {at} 为空。", $"The line {at} is empty.");
            }

            if (line.RevenueHead is null || !RevenueHeads.All.Contains(line.RevenueHead) || line.RevenueHead == RevenueHeads.LateFee)
            {
                return Error.Invalid(at + ".revenueHead", Codes.InvalidRevenueHead,
                    $"“{at}.revenueHead”须为以下之一：{string.Join("、", RevenueHeads.All.Where(h => h != RevenueHeads.LateFee))}（滞纳金由平台按规则计算）。",
                    $"'{at}.revenueHead' must be one of {string.Join(", ", RevenueHeads.All.Where(h => h != RevenueHeads.LateFee))} (late fees are computed by the platform from the rule).");
            }

            if (line.AmountFen is not { } amount || amount < 1 || amount > MaxAmountFen)
            {
                return Error.Invalid(at + ".amountFen", Codes.InvalidAmount, $"“{at}.amountFen”须为 1 到 {MaxAmountFen} 之间的整数（分）。",
                    $"'{at}.amountFen' must be a whole number of fen from 1 to {MaxAmountFen}.");
            }

            foreach (var (value, name) in new[] { (line.DescriptionZh, "descriptionZh"), (line.DescriptionEn, "descriptionEn") })
            {
                if (string.IsNullOrWhiteSpace(value) || value.Length > MaxTitleLength)
                {
                    return Error.Invalid($"{at}.{name}", Codes.InvalidLines, $"“{at}.{name}”必填，最多 {MaxTitleLength} 个字符。",
                        $"'{at}.{name}' is required: at most {MaxTitleLength} characters.");
                }
            }

            total += amount;
            lines.Add(new BillLine(line.RevenueHead, amount, line.DescriptionZh!, line.DescriptionEn!));
        }

        if (total > MaxAmountFen)
        {
            return Error.Invalid("lines", Codes.InvalidAmount, $"账单合计不能超过 {MaxAmountFen} 分。", $"A bill's total cannot exceed {MaxAmountFen} fen.");
        }

        if (!DateOnly.TryParseExact(dueDateInput, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var dueDate)
            || dueDate < today.AddYears(-5) || dueDate > today.AddYears(5))
        {
            return Error.Invalid("dueDate", Codes.InvalidDueDate, "“dueDate”须为 yyyy-MM-dd 格式、前后 5 年以内的日期。",
                "'dueDate' must be a date as yyyy-MM-dd within 5 years of today.");
        }

        var perMille = lateFee?.PerMillePerDay ?? 0;
        var cap = lateFee?.CapFen ?? (perMille > 0 ? total : 0);
        if (perMille < 0 || perMille > MaxLateFeePerMille || cap < 0 || cap > MaxAmountFen || (perMille > 0 && cap == 0))
        {
            return Error.Invalid("lateFee", Codes.InvalidLateFee,
                $"滞纳金规则须为每日 0–{MaxLateFeePerMille}‰，上限为 1 到 {MaxAmountFen} 分（缺省为账单金额）。",
                $"The late-fee rule is 0–{MaxLateFeePerMille} per mille a day with a cap of 1 to {MaxAmountFen} fen (by default the bill's amount).");
        }

        return new Terms(lines, dueDate, perMille, perMille == 0 ? 0 : cap);
    }

    private Result<(BillPayerKind, string, string?, string?, string?)> ParsePayer(BillPayerInput? payer, DateOnly today)
    {
        switch (payer?.Kind)
        {
            case "citizen":
                var id = ResidentIdNumber.Parse(payer.IdNumber, today, "payer.idNumber");
                return id.IsOk
                    ? (BillPayerKind.Citizen, protector.BlindIndex(id.Value.Value, "id-number"), null, null, null)
                    : id.Error;
            case "plate":
                if (PlateNumber.Normalise(payer.Plate) is not { } plate)
                {
                    return Error.Invalid("payer.plate", Codes.InvalidPlate, "车牌号格式不正确（例如 浙A12345，新能源 浙AD12345）。",
                        "The plate is not valid (e.g. 浙A12345, new energy 浙AD12345).");
                }

                if (!IsLookupNumber(payer.ViolationNumber))
                {
                    return Error.Invalid("payer.violationNumber", Codes.InvalidPayer, "违法编号须为 1–32 个字母、数字或连字符。",
                        "The violation number must be 1–32 letters, digits or hyphens.");
                }

                return (BillPayerKind.Plate, protector.BlindIndex(plate, "plate"), payer.ViolationNumber!.ToUpperInvariant(), null, null);
            case "utility-account":
                if (!IsLookupNumber(payer.AccountNumber))
                {
                    return Error.Invalid("payer.accountNumber", Codes.InvalidPayer, "户号须为 1–32 个字母、数字或连字符。",
                        "The account number must be 1–32 letters, digits or hyphens.");
                }

                if (payer.SecondFactorKind is null || !SecondFactorKinds.All.Contains(payer.SecondFactorKind))
                {
                    return Error.Invalid("payer.secondFactorKind", Codes.InvalidPayer, $"“secondFactorKind”须为以下之一：{string.Join("、", SecondFactorKinds.All)}。",
                        $"'secondFactorKind' must be one of {string.Join(", ", SecondFactorKinds.All)}.");
                }

                var factor = payer.SecondFactor is null ? null : NormaliseFactor(payer.SecondFactor);
                var factorOk = payer.SecondFactorKind == SecondFactorKinds.PhoneLast4
                    ? factor is { Length: 4 } && factor.All(char.IsAsciiDigit)
                    : factor is { Length: > 0 and <= 2 } && TextInput.FirstInvalid(factor) < 0 && !factor.Any(char.IsWhiteSpace);
                if (!factorOk)
                {
                    return Error.Invalid("payer.secondFactor", Codes.InvalidPayer, "验证信息与其类型不符（户主姓名的最后一个字，或手机号后四位）。",
                        "The second factor does not fit its kind (the last character of the holder's name, or the phone's last four digits).");
                }

                return (BillPayerKind.UtilityAccount, protector.BlindIndex(NormaliseAccount(payer.AccountNumber!), "utility-account"), null,
                    payer.SecondFactorKind, protector.BlindIndex(factor!, "second-factor"));
            default:
                return Error.Invalid("payer.kind", Codes.InvalidPayer, "“payer.kind”须为 citizen、plate 或 utility-account。",
                    "'payer.kind' must be citizen, plate or utility-account.");
        }
    }

    private static bool IsReference(string? value) =>
        value is { Length: > 0 and <= MaxReferenceLength } && value.All(c => c is > ' ' and < '\u007f' and not ('/' or '\\' or '?' or '#' or '%'));

    private static bool IsLookupNumber(string? value) =>
        value is { Length: > 0 and <= MaxLookupNumberLength } && value.All(c => char.IsAsciiLetterOrDigit(c) || c == '-');

    private static string NormaliseAccount(string value) => value.Trim().ToUpperInvariant();

    private static string NormaliseFactor(string value) => value.Trim().ToUpperInvariant();

    private static string Hash(string reference, string titleZh, string titleEn, Terms terms, BillPayerKind kind, string key, string? lookup, string? factorKind, string? factorKey)
    {
        var canonical = JsonSerializer.SerializeToUtf8Bytes(new
        {
            reference, titleZh, titleEn,
            lines = terms.Lines.Select(l => new { l.RevenueHead, l.AmountFen, l.DescriptionZh, l.DescriptionEn }),
            dueDate = BillDates.Format(terms.DueDate), lateFeePerMille = terms.PerMille, lateFeeCapFen = terms.CapFen,
            payer = new { kind = kind.ToString(), key, lookup, factorKind, factorKey },
        }, CanonicalJson);
        return Convert.ToHexStringLower(SHA256.HashData(canonical));
    }
}
