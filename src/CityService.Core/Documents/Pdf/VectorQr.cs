using PdfSharp.Drawing;
using QRCoder;

namespace CityService.Core.Documents.Pdf;

/// <summary>
/// A QR code drawn as vector modules (filled rectangles, one per run of dark modules in a row), so it stays sharp at any
/// print or scan resolution. ECC level M; the matrix QRCoder makes includes the 4-module quiet zone.
/// </summary>
public static class VectorQr
{
    /// <summary>The module matrix of <paramref name="text"/> (quiet zone included): [row][column], true = dark.</summary>
    public static bool[][] Modules(string text)
    {
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(text, QRCodeGenerator.ECCLevel.M);
        return data.ModuleMatrix.Select(row => Enumerable.Range(0, row.Length).Select(i => row[i]).ToArray()).ToArray();
    }

    /// <summary>Draws the matrix with its top-left corner at (x, y), each module <paramref name="module"/> points wide.</summary>
    public static void Draw(XGraphics gfx, bool[][] modules, double x, double y, double module)
    {
        ArgumentNullException.ThrowIfNull(gfx);
        ArgumentNullException.ThrowIfNull(modules);
        var path = new XGraphicsPath { FillMode = XFillMode.Winding };
        for (var r = 0; r < modules.Length; r++)
        {
            var row = modules[r];
            for (var c = 0; c < row.Length; c++)
            {
                if (!row[c])
                {
                    continue;
                }

                var start = c;
                while (c + 1 < row.Length && row[c + 1])
                {
                    c++;
                }

                path.AddRectangle(x + start * module, y + r * module, (c - start + 1) * module, module);
            }
        }

        gfx.DrawPath(XBrushes.Black, path);
    }
}
