using CityService.Core.Audit;
using CityService.Core.Payments;
using CityService.Core.Payments.Channels.Sandbox;
using CityService.Core.Payments.Orders;
using CityService.Core.Storage;
using CityService.Web.Features.Payments.Orders;
using CityService.Web.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CityService.Web.Features.Payments.Sandbox;

public sealed record NoticeAnswer(string Outcome);

/// <summary>
/// The sandbox channel: registered in Development and Testing, or anywhere with <c>Payments:Channels:Sandbox:Enabled=true</c>;
/// never otherwise. Its notices are signed with HMAC-SHA256 (<c>Payments:Channels:Sandbox:Key</c>, base64, or a key made
/// for this process) and arrive at <c>POST /api/channels/sandbox/notify</c> like the wallets' do.
/// </summary>
public static class SandboxSetup
{
    public const string NotifyPath = "/api/channels/sandbox/notify";

    public static bool Enabled(WebApplicationBuilder builder) =>
        builder.Configuration.GetValue<bool?>("Payments:Channels:Sandbox:Enabled") ?? ExternalSystem.IsLocal(builder.Environment);

    public static void AddSandboxChannel(this WebApplicationBuilder builder)
    {
        if (!Enabled(builder))
        {
            return;
        }

        builder.Services.AddSingleton(SandboxKey.From(builder.Configuration["Payments:Channels:Sandbox:Key"]));
        builder.Services.AddSingleton<SandboxChannel>();
        builder.Services.AddSingleton<IPaymentChannel>(sp => sp.GetRequiredService<SandboxChannel>());
    }

    public static IEndpointRouteBuilder MapSandboxChannel(this IEndpointRouteBuilder app)
    {
        app.MapPost(NotifyPath, Notify).WithTags("Payments").AllowAnonymous().WithName("SandboxNotify")
            .Accepts<SandboxNotice>("application/json").ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("The sandbox channel's payment notification: a JSON notice signed with HMAC-SHA256 (header Sandbox-Signature, base64url). " +
                "Answers the outcome (applied, already-applied, amount-mismatch, refunded-automatically); a bad signature 400, an unknown order 404 — both audited.");
        return app;
    }

    public static async Task<Results<Ok<NoticeAnswer>, ProblemHttpResult>> Notify(HttpContext http, CancellationToken ct)
    {
        if (http.RequestServices.GetService<SandboxKey>() is null)
        {
            return Problems.From(PaymentErrors.Order.UnknownChannel(PaymentChannels.Sandbox), http);
        }

        using var buffer = new MemoryStream();
        await http.Request.Body.CopyToAsync(buffer, ct);
        var (outcome, error) = await AcceptAsync(http.RequestServices, buffer.ToArray(), http.Request.Headers[SandboxKey.SignatureHeader].ToString(), ct);
        return error is null ? TypedResults.Ok(new NoticeAnswer(PaymentNotices.OutcomeName(outcome!.Value))) : Problems.From(error, http);
    }

    /// <summary>The notify endpoint's work, also used by the payer page (the sandbox lives in this process): verify the
    /// signature, then hand the notice to <see cref="IPaymentNotices"/>; a refusal is audited.</summary>
    public static async Task<(NoticeOutcome? Outcome, Core.Common.Error? Error)> AcceptAsync(IServiceProvider services, byte[] body, string? signature, CancellationToken ct)
    {
        var notice = services.GetRequiredService<SandboxKey>().Verify(body, signature);
        if (notice is null)
        {
            await RejectAsync(services, "bad-signature", null, ct);
            return (null, PaymentErrors.Order.Rejected());
        }

        var outcome = await services.GetRequiredService<IPaymentNotices>().ApplyAsync(
            new ChannelPaymentNotice(PaymentChannels.Sandbox, notice.OutTradeNo, notice.TradeNo, notice.AmountFen, notice.PaidAt, notice.NoticeId), ct);
        if (outcome == NoticeOutcome.UnknownOrder)
        {
            await RejectAsync(services, "unknown-order", notice.OutTradeNo, ct);
            return (null, PaymentErrors.Order.Payment());
        }

        return (outcome, null);
    }

    private static async Task RejectAsync(IServiceProvider services, string reason, string? outTradeNo, CancellationToken ct)
    {
        PaymentMetrics.Notices.Add(1, new("channel", PaymentChannels.Sandbox), new("outcome", "rejected"));
        var db = services.GetRequiredService<CityDbContext>();
        await services.GetRequiredService<AuditLog>().RecordAsync(db, new AuditRecord(AuditActions.NoticeRejected, AuditActor.Anonymous, "payment-notice",
            outTradeNo is { Length: <= 32 } ? outTradeNo : null, AuditOutcomes.Refused, AuditRecord.PlatformRegion,
            AuditRecord.DetailsOf(new { channel = PaymentChannels.Sandbox, reason })), ct);
    }
}
