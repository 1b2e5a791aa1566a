using CityService.Core.Notifications;
using CityService.Core.Storage;
using CityService.Web.Features.Identity;
using CityService.Web.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace CityService.Web.Features.Notifications;

/// <summary>
/// One template: the active version previewed with the event's example values (SMS: length and segments), the edit form
/// (Preview renders the draft without saving; Save makes a new version, checked first), and the history.
/// </summary>
[Authorize(Policy = IdentitySetup.PlatformAdminPolicy)]
[MultiLineFields("body")]
public sealed class TemplateModel(CityDbContext db, NotificationTemplates templates, TimeProvider time) : AccountPageModel
{
    [BindProperty(Name = "event", SupportsGet = true)]
    public string? Event { get; set; }

    [BindProperty(Name = "channel", SupportsGet = true)]
    public string? Channel { get; set; }

    [BindProperty(Name = "language", SupportsGet = true)]
    public string? Language { get; set; }

    [BindProperty(Name = "subject")]
    public string? Subject { get; set; }

    [BindProperty(Name = "body")]
    public string? Body { get; set; }

    [BindProperty(Name = "saved", SupportsGet = true)]
    public int? SavedVersion { get; set; }

    public NotificationEvent What { get; private set; } = null!;

    public TemplateDetailDto Detail { get; private set; } = null!;

    /// <summary>The draft's preview after "Preview" (null: show the active version's).</summary>
    public PreviewDto? Draft { get; private set; }

    public bool IsSms => Channel == NotificationChannels.Sms;

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        if (!await LoadAsync(ct))
        {
            return NotFound();
        }

        Subject = Detail.Active.Subject;
        Body = Detail.Active.Body;
        return Page();
    }

    public async Task<IActionResult> OnPostPreviewAsync(CancellationToken ct)
    {
        if (!await LoadAsync(ct))
        {
            return NotFound();
        }

        var subject = IsSms ? null : Subject;
        if (NotificationTemplates.Check(What, Channel!, subject, Body) is { } invalid)
        {
            return Invalid(invalid);
        }

        Draft = TemplateAdminEndpoints.Dto(templates.Preview(What, new TemplateVersion(What.Code, Channel!, Language!, 0, subject, Body!, null, null)));
        return Page();
    }

    public async Task<IActionResult> OnPostSaveAsync(CancellationToken ct)
    {
        if (!await LoadAsync(ct))
        {
            return NotFound();
        }

        var saved = await NotificationTemplates.SaveAsync(db, Event, Channel, Language, Subject, Body, User.AccountId(), time.GetUtcNow(), ct);
        if (!saved.IsOk)
        {
            return Invalid(saved.Error);
        }

        return LocalRedirect($"{TemplatesModel.EditUrl(What.Code, Channel!, Language!)}?saved={saved.Value.Version}");
    }

    private PageResult Invalid(Core.Common.Error error)
    {
        Errors.Add(error, "subject", "body");
        Response.StatusCode = StatusCodes.Status400BadRequest;
        return Page();
    }

    private async Task<bool> LoadAsync(CancellationToken ct)
    {
        if (NotificationTemplates.Target(Event, Channel, Language) is not null)
        {
            return false;
        }

        What = NotificationEvents.Find(Event)!;
        Detail = await TemplateAdminEndpoints.DetailAsync(db, templates, What, Channel!, Language!, ct);
        return true;
    }
}
