using CityService.Core.Identity;
using Microsoft.AspNetCore.Mvc;

namespace CityService.Web.Features.Identity;

/// <summary>
/// A page of two plain forms: a phone gets a one-time code (step 1), the code does the page's work (step 2). Shared by
/// sign-in and accepting a staff invitation, so both carry the phone and show it masked the same way.
/// </summary>
public abstract class PhoneCodePageModel : AccountPageModel
{
    [BindProperty(Name = "phone")]
    public string? Phone { get; set; }

    [BindProperty(Name = "code")]
    public string? Code { get; set; }

    /// <summary>Step 2: a code was sent (or asked for again) to <see cref="Phone"/>.</summary>
    public bool CodeStep { get; protected set; }

    public string? MaskedPhone => PhoneNumber.Parse(Phone) is { IsOk: true } phone ? phone.Value.Masked : null;

    /// <summary>After a code was sent: the hidden field carries the normalised number, and the page shows step 2.</summary>
    protected IActionResult CodeSent()
    {
        var phone = PhoneNumber.Parse(Phone);
        Phone = phone.IsOk ? phone.Value.Value : Phone;
        CodeStep = true;
        return Page();
    }
}
