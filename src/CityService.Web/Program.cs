using CityService.Web.Features.Audit;
using CityService.Web.Features.Catalog;
using CityService.Web.Features.Health;
using CityService.Web.Features.Home;
using CityService.Web.Features.Identity;
using CityService.Web.Features.LifeEvents;
using CityService.Web.Features.Notifications;
using CityService.Web.Features.Notifications.Senders;
using CityService.Web.Features.Operations;
using CityService.Web.Features.Payments.Orders;
using CityService.Web.Features.Payments.Billing;
using CityService.Web.Features.Payments.Alipay;
using CityService.Web.Features.Payments.WeChatPay;
using CityService.Web.Features.Payments.Reconciliation;
using CityService.Web.Features.Payments.Refunds;
using CityService.Web.Features.Documents;
using CityService.Web.Features.Documents.Verification;
using CityService.Web.Features.Payments.Invoices;
using CityService.Web.Features.Metrics;
using CityService.Web.Features.Regions;
using CityService.Web.Features.Site;
using CityService.Web.Infrastructure;

if (VerifyCommand.Matches(args))
{
    // `verify --keys <jwks.json> <input>`: offline, so it runs before the host exists (no configuration, database or network);
    // the exit code says valid (0), invalid (1) or unusable input (2).
    Environment.ExitCode = VerifyCommand.Run(args[1..], Console.Out);
    return;
}

var builder = WebApplication.CreateBuilder(args);

// The host: storage (SQLite | PostgreSQL), JSON/problems/pages/languages, the public site's settings.
var storage = builder.AddStorage();
builder.AddWebParts();
builder.AddHttpConventions(); // forwarded headers, security headers, compression (ADR 013)
builder.AddPublicSite();

// The capabilities, one line each (Features/<Capability>/).
builder.AddHealth();
builder.AddSite();
builder.AddRegions();
builder.AddCatalog();
builder.AddLifeEvents();
builder.AddHome();
builder.AddIdentity();
builder.AddNotifications();
builder.AddNotificationSenders(); // SMS gateway (sign-in codes, notifications) and SMTP e-mail
builder.AddOperations(); // background jobs and the outbox (runs them unless Jobs:Enabled=false)
builder.AddAudit();
builder.AddMetrics();
builder.AddPayments(); // payment orders, exactly-once notices, the ledger, the sandbox channel
builder.AddBilling(); // bills: the departments' push API, citizens' bills, lookup, department pages
builder.AddAlipay(); // payments: the Alipay channel (or its simulator where chosen)
builder.AddWeChatPay(); // WeChat Pay API v3 channel (its simulator only where chosen)
builder.AddRefunds(); // refunds: the API, the payment-refund job, the department's refund pages
builder.AddReconciliation(); // reconciliation with the channels' settlement files: the daily job, the command, operator pages
builder.AddDocuments(); // signed documents: issuers' keys, the JWKS, rotation and revocation
builder.AddInvoices(); // fiscal e-invoices: issued with each payment, red-letter on refunds, API, PDF hard copies
builder.AddVerification(); // checking signed documents: /api/verify, the /v/ page a QR code opens, its hard copy

var app = builder.Build();
if (await app.RunAuditCommandAsync(args))
{
    return; // `audit verify`: the exit code says whether the log is intact
}

if (await app.RunLedgerCommandAsync(args))
{
    return; // `ledger verify`: the exit code says whether the ledger balances
}

if (await app.RunReconcileCommandAsync(args))
{
    return; // `reconcile <channel> <day> [file]`: the exit code says whether differences are left open
}

if (await app.RunKeysCommandAsync(args))
{
    return; // `keys rotate <issuer>` | `keys revoke <kid> <reason>` | `keys export <file>` (the JWKS for offline verification)
}

if (!await app.PrepareDatabaseAsync(args))
{
    return; // `migrate`: schema and reference data are up to date
}

app.UseHttpConventions(); // real client address from configured proxies, security headers, Vary, HEAD, compression
app.UsePublicSite(); // Production: HSTS, HTTPS at the configured address
app.UseRequestLocalization(); // before the error answers, so framework-made problems and error pages are localized too
app.UseErrorAnswers();
app.UseRouting();
app.UseAuthentication();
app.UseAuthorization();
app.UseRequestInputChecks(); // charset, size and text of every input: one place (RequestInput)
app.MapApiDocs(); // Production: only with ApiDocs:Enabled=true

app.MapHealth();
app.MapSite();
app.MapRegions();
app.MapCatalog();
app.MapLifeEvents();
app.MapIdentity();
app.MapNotifications();
app.MapOperations();
app.MapAudit();
app.MapMetrics();
app.MapPayments();
app.MapBilling();
app.MapAlipay();
app.MapWeChatPay();
app.MapRefunds();
app.MapReconciliation();
app.MapDocuments();
app.MapInvoices();
app.MapVerification();
app.MapStaticAssets().AllowAnonymous(); // wwwroot: fingerprinted, precompressed, fingerprinted URLs cached immutably
app.MapRazorPages().WithStaticAssets(); // the pages of every capability (Features/**/*.cshtml); each declares [Authorize] or [AllowAnonymous]

app.AnnounceAddresses(storage);
await app.RunAsync();

/// <summary>The host's entry point, visible to WebApplicationFactory in tests.</summary>
public partial class Program;
