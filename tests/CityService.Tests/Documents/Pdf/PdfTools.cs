using System.Diagnostics;

namespace CityService.Tests.Documents.Pdf;

/// <summary>
/// Debian's standard tools, run on a PDF as a person's machine would: poppler-utils (pdftoppm, pdftotext, pdffonts,
/// pdfinfo) and zbar-tools (zbarimg). scripts/test.sh installs them; a missing one fails the test with the package to
/// install, never skips it.
/// </summary>
public static class PdfTools
{
    private static readonly Dictionary<string, string> Packages = new(StringComparer.Ordinal)
    {
        ["pdftoppm"] = "poppler-utils",
        ["pdftotext"] = "poppler-utils",
        ["pdffonts"] = "poppler-utils",
        ["pdfinfo"] = "poppler-utils",
        ["zbarimg"] = "zbar-tools",
    };

    /// <summary>The QR codes zbarimg decodes from the page rendered at <paramref name="dpi"/> (one line each).</summary>
    public static async Task<IReadOnlyList<string>> ScanAsync(byte[] pdf, int dpi = 150)
    {
        using var dir = new TempDir();
        var file = await dir.WriteAsync("copy.pdf", pdf);
        await RunAsync("pdftoppm", "-r", dpi.ToString(System.Globalization.CultureInfo.InvariantCulture), "-png", "-singlefile", file, Path.Combine(dir.Path, "page"));
        var text = await RunAsync("zbarimg", "--raw", "-q", Path.Combine(dir.Path, "page.png"));
        return text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    public static async Task<string> TextAsync(byte[] pdf)
    {
        using var dir = new TempDir();
        return await RunAsync("pdftotext", "-enc", "UTF-8", await dir.WriteAsync("copy.pdf", pdf), "-");
    }

    public static async Task<string> FontsAsync(byte[] pdf)
    {
        using var dir = new TempDir();
        return await RunAsync("pdffonts", await dir.WriteAsync("copy.pdf", pdf));
    }

    /// <summary>pdfinfo's custom document-information entries ("Key: value" lines).</summary>
    public static async Task<string> CustomInfoAsync(byte[] pdf)
    {
        using var dir = new TempDir();
        return await RunAsync("pdfinfo", "-custom", await dir.WriteAsync("copy.pdf", pdf));
    }

    private static async Task<string> RunAsync(string tool, params string[] args)
    {
        var start = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"{tool} did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"{tool} is not installed: install Debian's {Packages[tool]} (scripts/test.sh does).", e);
        }

        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await process.WaitForExitAsync(timeout.Token);
            Assert.True(process.ExitCode == 0, $"{tool} {string.Join(' ', args)} exited {process.ExitCode}: {await error}");
            return await output;
        }
    }

    private sealed class TempDir : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("cityservice-pdf-").FullName;

        public async Task<string> WriteAsync(string name, byte[] content)
        {
            var file = System.IO.Path.Combine(Path, name);
            await File.WriteAllBytesAsync(file, content);
            return file;
        }

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
