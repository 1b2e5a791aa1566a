using System.Net.Mail;
using System.Security.Claims;
using CityService.Core.Common;
using CityService.Core.Identity;
using CityService.Core.Notifications;
using CityService.Core.Storage;
using CityService.Web.Features.Identity;
using CityService.Web.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace CityService.Web.Features.Notifications;

public sealed record InboxItemDto(Guid Id, string Event, string Category, string Title, string Body, DateTimeOffset CreatedAt, DateTimeOffset? ReadAt, bool Unread);

public sealed record InboxPageDto(IReadOnlyList<InboxItemDto> Items, int Total, int Unread, int Page, int PageSize);

public sealed record MarkedRead(int Marked, int Unread);

public sealed record CategoryChoiceDto(string Category, string Name, bool Sms, bool Email);

/// <summary>The inbox is always on and the sign-in code is not a preference: only the outside channels per category are.</summary>
public sealed record PreferencesDto(IReadOnlyList<CategoryChoiceDto> Categories, bool Inbox, bool HasEmail);

public sealed record PreferenceChange(string? Category, bool? Sms, bool? Email);

public sealed record PreferencesRequest(IReadOnlyList<PreferenceChange>? Categories);

public sealed record EmailRequest(string? Email);

public sealed record EmailDto(string? EmailMasked);

/// <summary>
/// Notifications: the citizen's inbox, channel choices and e-mail address (<c>/api/me/…</c>), and the operators' template
/// editor (<c>/api/admin/notifications/…</c>, in <see cref="TemplateAdminEndpoints"/>). ADR 019.
/// </summary>
public static class NotificationEndpoints
{
    public static void AddNotifications(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSingleton(new NotificationSettings(builder.Configuration["Notifications:SmsSignature"] is { Length: > 0 } signature ? signature : NotificationSettings.DefaultSignature));
        services.AddSingleton<NotificationTemplates>();
        services.AddSingleton<NotificationService>();
        services.AddSingleton<INotificationRenderer, NotificationRenderer>();
        services.AddScoped<Inbox>();
    }

    public static IEndpointRouteBuilder MapNotifications(this IEndpointRouteBuilder app)
    {
        var inbox = app.MapGroup("/api/me/notifications").WithTags("Notifications").RequireAuthorization(IdentitySetup.SignedInPolicy)
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        inbox.MapGet("", List).WithName("ListNotifications").ProducesProblem(StatusCodes.Status400BadRequest)
            .WithSummary("The signed-in account's inbox, newest first: `page` (from 1) and `pageSize` (1–100, default 20); `total` and `unread` count the whole inbox.");
        inbox.MapPost("/{id}/read", MarkRead).WithName("MarkNotificationRead").ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("Marks one notification read (again: no change). Another account's notification is 404.");
        inbox.MapPost("/read-all", MarkAllRead).WithName("MarkAllNotificationsRead").WithSummary("Marks every unread notification read.");

        var me = app.MapGroup("/api/me").WithTags("Notifications").RequireAuthorization(IdentitySetup.CitizenPolicy)
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        me.MapGet("/notification-preferences", GetPreferences).WithName("GetNotificationPreferences")
            .WithSummary("Which outside channels (sms, email) the citizen wants per category; the inbox is always on; the sign-in code is always sent.");
        me.MapPut("/notification-preferences", SetPreferences).WithName("SetNotificationPreferences").ProducesProblem(StatusCodes.Status400BadRequest)
            .WithSummary("Sets the channels of the categories given (others keep theirs); an unknown category is 400 and nothing changes.");
        me.MapPut("/email", SetEmail).WithName("SetNotificationEmail").ProducesProblem(StatusCodes.Status400BadRequest)
            .WithSummary("Sets the e-mail address notifications may go to (kept encrypted, shown masked); an empty value removes it. Not verified.");

        app.MapTemplateAdmin();
        return app;
    }

    public static async Task<Results<Ok<InboxPageDto>, ProblemHttpResult>> List(
        string? page, string? pageSize, ClaimsPrincipal user, Inbox inbox, HttpContext http, CancellationToken ct)
    {
        var number = QueryValues.WholeNumber(page, "page", 1);
        var size = QueryValues.WholeNumber(pageSize, "pageSize", Inbox.DefaultPageSize);
        if ((number.Error ?? size.Error) is { } bad)
        {
            return Problems.From(bad, http);
        }

        if (number.Value < 1)
        {
            return Problems.From(Error.Invalid("page", HttpErrors.Request.OutOfRange, "页码从 1 开始。", "page starts at 1."), http);
        }

        if (size.Value is < 1 or > Inbox.MaxPageSize)
        {
            return Problems.From(Error.Invalid("pageSize", HttpErrors.Request.OutOfRange,
                $"每页条数须在 1 到 {Inbox.MaxPageSize} 之间。", $"pageSize must be between 1 and {Inbox.MaxPageSize}."), http);
        }

        var found = await inbox.PageAsync(user.AccountId()!.Value, number.Value, size.Value, ct);
        return TypedResults.Ok(new InboxPageDto([.. found.Items.Select(Dto)], found.Total, found.Unread, found.Page, found.PageSize));
    }

    public static InboxItemDto Dto(InboxItem n) =>
        new(n.Id, n.Event, n.Category, Texts.Pick(n.TitleZh, n.TitleEn), Texts.Pick(n.BodyZh, n.BodyEn), n.CreatedAt, n.ReadAt, n.ReadAt is null);

    public static async Task<Results<NoContent, ProblemHttpResult>> MarkRead(string id, ClaimsPrincipal user, Inbox inbox, HttpContext http, CancellationToken ct) =>
        Guid.TryParse(id, out var guid) && await inbox.MarkReadAsync(user.AccountId()!.Value, guid, ct)
            ? TypedResults.NoContent()
            : Problems.From(NotificationErrors.Notification(), http);

    public static async Task<Ok<MarkedRead>> MarkAllRead(ClaimsPrincipal user, Inbox inbox, CancellationToken ct)
    {
        var marked = await inbox.MarkAllReadAsync(user.AccountId()!.Value, ct);
        return TypedResults.Ok(new MarkedRead(marked, await inbox.UnreadAsync(user.AccountId()!.Value, ct)));
    }

    public static async Task<Ok<PreferencesDto>> GetPreferences(ClaimsPrincipal user, CityDbContext db, CancellationToken ct) =>
        TypedResults.Ok(await PreferencesAsync(db, user.AccountId()!.Value, ct));

    public static async Task<PreferencesDto> PreferencesAsync(CityDbContext db, Guid accountId, CancellationToken ct)
    {
        var choices = await NotificationPreferences.ListAsync(db, accountId, ct);
        var hasEmail = await db.Accounts.AnyAsync(a => a.Id == accountId && a.EmailCipher != null, ct);
        return new PreferencesDto([.. choices.Select(c => new CategoryChoiceDto(c.Category, Texts.Pick(NotificationCategories.Find(c.Category)!.Name), c.Sms, c.Email))], Inbox: true, hasEmail);
    }

    public static async Task<Results<Ok<PreferencesDto>, ProblemHttpResult>> SetPreferences(
        PreferencesRequest request, ClaimsPrincipal user, CityDbContext db, TimeProvider time, HttpContext http, CancellationToken ct)
    {
        if (request.Categories is not { Count: > 0 } changes || changes.Any(c => c.Sms is null || c.Email is null))
        {
            return Problems.From(Error.Invalid("categories", HttpErrors.Request.Missing,
                "请给出类别及其 sms、email 两个开关。", "Give the categories, each with both sms and email."), http);
        }

        var id = user.AccountId()!.Value;
        var set = await NotificationPreferences.SetAsync(db, id, [.. changes.Select(c => new CategoryChoice(c.Category ?? string.Empty, c.Sms!.Value, c.Email!.Value))], time.GetUtcNow(), ct);
        return set.IsOk ? TypedResults.Ok(await PreferencesAsync(db, id, ct)) : Problems.From(set.Error, http);
    }

    public static async Task<Results<Ok<EmailDto>, ProblemHttpResult>> SetEmail(
        EmailRequest request, ClaimsPrincipal user, CityDbContext db, PersonalDataProtector protector, HttpContext http, CancellationToken ct)
    {
        var email = ParseEmail(request.Email);
        if (!email.IsOk)
        {
            return Problems.From(email.Error, http);
        }

        var account = await db.Accounts.SingleAsync(a => a.Id == user.AccountId()!.Value, ct);
        account.SetEmail(email.Value is { Length: > 0 } address ? protector.Encrypt(address, "email") : null);
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(new EmailDto(email.Value is { Length: > 0 } shown ? MaskEmail(shown) : null));
    }

    /// <summary>An address as a mail server would take it (one mailbox, no display name), or "" for none.</summary>
    public static Result<string> ParseEmail(string? input)
    {
        var text = input?.Trim() ?? string.Empty;
        if (text.Length == 0)
        {
            return string.Empty;
        }

        return text.Length <= 254 && MailAddress.TryCreate(text, out var address) && address.Address == text && address.Host.Contains('.', StringComparison.Ordinal)
            ? address.Address
            : Error.Invalid("email", NotificationErrors.EmailInvalid, "电子邮箱地址格式不正确，例如 name@example.cn。", "The e-mail address is not valid, e.g. name@example.cn.");
    }

    /// <summary>"z***@example.cn": the first letter and the domain.</summary>
    public static string MaskEmail(string email)
    {
        var at = email.LastIndexOf('@');
        return at <= 0 ? "***" : email[..1] + "***" + email[at..];
    }
}
