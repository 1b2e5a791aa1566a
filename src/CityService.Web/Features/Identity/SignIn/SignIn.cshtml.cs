using System.Globalization;
using CityService.Core.Identity;
using CityService.Core.Identity.Consent;
using CityService.Core.Identity.SignIn;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;

namespace CityService.Web.Features.Identity.SignIn;

/// <summary>
/// Sign-in as plain forms on one page: by code (the phone gets a one-time code in step 1, the code opens a session in
/// step 2) or, with <c>?method=password</c>, by phone and password. Every sign-in asks for agreement to the current user
/// agreement and privacy policy (a checkbox, never ticked in advance); the versions agreed travel with the form and are
/// recorded for the account (<see cref="ConsentService"/>). The same Core rules as <c>POST /api/auth/otp</c>,
/// <c>/otp/verify</c> and <c>/password</c>.
/// </summary>
[AllowAnonymous]
[IgnoreAntiforgeryToken] // checked by AccountPageModel (ChecksFormToken), so an expired form gets its message in the form
public sealed class SignInModel(OtpService otp, PasswordSignIn passwords, ConsentService consents) : PhoneCodePageModel
{
    /// <summary>TempData key: the page the citizen returns to says "you are signed in" once.</summary>
    public const string SignedInNotice = "signed-in";

    public bool SignedIn => User.Identity?.IsAuthenticated == true;

    /// <summary>The password form instead of the code form.</summary>
    [BindProperty(Name = "method", SupportsGet = true)]
    public string? Method { get; set; }

    public bool PasswordMethod => Method == "password";

    /// <summary><c>?withdrawn=terms|privacy</c>: the citizen just withdrew that consent and was signed out.</summary>
    [BindProperty(Name = "withdrawn", SupportsGet = true)]
    public string? Withdrawn { get; set; }

    [BindProperty(Name = "password")]
    public string? Password { get; set; }

    /// <summary>The consent checkbox (step 1 and the password form).</summary>
    [BindProperty(Name = "agree")]
    public bool Agree { get; set; }

    /// <summary>The versions the citizen was shown and agreed to, carried from the checkbox to the code form.</summary>
    [BindProperty(Name = "terms")]
    public string? TermsVersion { get; set; }

    [BindProperty(Name = "privacy")]
    public string? PrivacyVersion { get; set; }

    public ConsentDocuments Documents => consents.Documents;

    /// <summary>Seconds until another code may be sent to the phone (from its stored challenges); 0 when it may now.</summary>
    public int ResendWaitSeconds { get; private set; }

    public string SwitchMethodUrl => WithReturnUrl(PasswordMethod ? "/signin" : "/signin?method=password");

    protected override bool ChecksFormToken => true;

    public void OnGet()
    {
    }

    /// <summary>An expired form starts again at its first step, with the phone kept and the checkbox to tick again.</summary>
    protected override Task<IActionResult> FormExpiredAsync()
    {
        Code = Password = null;
        Agree = false;
        return Task.FromResult<IActionResult>(Page());
    }

    /// <summary>Step 1 (and "send a new code" in step 2): sends a code; limits answer 429 with the wait.</summary>
    public async Task<IActionResult> OnPostSendAsync([FromForm(Name = "resend")] bool resend, CancellationToken ct)
    {
        if (!resend && Agreement() is { } refused)
        {
            Errors.Add(refused with { Parameter = "agree" }, "agree");
            return Page();
        }

        var client = HttpContext.ClientAddress();
        var sent = await otp.SendAsync(Phone, client, ct);
        if (sent.IsOk)
        {
            await ResendWaitAsync(ct);
            return CodeSent();
        }

        MarkRateLimited(sent.Error);
        if (resend && sent.Error.Parameter is null)
        {
            CodeStep = true; // stay on the code form; the wait is shown by the "send a new code" button
            Errors.Add("resend", Infrastructure.Texts.Pick(sent.Error.Message));
            await ResendWaitAsync(ct);
        }
        else
        {
            Errors.Add(sent.Error with { Parameter = sent.Error.Parameter ?? "phone" }, "phone"); // the wait belongs to this phone
        }

        return Page();
    }

    /// <summary>Step 2: checks the code; on success records the consents, opens the session and goes back (local addresses only) or to the citizen's profile.</summary>
    public async Task<IActionResult> OnPostVerifyAsync(CancellationToken ct)
    {
        if (consents.CheckSignIn(TermsVersion, PrivacyVersion) is { } stale)
        {
            // The documents changed since step 1 (or the hidden fields were altered): agree again, before the code is used up.
            Errors.Add(stale with { Parameter = "agree" }, "agree");
            Code = null;
            return Page();
        }

        var account = await otp.VerifyAsync(Phone, Code, ct);
        if (!account.IsOk)
        {
            // A bad phone can only come from an altered hidden field: back to step 1 with the error at the phone.
            CodeStep = account.Error.Parameter != "phone";
            Errors.Add(account.Error, CodeStep ? "code" : "phone");
            Code = null;
            if (CodeStep)
            {
                await ResendWaitAsync(ct);
            }

            return Page();
        }

        return await OpenAsync(account.Value, SignInMethod.Code, ct);
    }

    /// <summary>Phone and password (set on the profile after a first sign-in by code); the same consent as by code.</summary>
    public async Task<IActionResult> OnPostPasswordAsync(CancellationToken ct)
    {
        Method = "password";
        if (Agreement() is { } refused)
        {
            Errors.Add(refused with { Parameter = "agree" }, "agree");
            Password = null;
            return Page();
        }

        var account = await passwords.SignInAsync(Phone, Password, HttpContext.ClientAddress(), ct);
        Password = null;
        if (!account.IsOk)
        {
            MarkRateLimited(account.Error);
            Errors.Add(account.Error with { Parameter = account.Error.Parameter ?? "password" }, "phone", "password");
            return Page();
        }

        return await OpenAsync(account.Value, SignInMethod.Password, ct);
    }

    /// <summary>The checkbox ticked, for the versions on the page: they are carried on, so the code form records what was shown.</summary>
    private Core.Common.Error? Agreement()
    {
        if (!Agree)
        {
            TermsVersion = PrivacyVersion = null;
            return consents.CheckSignIn(null, null);
        }

        var stale = consents.CheckSignIn(TermsVersion, PrivacyVersion);
        if (stale is not null)
        {
            Agree = false; // shown a version that is no longer current: show the new one, unticked
        }

        return stale;
    }

    private async Task<IActionResult> OpenAsync(Account account, SignInMethod method, CancellationToken ct)
    {
        await consents.RecordSignInAsync(account.Id, ConsentChannel.Page, ct);
        var session = await HttpContext.OpenSessionAsync(account, SessionKind.Page, method);
        await HttpContext.SignInAsync(IdentityConstants.ApplicationScheme, IdentitySetup.Principal(account, IdentityConstants.ApplicationScheme, session));
        TempData[SignedInNotice] = true;
        return LocalRedirect(LocalReturnUrl ?? (account.Kind == AccountKind.Citizen ? "/me" : "/")); // the profile is for citizens
    }

    private async Task ResendWaitAsync(CancellationToken ct) =>
        ResendWaitSeconds = await otp.NextCodeWaitAsync(Phone, ct) is { } wait ? Core.Common.Error.WholeSeconds(wait) : 0;

    public string ResendWaitText(Infrastructure.Texts t) => t.Format("signin.resend.wait", ResendWaitSeconds.ToString(CultureInfo.InvariantCulture));
}
