using CityService.Core.Identity;
using CityService.Core.Identity.SignIn;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;

namespace CityService.Web.Features.Identity.SignIn;

/// <summary>
/// Phone sign-in as two plain forms on one page: the phone gets a one-time code (step 1), the code opens a session
/// cookie (step 2). The same Core rules as <c>POST /api/auth/otp</c> and <c>/otp/verify</c>.
/// </summary>
[AllowAnonymous]
public sealed class SignInModel(OtpService otp) : PhoneCodePageModel
{
    public bool SignedIn => User.Identity?.IsAuthenticated == true;

    public void OnGet()
    {
    }

    /// <summary>Step 1 (and "send a new code" in step 2): sends a code; limits answer 429 with the wait.</summary>
    public async Task<IActionResult> OnPostSendAsync([FromForm(Name = "resend")] bool resend, CancellationToken ct)
    {
        var client = HttpContext.ClientAddress();
        var sent = await otp.SendAsync(Phone, client, ct);
        if (sent.IsOk)
        {
            return CodeSent();
        }

        MarkRateLimited(sent.Error);
        if (resend && sent.Error.Parameter is null)
        {
            CodeStep = true; // stay on the code form; the wait is shown by the "send a new code" button
            Errors.Add("resend", Infrastructure.Texts.Pick(sent.Error.Message));
        }
        else
        {
            Errors.Add(sent.Error with { Parameter = sent.Error.Parameter ?? "phone" }, "phone"); // the wait belongs to this phone
        }

        return Page();
    }

    /// <summary>Step 2: checks the code; on success opens the session and goes back (local addresses only) or to the citizen's profile.</summary>
    public async Task<IActionResult> OnPostVerifyAsync(CancellationToken ct)
    {
        var account = await otp.VerifyAsync(Phone, Code, ct);
        if (!account.IsOk)
        {
            // A bad phone can only come from an altered hidden field: back to step 1 with the error at the phone.
            CodeStep = account.Error.Parameter != "phone";
            Errors.Add(account.Error, CodeStep ? "code" : "phone");
            Code = null;
            return Page();
        }

        var session = await HttpContext.OpenSessionAsync(account.Value, SessionKind.Page, SignInMethod.Code);
        await HttpContext.SignInAsync(IdentityConstants.ApplicationScheme, IdentitySetup.Principal(account.Value, IdentityConstants.ApplicationScheme, session));
        return LocalRedirect(LocalReturnUrl ?? (account.Value.Kind == AccountKind.Citizen ? "/me" : "/")); // the profile is for citizens
    }
}
