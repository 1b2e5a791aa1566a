using CityService.Core.Payments.Invoices;

namespace CityService.Tests.Payments.Invoices;

public sealed class ChineseAmountTests
{
    [Theory]
    [InlineData(0L, "零元整")]
    [InlineData(1L, "壹分")]
    [InlineData(10L, "壹角")]
    [InlineData(11L, "壹角壹分")]
    [InlineData(100L, "壹元整")]
    [InlineData(101L, "壹元零壹分")]
    [InlineData(110L, "壹元壹角")]
    [InlineData(1000L, "壹拾元整")]
    [InlineData(1050L, "壹拾元伍角")]
    [InlineData(10_000L, "壹佰元整")]
    [InlineData(10_100L, "壹佰零壹元整")]
    [InlineData(11_000L, "壹佰壹拾元整")]
    [InlineData(100_150L, "壹仟零壹元伍角")]
    [InlineData(100_000L, "壹仟元整")]
    [InlineData(1_000_000L, "壹万元整")]
    [InlineData(1_000_100L, "壹万零壹元整")]
    [InlineData(1_001_000L, "壹万零壹拾元整")]
    [InlineData(1_010_000L, "壹万零壹佰元整")]
    [InlineData(1_100_000L, "壹万壹仟元整")]
    [InlineData(10_000_100L, "壹拾万零壹元整")]
    [InlineData(100_000_000L, "壹佰万元整")]
    [InlineData(10_000_000_000L, "壹亿元整")]
    [InlineData(10_000_010_000L, "壹亿零壹佰元整")]
    [InlineData(10_001_000_000L, "壹亿零壹万元整")]
    [InlineData(10_100_000_000L, "壹亿零壹佰万元整")]
    [InlineData(11_000_000_000L, "壹亿壹仟万元整")]
    [InlineData(100_000_000_000_000L, "壹万亿元整")]
    [InlineData(100_010_000_000_000L, "壹万零壹亿元整")]
    [InlineData(20_000L, "贰佰元整")]
    [InlineData(123_456_789L, "壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分")]
    [InlineData(9_999_999_999L, "玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分")]
    [InlineData(-10_000L, "负壹佰元整")]
    [InlineData(-5L, "负伍分")]
    [InlineData(-300_050L, "负叁仟元伍角")]
    [InlineData(-300_005L, "负叁仟元零伍分")]
    [InlineData(long.MaxValue, "玖亿贰仟贰佰叁拾叁万柒仟贰佰零叁亿陆仟捌佰伍拾肆万柒仟柒佰伍拾捌元零柒分")]
    [InlineData(long.MinValue, "负玖亿贰仟贰佰叁拾叁万柒仟贰佰零叁亿陆仟捌佰伍拾肆万柒仟柒佰伍拾捌元零捌分")]
    public void Amounts_read_in_capital_numerals_as_fiscal_invoices_print_them(long fen, string words) =>
        Assert.Equal(words, ChineseAmount.InWords(fen));

    [Theory]
    [InlineData(null, "缴款人")]
    [InlineData("", "缴款人")]
    [InlineData("李四", "李*")]
    [InlineData("张小三", "张*三")]
    [InlineData("欧阳小明", "欧**明")]
    public void Payers_are_printed_masked(string? name, string printed) => Assert.Equal(printed, InvoiceIssuance.MaskName(name));

    [Fact]
    public void The_check_code_is_six_digits_and_changes_with_every_field()
    {
        var at = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);
        var code = InvoiceIssuance.CheckCodeOf("3301002026-PSB", 1, 20_000, at);
        Assert.Matches("^[0-9]{6}$", code);
        Assert.Equal(code, InvoiceIssuance.CheckCodeOf("3301002026-PSB", 1, 20_000, at));
        Assert.NotEqual(code, InvoiceIssuance.CheckCodeOf("3301002026-PSB", 2, 20_000, at));
        Assert.NotEqual(code, InvoiceIssuance.CheckCodeOf("3301002026-PSB", 1, 20_001, at));
        Assert.NotEqual(code, InvoiceIssuance.CheckCodeOf("3301002026-PSB", 1, 20_000, at.AddSeconds(1)));
        Assert.Equal("3301002026-PSB", InvoiceIssuance.CodeOf("330100", 2026, "PSB"));
        Assert.Equal(2027, InvoiceIssuance.YearOf(new DateTimeOffset(2026, 12, 31, 16, 0, 0, TimeSpan.Zero))); // midnight in Shanghai
    }

    [Fact]
    public void Red_letter_items_continue_where_earlier_reversals_stopped()
    {
        var bill = Guid.CreateVersion7();
        InvoiceItem[] items = [new(bill, "fine", "罚款", "Fine", 9_000), new(bill, "late-fee", "滞纳金", "Late fee", 1_000)];
        Assert.Equal([-3_000L], InvoiceIssuance.RedItems(items, 0, 3_000).Select(i => i.AmountFen));
        Assert.Equal([-6_000L, -1_000L], InvoiceIssuance.RedItems(items, 3_000, 7_000).Select(i => i.AmountFen));
        Assert.Equal(["late-fee"], InvoiceIssuance.RedItems(items, 9_500, 500).Select(i => i.RevenueHead));
    }
}
