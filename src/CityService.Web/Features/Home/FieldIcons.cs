using CityService.Core.Catalog;
using Microsoft.AspNetCore.Html;

namespace CityService.Web.Features.Home;

/// <summary>
/// One small line icon per service field, inline SVG drawn in the text colour (currentColor), so it follows the theme
/// and the elder mode's contrast, costs no request and stays hidden from screen readers (the field's name is the label).
/// </summary>
public static class FieldIcons
{
    private static readonly Dictionary<ServiceField, HtmlString> Icons = new()
    {
        [ServiceField.SocialSecurity] = Svg("<path d=\"M12 3a9 9 0 0 1 9 9H3a9 9 0 0 1 9-9z\"/><path d=\"M12 12v6a2 2 0 0 0 4 0\"/>"),
        [ServiceField.Transportation] = Svg("<path d=\"M5 11l2-5h10l2 5\"/><rect x=\"3\" y=\"11\" width=\"18\" height=\"6\" rx=\"1\"/><circle cx=\"7.5\" cy=\"17.5\" r=\"1.5\"/><circle cx=\"16.5\" cy=\"17.5\" r=\"1.5\"/>"),
        [ServiceField.Policing] = Svg("<path d=\"M12 3l8 3v6c0 5-3.5 8-8 9-4.5-1-8-4-8-9V6z\"/><path d=\"M9 12l2 2 4-4\"/>"),
        [ServiceField.CivilAffairs] = Svg("<path d=\"M12 20s-7-4.5-7-10a4 4 0 0 1 7-2.6A4 4 0 0 1 19 10c0 5.5-7 10-7 10z\"/>"),
        [ServiceField.CriminalJustice] = Svg("<path d=\"M12 4v16M8 20h8M5 7h14\"/><path d=\"M5 7l-3 6a3 3 0 0 0 6 0zM19 7l-3 6a3 3 0 0 0 6 0z\"/>"),
        [ServiceField.Tax] = Svg("<path d=\"M6 3h12v18l-3-2-3 2-3-2-3 2z\"/><path d=\"M9 8h6M9 12h6M9 16h3\"/>"),
        [ServiceField.Healthcare] = Svg("<path d=\"M9 3h6v6h6v6h-6v6H9v-6H3V9h6z\"/>"),
        [ServiceField.Utilities] = Svg("<path d=\"M13 2L4 14h7l-1 8 9-12h-7z\"/>"),
        [ServiceField.HousingFund] = Svg("<path d=\"M3 11l9-8 9 8\"/><path d=\"M5 10v10h14V10\"/><path d=\"M10 20v-6h4v6\"/>"),
        [ServiceField.Education] = Svg("<path d=\"M2 9l10-5 10 5-10 5z\"/><path d=\"M6 11v5c3 2 9 2 12 0v-5\"/>"),
        [ServiceField.Tourism] = Svg("<path d=\"M3 20l6-10 4 6 3-4 5 8z\"/><circle cx=\"17\" cy=\"6\" r=\"2\"/>"),
        [ServiceField.ExitEntry] = Svg("<circle cx=\"12\" cy=\"12\" r=\"9\"/><path d=\"M3 12h18M12 3c3 3 3 15 0 18M12 3c-3 3-3 15 0 18\"/>"),
    };

    public static HtmlString Icon(this ServiceField field) => Icons[field];

    private static HtmlString Svg(string shapes) => new(
        "<svg class=\"tile-icon\" aria-hidden=\"true\" focusable=\"false\" viewBox=\"0 0 24 24\" fill=\"none\" stroke=\"currentColor\" "
        + "stroke-width=\"1.8\" stroke-linecap=\"round\" stroke-linejoin=\"round\">" + shapes + "</svg>");
}
