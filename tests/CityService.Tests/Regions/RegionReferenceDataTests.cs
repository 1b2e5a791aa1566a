using CityService.Core.Regions;

namespace CityService.Tests.Regions;

public sealed class RegionReferenceDataTests
{
    private static readonly IReadOnlyList<Region> All = RegionReferenceData.Load();
    private static readonly RegionDirectory Directory = new(All);

    [Fact]
    public void All_31_provincial_level_divisions_are_present()
    {
        Assert.Equal(31, All.Count(r => r.Level == RegionLevel.Province));
        Assert.All(All.Where(r => r.Level == RegionLevel.Province), p => Assert.Equal("100000", p.ParentCode));
    }

    [Fact]
    public void Every_prefecture_level_city_of_zhejiang_is_present()
    {
        var zhejiang = Directory.ChildrenOf("330000").Select(r => r.NameZh).ToArray();
        Assert.Equal(["杭州市", "宁波市", "温州市", "嘉兴市", "湖州市", "绍兴市", "金华市", "衢州市", "舟山市", "台州市", "丽水市"], zhejiang);
    }

    [Theory]
    [InlineData("330100", 13)] // Hangzhou
    [InlineData("330200", 10)] // Ningbo
    [InlineData("310000", 16)] // Shanghai
    [InlineData("320100", 11)] // Nanjing
    [InlineData("440100", 11)] // Guangzhou
    [InlineData("350200", 6)]  // Xiamen
    [InlineData("360100", 9)]  // Nanchang
    [InlineData("420100", 13)] // Wuhan
    [InlineData("430100", 9)]  // Changsha
    [InlineData("500000", 38)] // Chongqing
    [InlineData("610100", 13)] // Xi'an
    [InlineData("140100", 10)] // Taiyuan
    [InlineData("140200", 10)] // Datong
    [InlineData("140400", 12)] // Changzhi
    [InlineData("141000", 17)] // Linfen
    [InlineData("140800", 13)] // Yuncheng
    public void The_named_cities_come_with_their_districts_and_counties(string city, int children)
    {
        Assert.Equal(children, Directory.ChildrenOf(city).Count);
        Assert.True(Directory.Find(city)!.IsCity);
    }

    [Theory]
    [InlineData("130982", "任丘市", "Renqiu", "130900")]
    [InlineData("430621", "岳阳县", "Yueyang County", "430600")]
    [InlineData("419001", "济源市", "Jiyuan", "410000")]
    public void The_pilot_county_level_units_are_cities_of_their_own(string code, string zh, string en, string parent)
    {
        var region = Directory.Find(code)!;
        Assert.Equal((zh, en, parent, true), (region.NameZh, region.NameEn, region.ParentCode, region.IsCity));
    }

    [Fact]
    public void Every_region_has_chinese_and_english_names_and_every_city_has_coordinates()
    {
        Assert.All(All, r => Assert.False(string.IsNullOrWhiteSpace(r.NameZh) || string.IsNullOrWhiteSpace(r.NameEn), r.Code));
        Assert.All(All.Where(r => r.IsCity), c => Assert.True(c.Seat is not null && c.Centroid is not null, c.Code));
        Assert.All(All, r => Assert.True(RegionDirectory.IsWellFormedCode(r.Code)));
        Assert.Equal(All.Count, All.Select(r => r.Code).Distinct().Count());
        Assert.All(All.Where(r => r.ParentCode is not null), r => Assert.NotNull(Directory.Find(r.ParentCode!)));
    }

    [Fact]
    public void Ancestors_run_from_the_nation_down()
    {
        Assert.Equal(["100000", "330000", "330100"], Directory.AncestorsOf("330106").Select(r => r.Code));
        Assert.Equal(["330106", "330100", "330000", "100000"], Directory.SelfAndAncestorCodes("330106"));
        Assert.Empty(Directory.AncestorsOf("100000"));
    }

    [Fact]
    public void Distances_are_great_circle_kilometres()
    {
        var hangzhou = new GeoPoint(30.2875, 120.1536);
        var shanghai = new GeoPoint(31.2304, 121.4737);
        Assert.InRange(hangzhou.DistanceKmTo(shanghai), 160, 170);
        Assert.Equal(0, hangzhou.DistanceKmTo(hangzhou), 6);
    }

    [Fact]
    public void A_point_just_beyond_100_km_of_every_city_is_not_placed()
    {
        // East of Xiamen over the Taiwan Strait one degree of longitude is ~101 km, and no other city is near.
        var xiamen = Directory.Find("350200")!.Seat!.Value;
        Assert.Equal("350200", Directory.Locate(xiamen with { Lon = xiamen.Lon + 0.95 })?.City.Code);
        Assert.Null(Directory.Locate(xiamen with { Lon = xiamen.Lon + 1.05 }));
    }

    [Theory]
    [InlineData("330100", true)]
    [InlineData("33010", false)]
    [InlineData("3301000", false)]
    [InlineData("33a100", false)]
    [InlineData("٣٣٠١٠٠", false)]
    [InlineData(null, false)]
    public void Region_codes_are_six_ascii_digits(string? code, bool valid) =>
        Assert.Equal(valid, RegionDirectory.IsWellFormedCode(code));
}
