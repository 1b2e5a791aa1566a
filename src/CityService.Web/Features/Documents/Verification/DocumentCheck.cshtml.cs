using CityService.Core.Common;
using CityService.Core.Documents.Verification;
using CityService.Web.Features.Identity;
using CityService.Web.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace CityService.Web.Features.Documents.Verification;

/// <summary>
/// <c>/v/{compact}</c>: what a phone's scanner opens from a document's QR code. Anyone; no JavaScript. A big verdict
/// (valid / invalid and why in plain words), the document's essential fields, an invoice's status and its hard copy.
/// Not a document at all: the same page with status 400 saying so; too many checks: 429.
/// </summary>
[AllowAnonymous]
public sealed class DocumentCheckModel(OnlineVerifier verifier, Texts texts) : PageModel
{
    public VerificationDto? Verdict { get; private set; }

    /// <summary>Why the input is not a document at all (400), or the rate limit (429).</summary>
    public Error? Refused { get; private set; }

    public string Compact { get; private set; } = string.Empty;

    public async Task OnGetAsync(string compact, CancellationToken ct)
    {
        Response.Headers.CacheControl = "no-store";
        Compact = compact;
        var verdict = await verifier.VerifyAsync(compact, HttpContext.ClientAddress(), ct);
        if (verdict.IsOk)
        {
            Verdict = VerificationDto.From(verdict.Value!, texts);
            return;
        }

        Refused = verdict.Error;
        Response.StatusCode = Refused!.Kind == ErrorKind.RateLimited ? StatusCodes.Status429TooManyRequests : StatusCodes.Status400BadRequest;
        if (Refused.RetryAfter is { } wait)
        {
            Response.Headers.RetryAfter = ((int)wait.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
    }
}
