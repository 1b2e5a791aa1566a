using CityService.Core.Common;

namespace CityService.Core.Notifications;

/// <summary>The channels a notification can take: the inbox (always), and the outside ones the outbox delivers.</summary>
public static class NotificationChannels
{
    public const string Inbox = "inbox";
    public const string Sms = "sms";
    public const string Email = "email";

    public static readonly IReadOnlyList<string> All = [Inbox, Sms, Email];

    /// <summary>The channels a citizen may switch on or off per category (the inbox is always on).</summary>
    public static readonly IReadOnlyList<string> Optional = [Sms, Email];
}

/// <summary>A group of events a citizen chooses channels for, e.g. account security or payments.</summary>
public sealed record NotificationCategory(string Code, LocalizedText Name, bool SmsByDefault);

public static class NotificationCategories
{
    public const string AccountSecurity = "account-security";
    public const string Payments = "payments";
    public const string Applications = "applications";
    public const string Appointments = "appointments";

    public static readonly IReadOnlyList<NotificationCategory> All =
    [
        new(AccountSecurity, new("账户安全", "Account security"), SmsByDefault: true),
        new(Payments, new("缴费", "Payments"), SmsByDefault: true),
        new(Applications, new("办件进度", "Applications"), SmsByDefault: false),
        new(Appointments, new("预约", "Appointments"), SmsByDefault: true),
    ];

    public static NotificationCategory? Find(string? code) => All.FirstOrDefault(c => c.Code == code);
}

/// <summary>A value an event hands to its templates: documented for operators, with an example the preview uses.</summary>
public sealed record NotificationVariable(string Name, LocalizedText Description, string Example);

/// <summary>
/// One thing the platform tells citizens about. <paramref name="Channels"/> are the channels it has templates for;
/// a <paramref name="Mandatory"/> event is sent whatever the citizen's preferences say (the sign-in code) and is not a
/// preference at all.
/// </summary>
public sealed record NotificationEvent(
    string Code,
    string Category,
    LocalizedText Name,
    IReadOnlyList<string> Channels,
    IReadOnlyList<NotificationVariable> Variables,
    bool Mandatory = false)
{
    public IReadOnlyDictionary<string, string> Examples => Variables.ToDictionary(v => v.Name, v => v.Example, StringComparer.Ordinal);
}

/// <summary>
/// The catalogue of notification events, defined in code: each names its category, its channels and the variables its
/// templates may use. Later capabilities add theirs here (payment.succeeded, application.decided …).
/// </summary>
public static class NotificationEvents
{
    public const string PhoneChanged = "identity.phone-changed";
    public const string Verified = "identity.verified";
    public const string NewDevice = "identity.new-device";
    public const string SignInCode = "identity.sign-in-code";
    public const string PaymentSucceeded = "payment.succeeded";
    public const string PaymentRefunded = "payment.refunded";
    public const string InvoiceIssued = "invoice.issued";

    private static readonly NotificationVariable At = new("at", new("发生时间（北京时间）", "When it happened (Beijing time)"), "2026-11-22 10:00");

    public static readonly IReadOnlyList<NotificationEvent> All =
    [
        new(PhoneChanged, NotificationCategories.AccountSecurity, new("手机号已更换", "Phone number changed"), NotificationChannels.All,
        [
            new("phone", new("新手机号（已遮盖）", "The new phone number (masked)"), "138****0001"),
            At,
        ]),
        new(Verified, NotificationCategories.AccountSecurity, new("身份核验已完成", "Identity verified"), NotificationChannels.All,
        [
            new("level", new("达到的认证等级：L2 或 L3", "The level reached: L2 or L3"), "L2"),
            At,
        ]),
        new(NewDevice, NotificationCategories.AccountSecurity, new("新设备登录", "New device signed in"), NotificationChannels.All,
        [
            new("device", new("设备摘要（浏览器与系统）", "Device summary (browser and system)"), "Chrome · Android"),
            At,
        ]),
        new(SignInCode, NotificationCategories.AccountSecurity, new("登录验证码", "Sign-in code"), [NotificationChannels.Sms],
        [
            new("code", new("6 位验证码", "The six-digit code"), "123456"),
            new("minutes", new("有效分钟数", "Minutes it stays valid"), "5"),
        ], Mandatory: true),
        new(PaymentSucceeded, NotificationCategories.Payments, new("缴费成功", "Payment received"), NotificationChannels.All,
        [
            new("amount", new("金额", "The amount"), "¥200.00"),
            new("what", new("所缴账单（标题）", "What was paid (the bills' titles)"), "交通违法罚款"),
            new("payment", new("缴费单号（前 8 位）", "The payment's number (first 8 characters)"), "0193a1b2"),
            At,
        ]),
        new(PaymentRefunded, NotificationCategories.Payments, new("退款已完成", "Refund made"), NotificationChannels.All,
        [
            new("amount", new("退款金额", "The amount refunded"), "¥50.00"),
            new("reason", new("退款原因", "Why"), "重复缴费"),
            new("payment", new("缴费单号（前 8 位）", "The payment's number (first 8 characters)"), "0193a1b2"),
            At,
        ]),
        new(InvoiceIssued, NotificationCategories.Payments, new("电子票据已开具", "E-invoice issued"), NotificationChannels.All,
        [
            new("amount", new("票据金额（红字票据为负）", "The invoice's amount (negative on a red-letter one)"), "¥200.00"),
            new("issuer", new("开票部门", "The issuing department"), "杭州市公安局"),
            new("number", new("票据代码/号码", "Invoice code/number"), "3301002026-PSB/0000000001"),
            new("link", new("查看票据的链接", "Link to the invoice"), "/me/invoices/0193a1b2-0000-7000-8000-000000000000"),
            At,
        ]),
    ];

    public static NotificationEvent? Find(string? code) => All.FirstOrDefault(e => e.Code == code);

    /// <summary>A time as the variables carry it: Beijing time, minutes.</summary>
    public static string Time(DateTimeOffset at) => at.ToOffset(TimeSpan.FromHours(8)).ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture);
}
