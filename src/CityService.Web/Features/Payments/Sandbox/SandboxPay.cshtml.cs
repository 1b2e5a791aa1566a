using System.Text.Json;
using CityService.Core.Payments;
using CityService.Core.Payments.Channels.Sandbox;
using CityService.Core.Storage;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace CityService.Web.Features.Payments.Sandbox;

/// <summary>
/// The sandbox's payer page (/sandbox/pay/{outTradeNo}): the amount, "pay" and "fail". "Pay" marks the sandbox trade paid
/// and delivers its signed notice through the notify endpoint's handler (verify, then the payments rules), then sends the
/// payer back to the result page. Only where the sandbox is enabled.
/// </summary>
[AllowAnonymous]
public sealed class SandboxPayModel(CityDbContext db, IServiceProvider services) : PageModel
{
    public SandboxTrade Trade { get; private set; } = null!;

    public async Task<IActionResult> OnGetAsync(string outTradeNo, CancellationToken ct)
    {
        if (services.GetService<SandboxChannel>() is null || await db.SandboxTrades.AsNoTracking().SingleOrDefaultAsync(t => t.OutTradeNo == outTradeNo, ct) is not { } trade)
        {
            return NotFound();
        }

        Trade = trade;
        return Page();
    }

    public async Task<IActionResult> OnPostPayAsync(string outTradeNo, CancellationToken ct)
    {
        if (services.GetService<SandboxChannel>() is not { } sandbox || await sandbox.PayAsync(outTradeNo, ct) is not { } notice)
        {
            return NotFound();
        }

        var (body, signature) = services.GetRequiredService<SandboxKey>().Sign(notice);
        await SandboxSetup.AcceptAsync(HttpContext.RequestServices, body, signature, ct);
        return Back(outTradeNo);
    }

    public async Task<IActionResult> OnPostFailAsync(string outTradeNo, CancellationToken ct)
    {
        if (services.GetService<SandboxChannel>() is not { } sandbox)
        {
            return NotFound();
        }

        await sandbox.CloseAsync(outTradeNo, ct);
        return Back(outTradeNo);
    }

    private IActionResult Back(string outTradeNo) =>
        Guid.TryParseExact(outTradeNo, "N", out var id) ? LocalRedirect("/me/payments/" + id) : NotFound();
}
