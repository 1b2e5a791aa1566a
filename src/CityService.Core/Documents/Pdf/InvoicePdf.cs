using System.Globalization;
using CityService.Core.Payments.Billing;
using CityService.Core.Payments.Invoices;
using PdfSharp;
using PdfSharp.Drawing;
using PdfSharp.Pdf;

namespace CityService.Core.Documents.Pdf;

/// <summary>What a hard copy shows besides the invoice itself: who issued it, and where to verify it.</summary>
public sealed record InvoicePdfContext(string IssuerNameZh, string IssuerNameEn, string? RegionNameZh, Invoice? Original, Uri VerifyBase);

/// <summary>
/// The PDF hard copy of a fiscal e-invoice (docs/invoices.md, "Hard copy"): A4, Chinese with English beside it, every field,
/// the QR code as vector modules carrying <c>{verifyBase}v/{compact}</c>, and the compact in the document information under
/// <see cref="DocumentInfoKey"/> so an offline verifier reads it without scanning. Deterministic: the same invoice and
/// context give the same bytes (dates are the issue time, the file id is derived from the invoice), which is what lets the
/// copy be kept by its SHA-256. Labels live here rather than in the web's texts: the copy is always bilingual, whatever the
/// reader's language.
/// </summary>
public static partial class InvoicePdf
{
    /// <summary>The custom document-information key holding the JWS compact (agreed with the offline verifier).</summary>
    public const string DocumentInfoKey = "CityServiceDocument";

    /// <summary>Smallest QR module: 0.5 mm is 3 pixels at 150 dpi, enough for a standard scanner.</summary>
    private const double MinModuleMm = 0.5;

    private const double Margin = 18;
    private const double PageWidth = 210;
    private const double Right = PageWidth - Margin;

    private static readonly XColor Red = XColor.FromArgb(0xC0, 0x1F, 0x1F);
    private static readonly XColor Grey = XColor.FromArgb(0x55, 0x55, 0x55);
    private static readonly XColor Rule = XColor.FromArgb(0x99, 0x99, 0x99);

    public static string VerifyUrl(Uri verifyBase, string compact)
    {
        ArgumentNullException.ThrowIfNull(verifyBase);
        return verifyBase.AbsoluteUri + "v/" + compact;
    }

    public static byte[] Render(Invoice invoice, InvoicePdfContext context)
    {
        ArgumentNullException.ThrowIfNull(invoice);
        ArgumentNullException.ThrowIfNull(context);
        PdfFonts.Install();

        using var document = new PdfDocument();
        Describe(document, invoice);
        var page = document.AddPage();
        page.Size = PageSize.A4;
        using (var gfx = XGraphics.FromPdfPage(page, XGraphicsUnit.Millimeter))
        {
            new Layout(gfx).Draw(invoice, context);
        }

        using var output = new MemoryStream();
        document.Save(output, closeStream: false);
        return Deterministic(output.ToArray(), invoice.Id);
    }

    /// <summary>
    /// PDFsharp puts random values in two places: the embedded font subset's six-letter tag (ISO 32000-1 §9.6.4,
    /// "ABCDEF+Name"; it only has to differ between subsets of one file) and the XMP metadata's DocumentID and InstanceID
    /// uuids. Both are replaced, in place and with the same length, by values derived from the document's id; both sit in
    /// uncompressed parts of the file, so the cross-reference offsets stay valid.
    /// </summary>
    private static byte[] Deterministic(byte[] pdf, Guid id)
    {
        var text = System.Text.Encoding.Latin1.GetString(pdf);
        var marker = "+" + PdfFonts.Family.Split(' ')[0]; // spaces in a PDF name are written as #20
        var at = text.IndexOf(marker, StringComparison.Ordinal);
        if (at >= 6)
        {
            var hash = System.Security.Cryptography.SHA256.HashData(id.ToByteArray());
            var tag = new string(hash.Take(6).Select(b => (char)('A' + b % 26)).ToArray());
            text = text.Replace(string.Concat(text.AsSpan(at - 6, 6), "+"), tag + "+", StringComparison.Ordinal);
        }

        text = XmpUuid().Replace(text, "uuid:" + id.ToString("D"));
        return System.Text.Encoding.Latin1.GetBytes(text);
    }

    [System.Text.RegularExpressions.GeneratedRegex("uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")]
    private static partial System.Text.RegularExpressions.Regex XmpUuid();

    public static string Yuan(long fen)
    {
        var sign = fen < 0 ? "-" : string.Empty;
        var abs = Math.Abs(fen);
        return $"{sign}¥{(abs / 100).ToString("N0", CultureInfo.InvariantCulture)}.{(abs % 100).ToString("00", CultureInfo.InvariantCulture)}";
    }

    public static string IssueTime(DateTimeOffset at) =>
        at.ToOffset(BillDates.Offset).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " (UTC+8)";

    private static void Describe(PdfDocument document, Invoice invoice)
    {
        var title = $"财政电子票据 {invoice.InvoiceCode} {invoice.NumberText}";
        document.Info.Title = invoice.RedLetter ? title + "（红字）" : title;
        document.Info.Subject = "Fiscal e-invoice / 财政电子票据";
        document.Info.Creator = "CityService";
        document.Info.CreationDate = invoice.IssuedAt.UtcDateTime;
        document.Info.ModificationDate = invoice.IssuedAt.UtcDateTime;
        document.Info.Elements.SetString("/" + DocumentInfoKey, invoice.Compact);
        // PDFsharp would otherwise put a random GUID into the trailer's /ID; derive it from the invoice instead.
        document.Internals.FirstDocumentID = invoice.Id.ToString("N");
        document.Internals.SecondDocumentID = invoice.Id.ToString("N");
    }

    private sealed class Layout(XGraphics gfx)
    {
        private static readonly XPdfFontOptions Unicode = new(PdfFontEncoding.Unicode);

        private readonly XFont _title = new(PdfFonts.Family, Pt(20), XFontStyleEx.Bold, Unicode);
        private readonly XFont _subtitle = new(PdfFonts.Family, Pt(10), XFontStyleEx.Regular, Unicode);
        private readonly XFont _label = new(PdfFonts.Family, Pt(8.5), XFontStyleEx.Regular, Unicode);
        private readonly XFont _value = new(PdfFonts.Family, Pt(10.5), XFontStyleEx.Regular, Unicode);
        private readonly XFont _strong = new(PdfFonts.Family, Pt(11), XFontStyleEx.Bold, Unicode);
        private readonly XFont _small = new(PdfFonts.Family, Pt(7.5), XFontStyleEx.Regular, Unicode);

        public void Draw(Invoice invoice, InvoicePdfContext context)
        {
            var titleColor = invoice.RedLetter ? Red : XColors.Black;
            Centered(invoice.RedLetter ? "财政电子票据（红字）" : "财政电子票据", _title, titleColor, 18);
            Centered(invoice.RedLetter ? "Fiscal e-invoice — red-letter (reversal)" : "Fiscal e-invoice", _subtitle, Grey, 27.5);
            Line(Margin, 34, Right, 34, titleColor, 0.6);

            var url = VerifyUrl(context.VerifyBase, invoice.Compact);
            var modules = VectorQr.Modules(url);
            var module = Math.Max(MinModuleMm, 52.0 / modules.Length);
            var qrSize = module * modules.Length;
            VectorQr.Draw(gfx, modules, Right - qrSize, 38, module);
            Text("扫码查验  Scan to verify", _small, Grey, Right - qrSize / 2 - Width("扫码查验  Scan to verify", _small) / 2, 38 + qrSize + 1);

            var y = 40.0;
            y = Field("票据代码", "Invoice code", invoice.InvoiceCode, y);
            y = Field("票据号码", "Invoice number", invoice.NumberText, y);
            y = Field("开票日期", "Issued at", IssueTime(invoice.IssuedAt), y);
            y = Field("交款人", "Payer", invoice.PayerName, y);
            y = Field("校验码", "Check code", invoice.CheckCode, y);
            y = Field("支付流水号", "Payment reference", invoice.PaymentId.ToString("N"), y);
            y = Math.Max(y, 38 + qrSize + 6) + 2;

            y = Items(invoice, y);
            y = Totals(invoice, y);
            y = Reversal(invoice, context.Original, y);
            y = Issuer(invoice, context, y + 4);
            Verify(context.VerifyBase, y + 4);
        }

        private double Field(string zh, string en, string value, double y)
        {
            Text($"{zh}  {en}", _label, Grey, Margin, y);
            Text(value, _value, XColors.Black, Margin, y + 4);
            return y + 10.5;
        }

        private double Items(Invoice invoice, double y)
        {
            const double headX = Margin, nameX = Margin + 34, amountRight = Right;
            Line(Margin, y, Right, y, Rule, 0.3);
            Text("项目编码  Revenue head", _label, Grey, headX, y + 1.5);
            Text("项目名称  Item", _label, Grey, nameX, y + 1.5);
            RightAligned("金额  Amount", _label, Grey, amountRight, y + 1.5);
            y += 6.5;
            Line(Margin, y, Right, y, Rule, 0.3);
            foreach (var item in invoice.Items)
            {
                Text(item.RevenueHead, _value, XColors.Black, headX, y + 1.5);
                Text(item.NameZh, _value, XColors.Black, nameX, y + 1.5);
                Text(item.NameEn, _small, Grey, nameX, y + 6);
                RightAligned(Yuan(item.AmountFen), _value, XColors.Black, amountRight, y + 1.5);
                y += 10;
            }

            Line(Margin, y, Right, y, Rule, 0.3);
            return y;
        }

        private double Totals(Invoice invoice, double y)
        {
            Text("合计（大写）  Total in words", _label, Grey, Margin, y + 2);
            Text(invoice.AmountInWords, _strong, XColors.Black, Margin, y + 6);
            RightAligned("合计（小写）  Total", _label, Grey, Right, y + 2);
            RightAligned(Yuan(invoice.AmountFen), _strong, XColors.Black, Right, y + 6);
            y += 12.5;
            Line(Margin, y, Right, y, Rule, 0.3);
            return y;
        }

        private double Reversal(Invoice invoice, Invoice? original, double y)
        {
            if (invoice.RedLetter)
            {
                var reverses = original is null ? string.Empty : $"{original.InvoiceCode} / {original.NumberText}";
                Text($"红字票据：冲红原票据 {reverses}", _value, Red, Margin, y + 3);
                Text($"Red-letter invoice reversing {reverses}", _small, Red, Margin, y + 8);
                return y + 12;
            }

            if (invoice.ReversedFen > 0)
            {
                var full = invoice.ReversedFen >= invoice.AmountFen;
                Text(full ? "已全额冲红" : $"已部分冲红 {Yuan(invoice.ReversedFen)}", _value, Red, Margin, y + 3);
                Text(full ? "Fully reversed by red-letter invoice" : $"Partly reversed by {Yuan(invoice.ReversedFen)}", _small, Red, Margin, y + 8);
                return y + 12;
            }

            return y;
        }

        private double Issuer(Invoice invoice, InvoicePdfContext context, double y)
        {
            Text("开票单位  Issuer", _label, Grey, Margin, y);
            Text(context.RegionNameZh is null ? context.IssuerNameZh : $"{context.IssuerNameZh}（{context.RegionNameZh}）", _value, XColors.Black, Margin, y + 4);
            Text(context.IssuerNameEn, _small, Grey, Margin, y + 9);

            // The "seal": what the signature stands for, drawn where a paper receipt carries the stamp.
            var seal = $"{context.IssuerNameZh} 财政票据专用章（电子签章）";
            var sealWidth = Width(seal, _label) + 8;
            var sealX = Right - sealWidth;
            gfx.DrawRoundedRectangle(new XPen(Red, 0.5), sealX, y - 1, sealWidth, 15, 3, 3);
            Text(seal, _label, Red, sealX + 4, y + 1.5);
            Text("Electronic seal: ES256 signature", _small, Red, sealX + 4, y + 6);
            Text($"密钥 Key {invoice.KeyId}", _small, Red, sealX + 4, y + 9.5);
            return y + 15;
        }

        private void Verify(Uri verifyBase, double y)
        {
            var at = $"{verifyBase.Authority}{verifyBase.AbsolutePath}v/";
            Line(Margin, y, Right, y, Rule, 0.3);
            Text($"查验  Verify at: {at}", _value, XColors.Black, Margin, y + 2.5);
            Text("扫描二维码或访问上述地址查验真伪；二维码内含电子签名，可离线查验。", _small, Grey, Margin, y + 8);
            Text("Scan the QR code or visit the address above; the QR code carries the signature and also verifies offline.", _small, Grey, Margin, y + 11.5);
        }

        private void Centered(string text, XFont font, XColor color, double y) =>
            Text(text, font, color, (PageWidth - Width(text, font)) / 2, y);

        private void RightAligned(string text, XFont font, XColor color, double right, double y) =>
            Text(text, font, color, right - Width(text, font), y);

        private void Text(string text, XFont font, XColor color, double x, double y) =>
            gfx.DrawString(text, font, new XSolidBrush(color), x, y, XStringFormats.TopLeft);

        private double Width(string text, XFont font) => gfx.MeasureString(text, font).Width;

        private void Line(double x1, double y1, double x2, double y2, XColor color, double width) =>
            gfx.DrawLine(new XPen(color, width * 0.3528), x1, y1, x2, y2);

        /// <summary>Font sizes are given in points; the page is drawn in millimetres.</summary>
        private static double Pt(double points) => points * 25.4 / 72;
    }
}
