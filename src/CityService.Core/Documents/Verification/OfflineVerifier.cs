using System.Text;
using CityService.Core.Common;
using StbImageSharp;
using UglyToad.PdfPig;
using UglyToad.PdfPig.Tokens;
using ZXing;
using ZXing.Common;

namespace CityService.Core.Documents.Verification;

/// <summary>
/// Verifies a document without the platform (docs/signed-documents.md, "Verifying offline"): from a compact string, a
/// <c>…/v/{compact}</c> URL, a PNG or JPEG picture of the QR code, or a PDF hard copy, against keys read from a saved
/// JWKS. No database, no network: the <c>verify</c> command of the host runs this alone.
/// </summary>
public static class OfflineVerifier
{
    /// <summary>The PDF's document-information key that holds the compact (written by the hard copy).</summary>
    public const string PdfInfoKey = "CityServiceDocument";

    /// <summary>Largest file read: a phone camera's full-size photo (as <see cref="Photo.MaxBytes"/>).</summary>
    public const int MaxFileBytes = Photo.MaxBytes;

    /// <summary><paramref name="input"/> is a file's path (PNG, JPEG, PDF or a text file) or the compact / URL itself.</summary>
    public static Result<VerificationResult> Verify(string input, Func<string, VerificationKey?> keyOf)
    {
        ArgumentNullException.ThrowIfNull(input);
        var compact = ReadCompact(input);
        return compact.IsOk ? DocumentChecks.Verify(compact.Value, keyOf) : compact.Error!;
    }

    /// <summary>The compact that <paramref name="input"/> (a path, a URL or the compact) holds.</summary>
    public static Result<string> ReadCompact(string input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (File.Exists(input))
        {
            var length = new FileInfo(input).Length;
            if (length > MaxFileBytes)
            {
                return Unreadable($"文件过大（最多 {MaxFileBytes / (1024 * 1024)} MB）。", $"The file is too large (at most {MaxFileBytes / (1024 * 1024)} MB).");
            }

            return ReadCompact(File.ReadAllBytes(input));
        }

        var extension = Path.GetExtension(input).ToLowerInvariant();
        if (extension is ".png" or ".jpg" or ".jpeg" or ".pdf" or ".txt")
        {
            return Unreadable("找不到该文件。", "There is no such file.");
        }

        return DocumentChecks.FromText(input);
    }

    /// <summary>The compact in a file: a PDF's information key (else a <c>/v/</c> URL in its text), a QR code in a PNG or JPEG, or text.</summary>
    public static Result<string> ReadCompact(byte[] file)
    {
        ArgumentNullException.ThrowIfNull(file);
        var span = file.AsSpan();
        if (span.StartsWith("%PDF-"u8))
        {
            return FromPdf(file);
        }

        if (span.StartsWith((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47]) || span.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8]))
        {
            return FromImage(file);
        }

        try
        {
            return DocumentChecks.FromText(new UTF8Encoding(false, true).GetString(file));
        }
        catch (DecoderFallbackException)
        {
            return Unreadable("文件不是 PNG、JPEG、PDF 或文本。", "The file is not a PNG, JPEG, PDF or text.");
        }
    }

    /// <summary>The compact in the QR code of a PNG or JPEG (a scan, a screenshot, a phone photo of the paper).</summary>
    public static Result<string> FromImage(byte[] image)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (!Photo.IsWellFormed(image))
        {
            return Unreadable("图片已损坏，无法读取。", "The image is damaged and cannot be read.");
        }

        ImageResult decoded;
        try
        {
            using var stream = new MemoryStream(image, writable: false);
            if (ImageInfo.FromStream(stream) is not { } info || (long)info.Width * info.Height > Photo.MaxPixels)
            {
                return Unreadable("图片无法读取或过大。", "The image cannot be read or is too large.");
            }

            decoded = ImageResult.FromMemory(image, ColorComponents.RedGreenBlue);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or IndexOutOfRangeException or OverflowException or NotSupportedException)
        {
            return Unreadable("图片已损坏，无法读取。", "The image is damaged and cannot be read.");
        }

        var reader = new BarcodeReaderGeneric
        {
            AutoRotate = true,
            Options = new DecodingOptions { PossibleFormats = [BarcodeFormat.QR_CODE], TryHarder = true },
        };
        var found = reader.Decode(new RGBLuminanceSource(decoded.Data, decoded.Width, decoded.Height, RGBLuminanceSource.BitmapFormat.RGB24));
        return found?.Text is { } text
            ? DocumentChecks.FromText(text)
            : Unreadable("图片中没有找到二维码。", "No QR code was found in the image.");
    }

    /// <summary>The compact a PDF hard copy carries: its document-information key <see cref="PdfInfoKey"/>, else the <c>/v/</c> URL in its text.</summary>
    public static Result<string> FromPdf(byte[] pdf)
    {
        ArgumentNullException.ThrowIfNull(pdf);
        try
        {
            using var document = PdfDocument.Open(pdf);
            if (document.Information.DocumentInformationDictionary is { } info && info.TryGet(NameToken.Create(PdfInfoKey), out var token)
                && token switch { StringToken s => s.Data, HexToken h => h.Data, _ => null } is { Length: > 0 } value)
            {
                return value.Trim();
            }

            foreach (var page in document.GetPages())
            {
                if (DocumentChecks.FindUrl(page.Text) is { } compact)
                {
                    return compact;
                }
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException) // a third-party parser of untrusted bytes: any failure means "cannot read"
        {
            return Unreadable("PDF 文件已损坏，无法读取。", "The PDF is damaged and cannot be read.");
        }

        return Unreadable("PDF 中没有找到签名文件。", "The PDF holds no signed document.");
    }

    private static Error Unreadable(string zh, string en) => new(ErrorKind.Invalid, DocumentErrors.Verify.InputUnreadable, new(zh, en), "input");
}
