using CityService.Core.Common;
using CityService.Core.Identity;
using CityService.Core.Identity.Consent;
using CityService.Core.Identity.Verification;
using CityService.Core.Storage;
using CityService.Web.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace CityService.Web.Features.Identity.Verification;

/// <summary>
/// Raising the assurance level with plain forms: name + resident ID number checked by the population registry (L2),
/// then a live photo bound to a single-use challenge (L3). The photo (JPEG or PNG, as a phone camera takes it) is read
/// into memory, scaled down, passed on and never stored. A form up to <see cref="FormLimit"/> is read, so that a photo over
/// the photo limit still gets its message at the photo field; a larger form never reaches the handler
/// (<see cref="RequestInput"/> sends the browser back here with <c>?too-large=1</c>, which shows the same message).
/// </summary>
[Authorize(Policy = IdentitySetup.CitizenPolicy)]
[RequestFormLimits(MultipartBodyLengthLimit = FormLimit)]
[RequestSizeLimit(FormLimit)]
[IgnoreAntiforgeryToken] // checked by AccountPageModel (ChecksFormToken), so an expired form gets its message in the form
public sealed class VerifyModel(CityDbContext db, IdentityVerificationService verification, ConsentService consents, Texts texts) : AccountPageModel
{
    /// <summary>The separate consent to process the ID number and face (PIPL art. 29): the checkbox carries the privacy policy's version.</summary>
    [BindProperty(Name = "consent")]
    public string? Consent { get; set; }

    /// <summary>The account has given that consent (under the current privacy policy): the forms do not ask again.</summary>
    public bool HasConsent { get; private set; }

    public string ConsentVersion => consents.Documents.Privacy;

    /// <summary>The largest form read; the photo itself is checked against the Core limit (<see cref="Photo.MaxBytes"/>).</summary>
    public const int FormLimit = 24 * 1024 * 1024;

    public static int MaxPhotoMegabytes => Photo.MaxMegabytes;

    public static int ChallengeMinutes => (int)FaceChallenge.Lifetime.TotalMinutes;

    [BindProperty(Name = "name")]
    public string? Name { get; set; }

    [BindProperty(Name = "idNumber")]
    public string? IdNumber { get; set; }

    [BindProperty(Name = "nonce")]
    public string? Nonce { get; set; }

    [BindProperty(Name = "image")]
    public IFormFile? Image { get; set; }

    public AssuranceLevel Level { get; private set; }

    /// <summary>A face challenge is open: show the photo upload form bound to <see cref="Nonce"/>.</summary>
    public bool PhotoStep { get; private set; }

    /// <summary><c>?too-large=1</c>: a photo form too large to read was sent; offer the photo step again with the message.</summary>
    [BindProperty(Name = RequestInput.TooLargeQuery, SupportsGet = true)]
    public string? TooLarge { get; set; }

    protected override bool ChecksFormToken => true;

    /// <summary>An expired form shows the page as it is now (level, consent), with the name kept and the photo to choose again.</summary>
    protected override async Task<IActionResult> FormExpiredAsync()
    {
        if (await CitizenAsync(db, HttpContext.RequestAborted) is not { } account)
        {
            return await SessionEndedAsync();
        }

        Level = account.AssuranceLevel;
        HasConsent = await consents.HasSensitiveAsync(account.Id, HttpContext.RequestAborted);
        IdNumber = null;
        if (Level == AssuranceLevel.L2 && !string.IsNullOrEmpty(Nonce))
        {
            await StartChallengeAsync(account.Id, HttpContext.RequestAborted, reportErrors: false); // the old challenge may have gone with the form
        }

        return Page();
    }

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        if (await CitizenAsync(db, ct) is not { } account)
        {
            return await SessionEndedAsync();
        }

        Level = account.AssuranceLevel;
        HasConsent = await consents.HasSensitiveAsync(account.Id, ct);
        if (TooLarge == "1" && Level == AssuranceLevel.L2)
        {
            await StartChallengeAsync(account.Id, ct);
            Errors.Add(Photo.TooLarge(), "image");
        }

        return Page();
    }

    /// <summary>Level 2: name and ID number; each error at its field.</summary>
    public async Task<IActionResult> OnPostIdAsync(CancellationToken ct)
    {
        if (await CitizenAsync(db, ct) is not { } account)
        {
            return await SessionEndedAsync();
        }

        Level = account.AssuranceLevel;
        if (Level >= AssuranceLevel.L2)
        {
            return Page();
        }

        if (!await ConsentedAsync(account.Id, ct))
        {
            return Page();
        }

        var result = await verification.VerifyIdNumberAsync(account.Id, Name, IdNumber, ct);
        if (result.IsOk)
        {
            return Done(result.Value.AssuranceLevel);
        }

        MarkRateLimited(result.Error);
        Errors.Add(result.Error, "name", "idNumber");
        return Page();
    }

    /// <summary>Level 3, first step: a single-use challenge the photo will be bound to.</summary>
    public async Task<IActionResult> OnPostStartFaceAsync(CancellationToken ct)
    {
        if (await CitizenAsync(db, ct) is not { } account)
        {
            return await SessionEndedAsync();
        }

        Level = account.AssuranceLevel;
        HasConsent = await consents.HasSensitiveAsync(account.Id, ct);
        await StartChallengeAsync(account.Id, ct);
        return Page();
    }

    /// <summary>Level 3: the uploaded photo (JPEG or PNG, at most 10 MB) is scaled down and compared by the registry; it is not kept anywhere.</summary>
    public async Task<IActionResult> OnPostFaceAsync(CancellationToken ct)
    {
        if (await CitizenAsync(db, ct) is not { } account)
        {
            return await SessionEndedAsync();
        }

        Level = account.AssuranceLevel;
        if (!await ConsentedAsync(account.Id, ct))
        {
            PhotoStep = !string.IsNullOrEmpty(Nonce);
            return Page();
        }

        if (Image is not { Length: > 0 } image)
        {
            Errors.Add("image", texts["verify.photo.missing"]);
            PhotoStep = !string.IsNullOrEmpty(Nonce);
            return Page();
        }

        if (image.Length > IdentityVerificationService.MaxImageBytes)
        {
            Errors.Add(Photo.TooLarge(), "image");
            PhotoStep = !string.IsNullOrEmpty(Nonce);
            return Page();
        }

        var bytes = new byte[image.Length];
        await using (var stream = image.OpenReadStream())
        {
            await stream.ReadExactlyAsync(bytes, ct);
        }

        var result = await verification.VerifyFaceAsync(account.Id, Nonce, bytes, ct);
        if (result.IsOk)
        {
            return Done(result.Value.AssuranceLevel);
        }

        MarkRateLimited(result.Error);
        Errors.Add(result.Error, "image");
        if (result.Error.Kind is ErrorKind.TooLarge or ErrorKind.UnsupportedType)
        {
            PhotoStep = !string.IsNullOrEmpty(Nonce); // refused before the challenge was looked at: it is still open
        }
        else if (result.Error.Kind == ErrorKind.Invalid)
        {
            // A used or expired challenge cannot be tried again: open a fresh one so the person can retake the photo at once.
            await StartChallengeAsync(account.Id, ct, reportErrors: false);
        }

        return Page();
    }

    /// <summary>Consent given before, or given now with this form (recorded before anything is processed); otherwise the error at the checkbox.</summary>
    private async Task<bool> ConsentedAsync(Guid accountId, CancellationToken ct)
    {
        HasConsent = await consents.HasSensitiveAsync(accountId, ct);
        if (HasConsent)
        {
            return true;
        }

        if (await consents.AgreeSensitiveAsync(accountId, Consent, ConsentChannel.Page, ct) is { } refused)
        {
            Errors.Add(refused, "consent");
            return false;
        }

        HasConsent = true;
        return true;
    }

    private async Task StartChallengeAsync(Guid accountId, CancellationToken ct, bool reportErrors = true)
    {
        var challenge = await verification.StartFaceAsync(accountId, ct);
        if (challenge.IsOk)
        {
            Nonce = challenge.Value.Nonce;
            PhotoStep = true;
        }
        else
        {
            Nonce = null;
            PhotoStep = false;
            if (reportErrors)
            {
                Errors.Add(challenge.Error);
            }
        }
    }

    private LocalRedirectResult Done(AssuranceLevel level) =>
        LocalRedirect(WithReturnUrl("/me?verified=" + level));
}
