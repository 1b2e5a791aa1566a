using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace CityService.Web.Features.Site;

/// <summary>
/// Who runs this deployment, as Chinese public sites show it in every footer (<c>Site:*</c>): the operator, the ICP filing
/// number (ICP 备案号), the public-security filing number (公安机关备案号) with its link, the site identifier (网站标识码),
/// the hotline, a logo (SVG), and where the operator's own policy documents are. In Production the operator, the ICP
/// number and the site identifier are required (the host refuses to start without them, like its other external facts);
/// elsewhere missing values are filled with demo values that say they are demo values.
/// </summary>
public sealed partial class SiteOptions
{
    public const string Section = "Site";

    public string? OperatorZh { get; set; }

    public string? OperatorEn { get; set; }

    /// <summary>ICP 备案号, e.g. 浙ICP备12345678号; linked to the MIIT filing system.</summary>
    public string? Icp { get; set; }

    /// <summary>公安机关备案号, e.g. 浙公网安备 33010002000001号.</summary>
    public string? PublicSecurity { get; set; }

    /// <summary>The public-security filing's page; by default the MPS search for the number's digits.</summary>
    public string? PublicSecurityLink { get; set; }

    /// <summary>网站标识码 (the government-website identifier, 10 characters such as 3301000001).</summary>
    public string? SiteCode { get; set; }

    public string Hotline { get; set; } = "12345";

    /// <summary>The logo or emblem: inline SVG, or the path of an SVG file (relative to the content root). Checked at start.</summary>
    public string? Logo { get; set; }

    /// <summary>A folder whose <c>{kind}.{zh|en}.md</c> files replace the shipped policy documents.</summary>
    public string? PoliciesPath { get; set; }

    /// <summary>Values were filled in because the deployment did not configure them (never in Production).</summary>
    public bool Demo { get; set; }

    public const string IcpLink = "https://beian.miit.gov.cn/";

    public string? PublicSecurityHref => PublicSecurityLink
        ?? (PublicSecurity is { } number && Digits().Match(number) is { Success: true } digits
            ? "https://beian.mps.gov.cn/#/query/webSearch?code=" + digits.Value
            : null);

    [GeneratedRegex("[0-9]{6,}")]
    private static partial Regex Digits();
}

/// <summary>Fills demo values outside Production, and refuses a Production start that does not name who runs the site.</summary>
internal sealed class SiteOptionsSetup(IHostEnvironment environment) : IPostConfigureOptions<SiteOptions>, IValidateOptions<SiteOptions>
{
    public void PostConfigure(string? name, SiteOptions options)
    {
        if (environment.IsProduction())
        {
            return;
        }

        // Demo values say that they are demo values, so no screenshot of a local run can pass for a real registration.
        options.Demo |= Fill(options.OperatorZh, v => options.OperatorZh = v, "演示部署（非真实运营单位）")
            | Fill(options.OperatorEn, v => options.OperatorEn = v, "Demo deployment (not a real operator)")
            | Fill(options.Icp, v => options.Icp = v, "演示ICP备00000000号（非真实备案号）")
            | Fill(options.PublicSecurity, v => options.PublicSecurity = v, "演示公网安备 00000000000000号（非真实备案号）")
            | Fill(options.SiteCode, v => options.SiteCode = v, "DEMO000000")
            | Fill(options.Logo, v => options.Logo = v, "wwwroot/favicon.svg"); // the platform's own mark, no one's emblem
    }

    public ValidateOptionsResult Validate(string? name, SiteOptions options)
    {
        var problems = new List<string>();
        if (environment.IsProduction())
        {
            foreach (var (key, value) in new[] { ("Site:OperatorZh", options.OperatorZh), ("Site:OperatorEn", options.OperatorEn), ("Site:Icp", options.Icp), ("Site:SiteCode", options.SiteCode) })
            {
                if (string.IsNullOrWhiteSpace(value))
                {
                    problems.Add($"{key} is required in Production: every page's footer names who runs the site (see docs/operations.md).");
                }
            }
        }

        if (string.IsNullOrWhiteSpace(options.Hotline))
        {
            problems.Add("Site:Hotline must not be empty (12345 by default).");
        }

        if (options.PublicSecurityLink is { } link && !(Uri.TryCreate(link, UriKind.Absolute, out var uri) && uri.Scheme == "https"))
        {
            problems.Add("Site:PublicSecurityLink must be an absolute https address.");
        }

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    private static bool Fill(string? value, Action<string> set, string demo)
    {
        if (!string.IsNullOrWhiteSpace(value))
        {
            return false;
        }

        set(demo);
        return true;
    }
}
