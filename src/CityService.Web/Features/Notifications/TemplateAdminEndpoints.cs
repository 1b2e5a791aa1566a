using System.Security.Claims;
using CityService.Core.Common;
using CityService.Core.Notifications;
using CityService.Core.Storage;
using CityService.Web.Features.Identity;
using CityService.Web.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CityService.Web.Features.Notifications;

public sealed record VariableDto(string Name, string Description, string Example);

public sealed record EventDto(string Code, string Category, string Name, IReadOnlyList<string> Channels, bool Mandatory, IReadOnlyList<VariableDto> Variables);

public sealed record TemplateDto(string Event, string Channel, string Language, int Version, bool Active, string? Subject, string Body, DateTimeOffset? SavedAt, bool Default);

public sealed record SmsLengthDto(int Length, int Segments);

public sealed record PreviewDto(string? Subject, string Text, string? Html, SmsLengthDto? Sms);

/// <summary>A template's versions, newest (the active one) first, with the active one previewed with the example values.</summary>
public sealed record TemplateDetailDto(EventDto Event, TemplateDto Active, PreviewDto Preview, IReadOnlyList<TemplateDto> History);

public sealed record TemplateRequest(
    [property: Text(NotificationTemplates.MaxLength)] string? Subject,
    [property: Text(NotificationTemplates.MaxLength, TextKind.MultiLine)] string? Body);

/// <summary>The operators' template editor: the event catalogue with its variables, each template's versions, preview and save.</summary>
public static class TemplateAdminEndpoints
{
    public static IEndpointRouteBuilder MapTemplateAdmin(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/api/admin/notifications").WithTags("Notifications").RequireAuthorization(IdentitySetup.PlatformAdminPolicy)
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden);
        admin.MapGet("/events", Events).WithName("ListNotificationEvents")
            .WithSummary("The notification events: category, channels, and the variables each provides (with a description and an example value).");
        admin.MapGet("/templates/{event}/{channel}/{language}", Get).WithName("GetNotificationTemplate").ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("A template's active version previewed with the event's example values, and its history (version 1 is the shipped default).");
        admin.MapPost("/templates/{event}/{channel}/{language}", Save).WithName("SaveNotificationTemplate")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Saves a new version (Liquid), which becomes the active one. A variable the event does not provide, or a syntax error, is 400 naming it. SMS texts get the platform's signature in front: do not write it.");
        admin.MapPost("/templates/{event}/{channel}/{language}/preview", Preview).WithName("PreviewNotificationTemplate")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("Renders a draft with the event's example values without saving it (SMS: with its length and number of segments); checked as a save would be.");
        return app;
    }

    public static Ok<IReadOnlyList<EventDto>> Events() => TypedResults.Ok<IReadOnlyList<EventDto>>([.. NotificationEvents.All.Select(Dto)]);

    public static async Task<Results<Ok<TemplateDetailDto>, ProblemHttpResult>> Get(
        string @event, string channel, string language, CityDbContext db, NotificationTemplates templates, HttpContext http, CancellationToken ct)
    {
        if (NotificationTemplates.Target(@event, channel, language) is { } missing)
        {
            return Problems.From(missing, http);
        }

        return TypedResults.Ok(await DetailAsync(db, templates, NotificationEvents.Find(@event)!, channel, language, ct));
    }

    public static async Task<TemplateDetailDto> DetailAsync(CityDbContext db, NotificationTemplates templates, NotificationEvent what, string channel, string language, CancellationToken ct)
    {
        var history = await NotificationTemplates.HistoryAsync(db, what.Code, channel, language, ct);
        var active = history[0];
        return new TemplateDetailDto(Dto(what), Dto(active, true), Dto(templates.Preview(what, active)), [.. history.Select(v => Dto(v, v.Version == active.Version))]);
    }

    public static async Task<Results<Created<TemplateDetailDto>, ProblemHttpResult>> Save(
        string @event, string channel, string language, TemplateRequest request, ClaimsPrincipal user, CityDbContext db,
        NotificationTemplates templates, TimeProvider time, HttpContext http, CancellationToken ct)
    {
        var saved = await NotificationTemplates.SaveAsync(db, @event, channel, language, request.Subject, request.Body, user.AccountId(), time.GetUtcNow(), ct);
        if (!saved.IsOk)
        {
            return Problems.From(saved.Error, http);
        }

        return TypedResults.Created($"/api/admin/notifications/templates/{@event}/{channel}/{language}",
            await DetailAsync(db, templates, NotificationEvents.Find(@event)!, channel, language, ct));
    }

    public static Results<Ok<PreviewDto>, ProblemHttpResult> Preview(string @event, string channel, string language, TemplateRequest request, NotificationTemplates templates, HttpContext http)
    {
        if (NotificationTemplates.Target(@event, channel, language) is { } missing)
        {
            return Problems.From(missing, http);
        }

        var what = NotificationEvents.Find(@event)!;
        var subject = channel == NotificationChannels.Sms ? null : request.Subject;
        if (NotificationTemplates.Check(what, channel, subject, request.Body) is { } invalid)
        {
            return Problems.From(invalid, http);
        }

        return TypedResults.Ok(Dto(templates.Preview(what, new TemplateVersion(what.Code, channel, language, 0, subject, request.Body!, null, null))));
    }

    public static EventDto Dto(NotificationEvent e) => new(e.Code, e.Category, Texts.Pick(e.Name), e.Channels, e.Mandatory,
        [.. e.Variables.Select(v => new VariableDto(v.Name, Texts.Pick(v.Description), v.Example))]);

    public static TemplateDto Dto(TemplateVersion v, bool active) => new(v.EventCode, v.Channel, v.Language, v.Version, active, v.Subject, v.Body, v.SavedAt, v.IsDefault);

    public static PreviewDto Dto(TemplatePreview p) => new(p.Rendered.Subject, p.Rendered.Text, p.Rendered.Html, p.Sms is { } s ? new SmsLengthDto(s.Length, s.Segments) : null);
}
