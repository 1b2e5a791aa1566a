using System.Text;

namespace CityService.Core.Payments.Invoices;

/// <summary>
/// An amount in Chinese capital numerals (大写金额) as fiscal invoices print it (docs/invoices.md): 壹佰元整, 壹仟零壹元伍角,
/// 壹元零壹分, 壹角, 零元整; 负 in front of a negative amount. "整" only when there are neither 角 nor 分; a run of zeros inside
/// reads as one 零 (also across 万 and 亿); 拾 keeps its 壹 (壹拾元整), as banks and invoices write it.
/// </summary>
public static class ChineseAmount
{
    private const string Digits = "零壹贰叁肆伍陆柒捌玖";
    private static readonly string[] Places = ["", "拾", "佰", "仟"];
    private static readonly int[] Powers = [1, 10, 100, 1000];

    public static string InWords(long fen)
    {
        var text = new StringBuilder();
        if (fen < 0)
        {
            text.Append('负');
        }

        var magnitude = fen < 0 ? (ulong)(-(fen + 1)) + 1 : (ulong)fen;
        var yuan = magnitude / 100;
        var jiao = (int)(magnitude / 10 % 10);
        var cents = (int)(magnitude % 10);
        if (yuan == 0 && jiao == 0 && cents == 0)
        {
            return text.Append("零元整").ToString();
        }

        if (yuan > 0)
        {
            Integer(text, yuan);
            text.Append('元');
            if (jiao == 0 && cents == 0)
            {
                return text.Append('整').ToString();
            }

            if (jiao == 0)
            {
                text.Append('零');
            }
        }

        if (jiao > 0)
        {
            text.Append(Digits[jiao]).Append('角');
        }

        if (cents > 0)
        {
            text.Append(Digits[cents]).Append('分');
        }

        return text.ToString();
    }

    /// <summary>n &gt; 0: groups of eight digits joined by 亿 (so 亿亿 above 10^16), each of two groups of four joined by 万.</summary>
    private static void Integer(StringBuilder text, ulong n)
    {
        const ulong Yi = 100_000_000;
        if (n >= Yi)
        {
            Integer(text, n / Yi);
            text.Append('亿');
            var low = n % Yi;
            if (low == 0)
            {
                return;
            }

            if (low < Yi / 10)
            {
                text.Append('零');
            }

            Eight(text, low);
            return;
        }

        Eight(text, n);
    }

    private static void Eight(StringBuilder text, ulong n)
    {
        var high = (int)(n / 10_000);
        var low = (int)(n % 10_000);
        if (high > 0)
        {
            Four(text, high);
            text.Append('万');
            if (low > 0 && low < 1000)
            {
                text.Append('零');
            }
        }

        if (low > 0)
        {
            Four(text, low);
        }
    }

    private static void Four(StringBuilder text, int n)
    {
        var pendingZero = false;
        var started = false;
        for (var place = 3; place >= 0; place--)
        {
            var digit = n / Powers[place] % 10;
            if (digit == 0)
            {
                pendingZero = started;
                continue;
            }

            if (pendingZero)
            {
                text.Append('零');
                pendingZero = false;
            }

            text.Append(Digits[digit]).Append(Places[place]);
            started = true;
        }
    }
}
