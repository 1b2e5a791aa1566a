using CityService.Core.Identity;

namespace CityService.Tests.Identity;

public sealed class ResidentIdNumberTests
{
    private static readonly DateOnly Today = new(2026, 11, 22);
    private static readonly string[] OneOfEachMistake = ["", "33010619900307A234", "990106199003071234", "330106199002301234", "110105194912310021"];

    [Theory]
    [InlineData("11010519491231002X")] // the standard's own example (GB 11643-1999, appendix)
    [InlineData("11010519491231002x")]
    public void Numbers_with_a_correct_check_character_are_accepted(string number)
    {
        var parsed = ResidentIdNumber.Parse(number, Today);
        Assert.True(parsed.IsOk, parsed.Error?.Message.En);
        Assert.Equal(number.ToUpperInvariant(), parsed.Value!.Value);
    }

    [Fact]
    public void The_check_character_follows_iso_7064_mod_11_2()
    {
        Assert.Equal('X', ResidentIdNumber.CheckCharacter("11010519491231002"));
        Assert.Equal('4', ResidentIdNumber.CheckCharacter("44052418800101001"));
        var generated = ResidentIdNumber.Generate("330106", new DateOnly(1990, 3, 7), 123);
        Assert.True(ResidentIdNumber.Parse(generated, Today).IsOk);
        Assert.True(ResidentIdNumber.Parse(generated, Today).Value!.IsMale); // 123 is odd
    }

    [Theory]
    [InlineData("", "id-number.length")]
    [InlineData("33010619900307123", "id-number.length")]
    [InlineData("3301061990030712345", "id-number.length")]
    [InlineData("33010619900307A234", "id-number.characters")]
    [InlineData("33010619900307123Y", "id-number.characters")]
    [InlineData("９９０１０６１９９００３０７１２", "id-number.length")]
    [InlineData("990106199003071234", "id-number.region")]
    [InlineData("000000199003071234", "id-number.region")]
    [InlineData("330106199002301234", "id-number.birth-date")] // 30 February
    [InlineData("330106202712011234", "id-number.birth-date")] // in the future
    [InlineData("330106180001011234", "id-number.birth-date")] // before 1900
    [InlineData("11010519491231002Y", "id-number.characters")]
    [InlineData("110105194912310021", "id-number.checksum")]
    public void Each_kind_of_mistake_has_its_own_message(string number, string code)
    {
        var parsed = ResidentIdNumber.Parse(number, Today);
        Assert.False(parsed.IsOk);
        Assert.Equal(code, parsed.Error!.Code);
        Assert.Equal("idNumber", parsed.Error.Parameter);
        Assert.False(string.IsNullOrWhiteSpace(parsed.Error.Message.Zh));
        Assert.False(string.IsNullOrWhiteSpace(parsed.Error.Message.En));
    }

    [Fact]
    public void Each_code_has_a_distinct_message()
    {
        var messages = OneOfEachMistake
            .Select(n => ResidentIdNumber.Parse(n, Today).Error!.Message.En)
            .ToArray();
        Assert.Equal(messages.Length, messages.Distinct().Count());
    }

    [Fact]
    public void Masking_keeps_the_first_three_and_last_four()
    {
        var id = ResidentIdNumber.Parse("11010519491231002X", Today).Value!;
        Assert.Equal("110***********002X", id.Masked);
        Assert.Equal("110***********002X", id.ToString());
    }
}
