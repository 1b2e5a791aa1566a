// Signatures/s and verifications/s of the envelope (JWS compact, ES256) with an invoice-sized payload, on 1 and 2 threads:
// `dotnet run -c Release --project bench/CityService.DocumentBench [seconds per run]`. Numbers: docs/benchmarks.md.
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using CityService.Core.Documents;

var seconds = args.Length > 0 ? double.Parse(args[0], CultureInfo.InvariantCulture) : 3;
using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
var kid = IssuerKeys.KeyIdOf(key.ExportSubjectPublicKeyInfo());
var published = new VerificationKey(kid, "330100-HZPSB", key.ExportSubjectPublicKeyInfo(), DateTimeOffset.UnixEpoch, null, null);
var claims = new DocumentClaims(DocumentKinds.Invoice, Guid.CreateVersion7(), "330100-HZPSB", DateTimeOffset.FromUnixTimeSeconds(1_795_000_000),
    new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["code"] = "330100-HZPSB-2026", ["no"] = "0000012345", ["amt"] = "20000", ["payer"] = "张*三", ["chk"] = "482913",
        ["pay"] = Guid.CreateVersion7().ToString("N"), ["by"] = "杭州市公安局",
    });
var compact = DocumentEnvelope.Sign(key, kid, claims);
Console.WriteLine(FormattableString.Invariant($"{Environment.ProcessorCount} cores, {RuntimeInformationText()}; compact {compact.Length} chars"));

foreach (var threads in new[] { 1, 2 })
{
    Report("sign", threads, Run(threads, () => DocumentEnvelope.Sign(key, kid, claims)));
    Report("verify", threads, Run(threads, () =>
    {
        if (!DocumentEnvelope.Verify(compact, _ => published).Valid)
        {
            throw new InvalidOperationException("does not verify");
        }
    }));
}

double Run(int threads, Action work)
{
    for (var i = 0; i < 200; i++)
    {
        work(); // warm-up: JIT, tiering
    }

    long done = 0;
    var clock = Stopwatch.StartNew();
    var until = TimeSpan.FromSeconds(seconds);
    Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, _ =>
    {
        long mine = 0;
        while (clock.Elapsed < until)
        {
            work();
            mine++;
        }

        Interlocked.Add(ref done, mine);
    });
    return done / clock.Elapsed.TotalSeconds;
}

static void Report(string what, int threads, double perSecond) =>
    Console.WriteLine(FormattableString.Invariant($"{what,-7} {threads} thread(s): {perSecond,10:N0}/s"));

static string RuntimeInformationText() => System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription;
