using System.Text;
using CityService.Core.Common;
using CityService.Core.Payments.Reconciliation;
using CityService.Core.Storage;
using CityService.Web.Features.Identity;
using CityService.Web.Features.Shared;
using CityService.Web.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace CityService.Web.Features.Payments.Reconciliation;

/// <summary>
/// /admin/reconciliation: the latest runs, an upload form (a channel's settlement file of one day, at most 10 MB) and a
/// "download and reconcile" form; both run <see cref="ReconciliationService"/> and lead to the run's report.
/// </summary>
[Authorize(Policy = IdentitySetup.PlatformAdminPolicy)]
[RequestFormLimits(MultipartBodyLengthLimit = FormLimit)]
[RequestSizeLimit(FormLimit)]
public sealed class AdminReconciliationModel(CityDbContext db, ReconciliationService reconciliation, Texts texts, TimeProvider time) : PageModel
{
    public const string Path = "/admin/reconciliation";
    public const long MaxFileBytes = 10 * 1024 * 1024;
    private const long FormLimit = MaxFileBytes + (64 * 1024);

    public FormErrors Errors { get; } = new();

    /// <summary>Which form the errors belong to: "upload" or "download".</summary>
    public string? Failed { get; private set; }

    [BindProperty(Name = "channel")]
    public string? Channel { get; set; }

    [BindProperty(Name = "day")]
    public string? Day { get; set; }

    [BindProperty(Name = "file")]
    public IFormFile? Upload { get; set; }

    public IReadOnlyList<ReconciliationRun> Runs { get; private set; } = [];

    public IReadOnlyList<string> Channels => reconciliation.Channels;

    public string DefaultDay => ReconciliationService.Yesterday(time.GetUtcNow()).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    public async Task OnGetAsync(CancellationToken ct)
    {
        Response.Headers.CacheControl = "no-store";
        Runs = await ReconciliationEndpoints.LatestAsync(db, ct);
    }

    public async Task<IActionResult> OnPostUploadAsync(CancellationToken ct)
    {
        Failed = "upload";
        if (!ReconciliationEndpoints.TryDay(Day, out var day))
        {
            return await Refuse("day", texts["recon.page.day-invalid"], ct);
        }

        if (Upload is null || Upload.Length == 0)
        {
            return await Refuse("file", texts["recon.page.file-missing"], ct);
        }

        if (Upload.Length > MaxFileBytes)
        {
            return await Refuse("file", texts["recon.page.file-too-large"], ct, StatusCodes.Status413PayloadTooLarge);
        }

        string text;
        try
        {
            using var reader = new StreamReader(Upload.OpenReadStream(), new UTF8Encoding(false, throwOnInvalidBytes: true), detectEncodingFromByteOrderMarks: true);
            text = await reader.ReadToEndAsync(ct);
        }
        catch (DecoderFallbackException)
        {
            return await Refuse("file", texts["recon.page.file-not-text"], ct);
        }

        return await RunAsync(day, text, ct);
    }

    public async Task<IActionResult> OnPostDownloadAsync(CancellationToken ct)
    {
        Failed = "download";
        return ReconciliationEndpoints.TryDay(Day, out var day) ? await RunAsync(day, null, ct) : await Refuse("day", texts["recon.page.day-invalid"], ct);
    }

    private async Task<IActionResult> RunAsync(DateOnly day, string? text, CancellationToken ct)
    {
        var result = await reconciliation.RunAsync(Channel, day, text, User.AccountId(), ct);
        if (!result.IsOk)
        {
            Errors.Add(result.Error, "channel", "day", "file");
            Response.StatusCode = Problems.From(result.Error, HttpContext).StatusCode;
            Runs = await ReconciliationEndpoints.LatestAsync(db, ct);
            return Page();
        }

        return LocalRedirect(AdminReconciliationRunModel.PathOf(result.Value.Id));
    }

    private async Task<IActionResult> Refuse(string field, string message, CancellationToken ct, int status = StatusCodes.Status400BadRequest)
    {
        Errors.Add(field, message);
        Response.StatusCode = status;
        Runs = await ReconciliationEndpoints.LatestAsync(db, ct);
        return Page();
    }

    /// <summary>The field's error when it belongs to <paramref name="form"/>.</summary>
    public string? ErrorOf(string form, string field) => Failed == form ? Errors.For(field) : null;
}

/// <summary>/admin/reconciliation/{id}: a run's counts and its items; <c>?handler=csv</c> downloads the items
/// (<see cref="ReconciliationService.Csv"/>).</summary>
[Authorize(Policy = IdentitySetup.PlatformAdminPolicy)]
public sealed class AdminReconciliationRunModel(CityDbContext db) : PageModel
{
    public static string PathOf(Guid id) => AdminReconciliationModel.Path + "/" + id.ToString("D");

    public ReconciliationReportDto Report { get; private set; } = null!;

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken ct)
    {
        Response.Headers.CacheControl = "no-store";
        if (await ReconciliationEndpoints.ReportAsync(db, id, ct) is not { } report)
        {
            return NotFound();
        }

        Report = report;
        return Page();
    }

    public async Task<IActionResult> OnGetCsvAsync(Guid id, CancellationToken ct)
    {
        if (await ReconciliationEndpoints.ReportAsync(db, id, ct) is not { } report)
        {
            return NotFound();
        }

        var csv = ReconciliationService.Csv(await ReconciliationEndpoints.ItemsAsync(db, id, ct));
        return File(csv, "text/csv; charset=utf-8", $"reconciliation-{report.Run.Channel}-{report.Run.Day}-{id:N}.csv");
    }
}
