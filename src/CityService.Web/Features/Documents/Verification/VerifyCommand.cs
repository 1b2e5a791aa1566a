using CityService.Core.Common;
using CityService.Core.Documents;
using CityService.Core.Documents.Verification;
using CityService.Web.Infrastructure;

namespace CityService.Web.Features.Documents.Verification;

/// <summary>
/// <c>CityService.Web verify --keys &lt;jwks.json&gt; [--lang zh|en] &lt;input&gt;</c>: checks a signed document offline
/// (docs/signed-documents.md, "Verifying offline") — a compact, a <c>…/v/…</c> URL, a PNG/JPEG of the QR code or a PDF
/// hard copy — against a saved JWKS. Runs before the host is built: no configuration, database or network is touched.
/// Exit code 0 valid, 1 invalid, 2 unusable input (or keys); prints the verdict, the reason and the fields.
/// </summary>
public static class VerifyCommand
{
    public const int Valid = 0;
    public const int Invalid = 1;
    public const int Unusable = 2;

    public static bool Matches(string[] args) => args is [var first, ..] && string.Equals(first, "verify", StringComparison.OrdinalIgnoreCase);

    /// <summary>Runs the command (<paramref name="args"/> without the word <c>verify</c>) and returns its exit code.</summary>
    public static int Run(IReadOnlyList<string> args, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        var texts = new Texts();
        string? keysPath = null, input = null;
        var english = false;
        for (var i = 0; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--keys" when i + 1 < args.Count:
                    keysPath = args[++i];
                    break;
                case "--lang" when i + 1 < args.Count:
                    english = string.Equals(args[++i], "en", StringComparison.OrdinalIgnoreCase);
                    break;
                default:
                    if (input is not null || args[i].StartsWith("--", StringComparison.Ordinal))
                    {
                        input = null;
                        keysPath = null;
                        i = args.Count;
                    }
                    else
                    {
                        input = args[i];
                    }

                    break;
            }
        }

        string Say(string key) => texts.All[key].In(english);
        if (keysPath is null || input is null)
        {
            output.WriteLine(Say("verify.command.usage"));
            return Unusable;
        }

        if (!File.Exists(keysPath))
        {
            return Refuse(output, Say, english, new LocalizedText($"找不到密钥文件 {keysPath}。", $"There is no key file {keysPath}."));
        }

        Func<string, VerificationKey?> keys;
        try
        {
            keys = DocumentKeySet.Parse(File.ReadAllText(keysPath));
        }
        catch (FormatException)
        {
            return Refuse(output, Say, english, new LocalizedText("密钥文件不是 JWKS（/.well-known/cityservice/keys 或 keys export 保存的文件）。",
                "The key file is not a JWKS (as saved from /.well-known/cityservice/keys or by keys export)."));
        }

        var verified = OfflineVerifier.Verify(input, keys);
        if (!verified.IsOk)
        {
            return Refuse(output, Say, english, verified.Error!.Message);
        }

        var result = verified.Value!;
        output.WriteLine(Say(result.Valid ? "verify.command.valid" : "verify.command.invalid"));
        if (result.Reason is { } reason)
        {
            output.WriteLine($"{Say("verify.command.reason")}: {reason} — {DocumentDisplay.Reason(texts, reason).In(english)}");
        }

        if (result.Document is { } document)
        {
            output.WriteLine($"{Say("verify.command.kind")}: {document.Kind}");
            output.WriteLine($"{Say("verify.command.id")}: {document.Id:N}");
            output.WriteLine($"{Say("verify.command.issuer")}: {document.Issuer}");
            output.WriteLine($"{Say("verify.page.issued-at")}: {DocumentDisplay.LocalTime(document.IssuedAt)} {Say("verify.page.timezone")}");
            output.WriteLine($"{Say("verify.command.key")}: {result.KeyId}");
            foreach (var (name, value) in document.Fields.OrderBy(f => f.Key, StringComparer.Ordinal))
            {
                output.WriteLine($"{DocumentDisplay.FieldLabel(texts, name, english)} ({name}): {value}");
            }
        }

        return result.Valid ? Valid : Invalid;
    }

    private static int Refuse(TextWriter output, Func<string, string> say, bool english, LocalizedText why)
    {
        output.WriteLine(say("verify.command.unusable"));
        output.WriteLine($"{say("verify.command.reason")}: {why.In(english)}");
        return Unusable;
    }
}
