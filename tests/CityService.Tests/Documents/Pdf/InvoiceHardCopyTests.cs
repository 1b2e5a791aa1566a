using System.Diagnostics;
using CityService.Core.Documents;
using CityService.Core.Documents.Pdf;
using CityService.Core.Identity;
using CityService.Core.Payments;
using CityService.Core.Payments.Invoices;
using CityService.Core.Storage;
using CityService.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace CityService.Tests.Documents.Pdf;

/// <summary>
/// The PDF hard copy on both providers, checked with a person's tools: the QR code rendered at 150 dpi decodes (zbarimg)
/// to a URL whose compact verifies; the Chinese fields extract (pdftotext) from the embedded font subset (pdffonts);
/// the copy is made once, kept by its SHA-256 and served from the store; a reversal makes the next copy show it.
/// </summary>
public abstract class InvoiceHardCopyTests(AppFixture app, ITestOutputHelper output)
{
    private static readonly Uri Site = new("https://city.example.gov.cn/");
    private static int _account;

    [Fact]
    public async Task The_copy_scans_to_a_url_that_verifies_and_its_chinese_fields_extract()
    {
        var invoice = await IssueAsync(12_345, "壹佰贰拾叁元肆角伍分");
        var copies = app.Service<InvoiceHardCopies>();

        var clock = Stopwatch.StartNew();
        var file = await copies.PdfAsync(invoice.Id, Site, default);
        output.WriteLine($"first copy (render + store): {clock.ElapsedMilliseconds} ms, {file!.Content.Length:N0} bytes");

        var scanned = Assert.Single(await PdfTools.ScanAsync(file.Content));
        Assert.Equal($"{Site}v/{invoice.Compact}", scanned);
        var verified = await app.Service<IssuerKeys>().VerifyAsync(scanned[$"{Site}v/".Length..], default);
        Assert.True(verified.Valid, verified.Reason);
        Assert.Equal(invoice.NumberText, verified.Document!.Field(InvoiceClaims.Number));

        var text = await PdfTools.TextAsync(file.Content);
        foreach (var expected in new[] { "财政电子票据", "Fiscal e-invoice", "杭州市公安局", "张*三", "壹佰贰拾叁元肆角伍分", "¥123.45", invoice.InvoiceCode, invoice.NumberText,
            invoice.CheckCode, invoice.PaymentId.ToString("N"), "交通违法罚款", "查验", "city.example.gov.cn/v/", "电子签章" })
        {
            Assert.Contains(expected, text, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("红字", text, StringComparison.Ordinal);
        var fonts = await PdfTools.FontsAsync(file.Content);
        var font = Assert.Single(fonts.Split('\n'), l => l.Contains("WenQuanYi", StringComparison.Ordinal));
        output.WriteLine(fonts);
        Assert.Matches(@"^[A-Z]{6}\+WenQuanYi Micro Hei\s+CID TrueType\s+Identity-H\s+yes\s+yes\s+yes", font); // embedded subset with ToUnicode
        Assert.Matches($@"(?m)^{InvoicePdf.DocumentInfoKey}:\s*{System.Text.RegularExpressions.Regex.Escape(invoice.Compact)}$", await PdfTools.CustomInfoAsync(file.Content));
    }

    [Fact]
    public async Task Concurrent_first_requests_keep_one_file_and_later_ones_never_render()
    {
        var invoice = await IssueAsync(20_000, "贰佰元整");
        var copies = app.Service<InvoiceHardCopies>();

        var first = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => copies.PdfAsync(invoice.Id, Site, default))));
        var sha = Assert.Single(first.Select(f => f!.Sha256).Distinct());
        var rendered = copies.Rendered;
        var again = await copies.PdfAsync(invoice.Id, Site, default);

        Assert.Equal(rendered, copies.Rendered); // served from the store
        Assert.Equal(sha, again!.Sha256);
        Assert.Equal(first[0]!.Content, again.Content);
        await using var scope = app.App.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CityDbContext>();
        Assert.Equal(sha, await db.Invoices.Where(i => i.Id == invoice.Id).Select(i => i.PdfSha256).SingleAsync());
        Assert.Equal(1, await db.DocumentFiles.CountAsync(f => f.Sha256 == sha));
        Assert.Null(await copies.PdfAsync(Guid.CreateVersion7(), Site, default));

        var context = new InvoicePdfContext("杭州市公安局", "Hangzhou Public Security Bureau", "杭州市", null, Site);
        Assert.Equal(InvoicePdf.Render(invoice, context), InvoicePdf.Render(invoice, context)); // deterministic: what lets the copy be kept by hash
        var timing = Stopwatch.StartNew();
        const int Renders = 3;
        for (var i = 0; i < Renders; i++)
        {
            InvoicePdf.Render(invoice, context);
        }

        var each = timing.Elapsed.TotalMilliseconds / Renders;
        output.WriteLine($"render: {each:F1} ms per PDF");
        Assert.True(each < 1000, $"{each} ms per PDF");
    }

    [Fact]
    public async Task A_red_letter_copy_names_the_original_and_a_reversal_shows_on_the_next_copy_of_the_original()
    {
        var original = await IssueAsync(20_000, "贰佰元整");
        var copies = app.Service<InvoiceHardCopies>();
        var before = await copies.PdfAsync(original.Id, Site, default);
        var red = await IssueAsync(-5_000, "负伍拾元整", original);
        await using (var scope = app.App.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<CityDbContext>();
            (await db.Invoices.SingleAsync(i => i.Id == original.Id)).AddReversal(5_000);
            await db.SaveChangesAsync();
        }

        var redText = await PdfTools.TextAsync((await copies.PdfAsync(red.Id, Site, default))!.Content);
        var after = await copies.PdfAsync(original.Id, Site, default);

        Assert.Contains("财政电子票据（红字）", redText, StringComparison.Ordinal);
        Assert.Contains($"冲红原票据 {original.InvoiceCode} / {original.NumberText}", redText, StringComparison.Ordinal);
        Assert.Contains("负伍拾元整", redText, StringComparison.Ordinal);
        Assert.Contains("-¥50.00", redText, StringComparison.Ordinal);
        Assert.NotEqual(before!.Sha256, after!.Sha256);
        Assert.Contains("已部分冲红 ¥50.00", await PdfTools.TextAsync(after.Content), StringComparison.Ordinal);
        Assert.DoesNotContain("冲红", await PdfTools.TextAsync(before.Content), StringComparison.Ordinal);
        var verified = await app.Service<IssuerKeys>().VerifyAsync(Assert.Single(await PdfTools.ScanAsync(after.Content))[$"{Site}v/".Length..], default);
        Assert.True(verified.Valid, verified.Reason);
    }

    /// <summary>An invoice as issuance stores it (a real payment row and account, signed with the department's key).</summary>
    private async Task<Invoice> IssueAsync(long fen, string inWords, Invoice? original = null)
    {
        var now = app.Time.GetUtcNow();
        var issuer = DocumentIssuer.Department("330100", "PSB");
        var signer = await app.Service<IssuerKeys>().SignerAsync(issuer, default);
        await using var scope = app.App.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CityDbContext>();
        var n = Interlocked.Increment(ref _account);
        var account = Account.Open(AccountKind.Citizen, $"pdf-index-{app.Provider}-{n}", "cipher", now);
        var order = PaymentOrder.Create("330100", account.Id, "sandbox", Math.Abs(fen), now, TimeSpan.FromMinutes(30));
        var year = now.ToOffset(TimeSpan.FromHours(8)).Year;
        var number = 900_000 + n + (app.Provider == StorageProvider.Postgres ? 50_000 : 0);
        var id = Guid.CreateVersion7(now);
        var draft = Invoice.Issue(id, "330100", "PSB", order.Id, account.Id, "张*三", $"330100-PSB-{year}", year, number,
            [new InvoiceItem(Guid.CreateVersion7(now), RevenueHeads.Fine, "交通违法罚款", "Traffic fine", fen)], inWords, "83521907", now, signer.KeyId, "pending",
            original is null ? null : Guid.CreateVersion7(now), original?.Id);
        var compact = signer.Sign(InvoiceClaims.For(draft, "杭州市公安局", original));
        var invoice = Invoice.Issue(id, "330100", "PSB", order.Id, account.Id, "张*三", draft.InvoiceCode, year, number, draft.Items, inWords, draft.CheckCode, now,
            signer.KeyId, compact, draft.RefundId, original?.Id);
        db.AddRange(account, order, invoice);
        await db.SaveChangesAsync();
        return invoice;
    }
}

public sealed class InvoiceHardCopyTests_Sqlite(SqliteApp app, ITestOutputHelper output) : InvoiceHardCopyTests(app, output), IClassFixture<SqliteApp>;

public sealed class InvoiceHardCopyTests_Postgres(PostgresApp app, ITestOutputHelper output) : InvoiceHardCopyTests(app, output), IClassFixture<PostgresApp>;
