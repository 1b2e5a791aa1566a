using CityService.Core.Identity.Staff;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace CityService.Web.Features.Identity.Staff;

/// <summary>
/// An invitee accepts their staff invitations as two plain forms: the phone gets a code (step 1), the code accepts every open
/// invitation to that phone (step 2). The same Core rules as <c>POST /api/staff/invitations/code</c> and <c>/accept</c>.
/// </summary>
[AllowAnonymous]
public sealed class AcceptModel(StaffService staff) : PhoneCodePageModel
{
    public IReadOnlyList<AcceptedRole> Accepted { get; private set; } = [];

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostSendAsync(CancellationToken ct)
    {
        var sent = await staff.SendAcceptCodeAsync(Phone, HttpContext.ClientAddress(), ct);
        if (sent.IsOk)
        {
            return CodeSent();
        }

        MarkRateLimited(sent.Error);
        Errors.Add(sent.Error with { Parameter = sent.Error.Parameter ?? "phone" }, "phone");
        return Page();
    }

    public async Task<IActionResult> OnPostAcceptAsync(CancellationToken ct)
    {
        var accepted = await staff.AcceptAsync(Phone, Code, ct);
        if (accepted.IsOk)
        {
            Accepted = accepted.Value;
            return Page();
        }

        CodeStep = accepted.Error.Parameter == "code";
        Errors.Add(accepted.Error, CodeStep ? "code" : "phone");
        if (accepted.Error.Kind is Core.Common.ErrorKind.Conflict or Core.Common.ErrorKind.NotFound)
        {
            Response.StatusCode = accepted.Error.Kind == Core.Common.ErrorKind.Conflict ? StatusCodes.Status409Conflict : StatusCodes.Status404NotFound;
        }

        Code = null;
        return Page();
    }
}
