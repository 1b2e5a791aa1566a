using System.Buffers.Text;
using System.Diagnostics;
using System.Security.Cryptography;
using CityService.Core.Common;
using CityService.Core.Documents;
using CityService.Core.Documents.Verification;
using CityService.Tests.Infrastructure;
using CityService.Web.Features.Documents.Verification;
using QRCoder;
using StbImageSharp;
using UglyToad.PdfPig.Fonts.Standard14Fonts;
using UglyToad.PdfPig.Writer;

namespace CityService.Tests.Documents.Verification;

/// <summary>The offline verifier and the <c>verify</c> command: compact, URL, QR code in PNG and JPEG, PDF; a saved JWKS only.</summary>
public sealed class OfflineVerifierTests : IDisposable
{
    private const string Issuer = "330100-HZPSB";
    private static readonly DateTimeOffset IssuedAt = DateTimeOffset.FromUnixTimeSeconds(1_795_000_000);
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly string _kid;
    private readonly string _folder = Directory.CreateTempSubdirectory("verify-").FullName;
    private readonly DocumentClaims _claims = new(DocumentKinds.Invoice, Guid.CreateVersion7(), Issuer, IssuedAt, new Dictionary<string, string>
    {
        ["code"] = "33010026", ["no"] = "0000000042", ["amt"] = "20000", ["payer"] = "张*三", ["chk"] = "a1b2c3", ["pay"] = new string('e', 32), ["by"] = "杭州市公安局",
    });

    public OfflineVerifierTests()
    {
        _kid = IssuerKeys.KeyIdOf(_key.ExportSubjectPublicKeyInfo());
    }

    private string Compact => DocumentEnvelope.Sign(_key, _kid, _claims);

    private Func<string, VerificationKey?> Keys(DateTimeOffset? revokedAt = null) =>
        DocumentKeySet.Parse(System.Text.Encoding.UTF8.GetString(DocumentKeySet.ToJson([new VerificationKey(_kid, Issuer, _key.ExportSubjectPublicKeyInfo(), IssuedAt.AddDays(-1), null, revokedAt)])));

    [Fact]
    public void A_compact_or_its_url_verifies_and_every_changed_field_or_signature_is_a_bad_signature()
    {
        Assert.True(OfflineVerifier.Verify(Compact, Keys()).Value!.Valid);
        var url = OfflineVerifier.Verify($"https://fuwu.example.gov.cn/v/{Compact}?lang=en", Keys()).Value!;
        Assert.True(url.Valid, url.Reason);
        Assert.Equal("张*三", url.Document!.Field("payer"));

        var parts = Compact.Split('.');
        foreach (var name in _claims.Fields.Keys)
        {
            var changed = _claims with { Fields = new Dictionary<string, string>(_claims.Fields) { [name] = _claims.Fields[name] + "1" } };
            var forged = $"{parts[0]}.{Base64Url.EncodeToString(DocumentEnvelope.PayloadBytes(changed))}.{parts[2]}";
            Assert.Equal(VerificationReasons.BadSignature, OfflineVerifier.Verify(forged, Keys()).Value!.Reason);
        }

        foreach (var changed in new[] { _claims with { Issuer = "330100-HZWATER" }, _claims with { IssuedAt = IssuedAt.AddSeconds(1) }, _claims with { Id = Guid.CreateVersion7() }, _claims with { Kind = DocumentKinds.Certificate } })
        {
            var forged = $"{parts[0]}.{Base64Url.EncodeToString(DocumentEnvelope.PayloadBytes(changed))}.{parts[2]}";
            Assert.Equal(VerificationReasons.BadSignature, OfflineVerifier.Verify(forged, Keys()).Value!.Reason);
        }

        var signature = Base64Url.DecodeFromChars(parts[2]);
        signature[10] ^= 1;
        Assert.Equal(VerificationReasons.BadSignature, OfflineVerifier.Verify($"{parts[0]}.{parts[1]}.{Base64Url.EncodeToString(signature)}", Keys()).Value!.Reason);
    }

    [Fact]
    public void An_unknown_key_and_a_key_revoked_before_the_issue_time_are_invalid_and_one_revoked_later_is_not()
    {
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        Assert.Equal(VerificationReasons.UnknownKey, OfflineVerifier.Verify(DocumentEnvelope.Sign(other, "0123456789abcdef", _claims), Keys()).Value!.Reason);
        Assert.Equal(VerificationReasons.KeyRevoked, OfflineVerifier.Verify(Compact, Keys(revokedAt: IssuedAt)).Value!.Reason);
        Assert.True(OfflineVerifier.Verify(Compact, Keys(revokedAt: IssuedAt.AddSeconds(1))).Value!.Valid);
    }

    public static TheoryData<string, string> MalformedInputs()
    {
        var header = Base64Url.EncodeToString("{\"alg\":\"ES256\",\"kid\":\"0123456789abcdef\"}"u8);
        var payload = Base64Url.EncodeToString("{\"iss\":\"platform\",\"iat\":1,\"jti\":\"0123456789abcdef0123456789abcdef\",\"knd\":\"invoice\",\"d\":{}}"u8);
        var signature = Base64Url.EncodeToString(new byte[64]);
        return new()
        {
            { string.Empty, DocumentErrors.Verify.Malformed },
            { "abc", DocumentErrors.Verify.Malformed },
            { $"{header}.{payload}.{signature}.{signature}", DocumentErrors.Verify.Malformed },
            { new string('a', 3000), DocumentErrors.Verify.Malformed },
            { $"{header}.{payload}\0.{signature}", DocumentErrors.Verify.Malformed },
            { $"{header}.{payload}\n.{signature}", DocumentErrors.Verify.Malformed },
            { $"{header}.{payload}😀.{signature}", DocumentErrors.Verify.Malformed },
            { $"{header}．{payload}．{signature}", DocumentErrors.Verify.Malformed },
            { $"{header}.{payload}+/==.{signature}", DocumentErrors.Verify.Malformed },
            { $"{Base64Url.EncodeToString("[1]"u8)}.{payload}.{signature}", DocumentErrors.Verify.Malformed },
            { $"{Base64Url.EncodeToString("{\"alg\":\"none\",\"kid\":\"k\"}"u8)}.{payload}.{signature}", DocumentErrors.Verify.UnsupportedAlgorithm },
            { $"{Base64Url.EncodeToString("{\"alg\":\"HS256\",\"kid\":\"k\"}"u8)}.{payload}.{signature}", DocumentErrors.Verify.UnsupportedAlgorithm },
        };
    }

    [Theory]
    [MemberData(nameof(MalformedInputs))]
    public void Malformed_input_is_an_error_naming_it_never_a_verdict(string input, string code)
    {
        var result = DocumentChecks.Verify(input, Keys());
        Assert.False(result.IsOk);
        Assert.Equal(code, result.Error!.Code);
        Assert.Equal(ErrorKind.Invalid, result.Error.Kind);
    }

    [Fact]
    public void A_qr_code_in_a_png_a_jpeg_of_it_and_a_pdf_verify()
    {
        var png = QrPng($"https://fuwu.example.gov.cn/v/{Compact}");
        Assert.True(OfflineVerifier.Verify(Save("qr.png", png), Keys()).Value!.Valid);

        var decoded = ImageResult.FromMemory(png, ColorComponents.RedGreenBlue);
        var jpeg = Photo.EncodeJpeg(decoded.Data, decoded.Width, decoded.Height, 3, quality: 80);
        Assert.True(OfflineVerifier.Verify(Save("qr.jpg", jpeg), Keys()).Value!.Valid);

        Assert.True(OfflineVerifier.Verify(Save("info.pdf", Pdf(info: Compact, text: "财政电子票据")), Keys()).Value!.Valid);
        Assert.True(OfflineVerifier.Verify(Save("text.pdf", Pdf(info: null, text: $"Verify at https://fuwu.example.gov.cn/v/{Compact}")), Keys()).Value!.Valid);

        Assert.Equal(DocumentErrors.Verify.InputUnreadable, OfflineVerifier.Verify(Save("blank.png", Photo.EncodePng(new byte[64 * 64], 64, 64, 1)), Keys()).Error!.Code);
        Assert.Equal(DocumentErrors.Verify.InputUnreadable, OfflineVerifier.Verify(Save("cut.png", png[..(png.Length / 2)]), Keys()).Error!.Code);
        Assert.Equal(DocumentErrors.Verify.InputUnreadable, OfflineVerifier.Verify(Save("empty.pdf", Pdf(null, "nothing here")), Keys()).Error!.Code);
        Assert.Equal(DocumentErrors.Verify.InputUnreadable, OfflineVerifier.Verify(Path.Combine(_folder, "missing.png"), Keys()).Error!.Code);
    }

    [Fact]
    public void The_command_exits_0_valid_1_invalid_2_unusable_and_prints_the_fields_in_the_chosen_language()
    {
        var keys = Save("keys.json", DocumentKeySet.ToJson([new VerificationKey(_kid, Issuer, _key.ExportSubjectPublicKeyInfo(), IssuedAt.AddDays(-1), null, null)]));
        var parts = Compact.Split('.');
        var forged = $"{parts[0]}.{Base64Url.EncodeToString(DocumentEnvelope.PayloadBytes(_claims with { Fields = new Dictionary<string, string>(_claims.Fields) { ["amt"] = "2" } }))}.{parts[2]}";

        var (exit, text) = Run("--keys", keys, "--lang", "en", Save("qr.png", QrPng($"https://fuwu.example.gov.cn/v/{Compact}")));
        Assert.True(exit == 0, text);
        Assert.StartsWith("VALID", text, StringComparison.Ordinal);
        Assert.Contains("Invoice number (no): 0000000042", text, StringComparison.Ordinal);
        Assert.Contains("Issued at: 2026-11-18 ", text, StringComparison.Ordinal); // Asia/Shanghai

        (exit, text) = Run("--keys", keys, forged);
        Assert.True(exit == 1, text);
        Assert.StartsWith("无效", text, StringComparison.Ordinal);
        Assert.Contains("原因: bad-signature — 签名不符", text, StringComparison.Ordinal);

        Assert.Equal(2, Run("--keys", keys, "not-a-document").Exit);
        Assert.Equal(2, Run("--keys", Save("bad.json", "{}"u8.ToArray()), Compact).Exit);
        Assert.Equal(2, Run(Compact).Exit);
    }

    [Fact]
    public async Task The_built_host_verifies_offline_without_any_database_setting()
    {
        var keys = Save("keys.json", DocumentKeySet.ToJson([new VerificationKey(_kid, Issuer, _key.ExportSubjectPublicKeyInfo(), IssuedAt.AddDays(-1), null, null)]));
        var watch = Stopwatch.StartNew();
        var (exit, text) = await HostCommand.RunAsync(["verify", "--keys", keys, "--lang", "en", $"https://fuwu.example.gov.cn/v/{Compact}"], new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production", // where a missing connection string or public address would stop a host start
            ["ConnectionStrings__Main"] = string.Empty,
            ["Storage__Provider"] = "Postgres",
        });
        Assert.True(exit == 0, $"exit {exit} after {watch.ElapsedMilliseconds} ms: {text}");
        Assert.StartsWith("VALID", text, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        _key.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    private static (int Exit, string Text) Run(params string[] args)
    {
        using var output = new StringWriter();
        var exit = VerifyCommand.Run(args, output);
        return (exit, output.ToString());
    }

    private static byte[] QrPng(string text)
    {
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(text, QRCodeGenerator.ECCLevel.M);
        return new PngByteQRCode(data).GetGraphic(4);
    }

    private static byte[] Pdf(string? info, string text)
    {
        using var builder = new PdfDocumentBuilder();
        if (info is not null)
        {
            builder.DocumentInformation.CustomMetadata[OfflineVerifier.PdfInfoKey] = info;
        }

        var font = builder.AddStandard14Font(Standard14Font.Helvetica);
        var page = builder.AddPage(UglyToad.PdfPig.Content.PageSize.A4);
        var ascii = string.Concat(text.Where(char.IsAscii));
        for (var (line, y) = (0, 800); line * 80 < ascii.Length; line++, y -= 14)
        {
            page.AddText(ascii.Substring(line * 80, Math.Min(80, ascii.Length - (line * 80))), 8, new UglyToad.PdfPig.Core.PdfPoint(20, y), font);
        }

        return builder.Build();
    }

    private string Save(string name, byte[] content)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllBytes(path, content);
        return path;
    }
}
