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
    public void A_point_beyond_100_km_of_every_known_place_is_not_placed()
    {
        var far = new RegionDirectory(All.Where(r => r.Code is "100000" or "350000" or "350200"), places: []);
        var xiamen = far.Find("350200")!.Seat!.Value;
        Assert.Equal("350200", far.Locate(xiamen with { Lon = xiamen.Lon + 0.95 })?.City.Code);
        Assert.Null(far.Locate(xiamen with { Lon = xiamen.Lon + 1.05 }));
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

    [Fact]
    public void All_divisions_and_the_national_level_are_shipped()
    {
        Assert.Equal(3216, All.Count); // divisions.tsv lists 东莞 中山 儋州 twice (prefecture and county level); each code is one row
        Assert.Equal(
            [(RegionLevel.National, 1), (RegionLevel.Province, 31), (RegionLevel.Prefecture, 333), (RegionLevel.County, 2851)],
            All.GroupBy(r => r.Level).OrderBy(g => g.Key).Select(g => (g.Key, g.Count())));
        Assert.All(All.Where(r => r.Level == RegionLevel.Prefecture), r => Assert.Equal(RegionLevel.Province, Directory.Find(r.ParentCode!)!.Level));
        Assert.All(All.Where(r => r.Level == RegionLevel.County), r => Assert.Contains(Directory.Find(r.ParentCode!)!.Level, new[] { RegionLevel.Province, RegionLevel.Prefecture }));
    }

    [Fact]
    public void Cities_are_the_municipalities_every_prefecture_level_unit_and_the_county_level_units_under_a_province()
    {
        var cities = Directory.Cities.Select(c => c.Code).ToHashSet();
        Assert.Equal(371, cities.Count);
        Assert.Superset(new HashSet<string> { "110000", "120000", "310000", "500000" }, cities);
        Assert.All(All.Where(r => r.Level == RegionLevel.Prefecture), r => Assert.Contains(r.Code, cities));
        Assert.Superset(new HashSet<string> { "419001", "429004", "429021", "469001", "659001", "130982", "430621" }, cities); // 济源 仙桃 神农架 五指山 石河子 + the two pilots
        Assert.DoesNotContain("110101", cities); // 东城区 hangs under Beijing but is a district of it
        Assert.Equal("110000", Directory.Find("110101")!.ParentCode);
        Assert.Equal("110000", Directory.CityOf("110101")!.Code);
        Assert.Equal("330100", Directory.CityOf("330106")!.Code);
        Assert.Null(Directory.CityOf("330000"));
    }

    [Fact]
    public void Every_english_name_is_latin_letters()
    {
        var latin = new System.Text.RegularExpressions.Regex("^[A-Z][A-Za-zÜü' ,-]*$");
        Assert.All(All, r => Assert.Matches(latin, r.NameEn));
        Assert.All(All.Where(r => r.Level != RegionLevel.National), r => Assert.DoesNotContain("  ", r.NameEn, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("610000", "Shaanxi")]
    [InlineData("150000", "Inner Mongolia")]
    [InlineData("540000", "Tibet")]
    [InlineData("650000", "Xinjiang")]
    [InlineData("450000", "Guangxi")]
    [InlineData("640000", "Ningxia")]
    [InlineData("650100", "Urumqi")]
    [InlineData("540100", "Lhasa")]
    [InlineData("150100", "Hohhot")]
    [InlineData("230100", "Harbin")]
    [InlineData("653100", "Kashgar Prefecture")]
    [InlineData("500000", "Chongqing")]
    [InlineData("430100", "Changsha")]
    [InlineData("350200", "Xiamen")]
    [InlineData("340300", "Bengbu")]
    [InlineData("341500", "Lu'an")]
    [InlineData("331100", "Lishui")]
    [InlineData("331000", "Taizhou")]
    [InlineData("330382", "Yueqing")]
    [InlineData("440113", "Panyu District")]
    [InlineData("371522", "Shen County")]
    [InlineData("330106", "Xihu District")]
    [InlineData("330109", "Xiaoshan District")]
    [InlineData("330127", "Chun'an County")]
    [InlineData("330182", "Jiande")]
    [InlineData("422800", "Enshi Tujia and Miao Autonomous Prefecture")]
    [InlineData("500243", "Pengshui Miao and Tujia Autonomous County")]
    [InlineData("152900", "Alxa League")]
    [InlineData("152921", "Alxa Left Banner")]
    [InlineData("429021", "Shennongjia Forestry District")]
    [InlineData("520203", "Liuzhi Special District")]
    [InlineData("650500", "Hami")]
    [InlineData("510100", "Chengdu")]
    [InlineData("522701", "Duyun")]
    public void English_names_follow_the_rule_and_its_exceptions(string code, string english) =>
        Assert.Equal(english, Directory.Find(code)!.NameEn);

    [Theory]
    [InlineData(29.6525, 91.1721, "540100")] // Lhasa
    [InlineData(39.4704, 75.9898, "653100")] // Kashgar
    [InlineData(40.8424, 111.7490, "150100")] // Hohhot
    [InlineData(18.2528, 109.5119, "460200")] // Sanya
    [InlineData(45.7567, 126.6424, "230100")] // Harbin
    [InlineData(30.0498, 101.9638, "513300")] // Kangding, seat of Garze prefecture in western Sichuan
    [InlineData(43.8256, 87.6168, "650100")] // Urumqi
    [InlineData(44.3059, 86.0806, "659001")] // Shihezi, a county-level city under Xinjiang
    [InlineData(32.5031, 80.1055, "542500")] // Shiquanhe, Ngari
    [InlineData(30.2590, 120.1300, "330100")] // West Lake, Hangzhou
    public void Locate_places_points_anywhere_in_china(double lat, double lon, string city)
    {
        var found = Directory.Locate(new GeoPoint(lat, lon));
        Assert.Equal(city, found?.City.Code);
        Assert.True(found!.DistanceKm < 30, $"{found.DistanceKm} km");
    }

    [Fact]
    public void Locate_names_the_county_when_its_seat_is_known()
    {
        var found = Directory.Locate(new GeoPoint(30.1675, 120.2588))!; // Xiaoshan
        Assert.Equal(("330100", "330109", true), (found.City.Code, found.County?.Code, found.FromSeat));
    }

    [Theory]
    [InlineData(37.5665, 126.9780)] // Seoul
    [InlineData(21.0278, 105.8342)] // Hanoi
    [InlineData(47.9186, 106.9177)] // Ulaanbaatar
    [InlineData(43.2389, 76.8897)] // Almaty
    [InlineData(27.7172, 85.3240)] // Kathmandu
    [InlineData(35.6762, 139.6503)] // Tokyo
    [InlineData(30.0, 125.0)] // East China Sea
    [InlineData(0, 0)]
    public void Locate_does_not_place_points_abroad_or_at_sea(double lat, double lon) =>
        Assert.Null(Directory.Locate(new GeoPoint(lat, lon)));

    [Fact]
    public void Every_city_is_reachable_by_locating_some_known_place()
    {
        var reachable = RegionReferenceData.Places.Where(p => p.RegionCode is not null).Select(p => Directory.Locate(p.Point)?.City.Code)
            .Concat(All.Where(r => r.Seat is not null).Select(r => Directory.Locate(r.Seat!.Value)?.City.Code))
            .ToHashSet();
        var unreachable = Directory.Cities.Where(c => !reachable.Contains(c.Code)).Select(c => c.Code).ToArray();
        // 铁门关 新星 白杨 (Xinjiang corps cities) have no known place: a point there goes to the neighbouring city (ADR 005).
        Assert.Equal(["659006", "659011", "659012"], unreachable);
    }

    [Theory]
    [InlineData("hang", "330100")]
    [InlineData("Hangzhou", "330100")]
    [InlineData("杭", "330100")]
    [InlineData("杭州", "330100")]
    [InlineData("xian", "610100")]
    [InlineData("Xi'an", "610100")]
    [InlineData("urum", "650100")]
    [InlineData("kashgar", "653100")]
    [InlineData("kashi", "653100")]
    [InlineData("lüliang", "141100")]
    [InlineData("  HARBIN ", "230100")]
    public void Cities_are_found_by_chinese_english_or_pinyin(string query, string first) =>
        Assert.Equal(first, Directory.FindCities(query) is [var found, ..] ? found.Code : null);

    [Fact]
    public void A_province_name_finds_its_cities_and_an_unknown_name_nothing()
    {
        Assert.Equal(11, Directory.FindCities("浙江").Count);
        Assert.Equal(11, Directory.FindCities("zhejiang").Count);
        Assert.Empty(Directory.FindCities("qqqq"));
        Assert.Empty(Directory.FindCities("!!"));
        Assert.Equal(371, Directory.FindCities(null).Count);
        Assert.Equal(371, Directory.FindCities(" ").Count);
        Assert.Equal(3, Directory.FindCities("州", limit: 3).Count);
    }

    [Fact]
    public void Cities_are_grouped_by_province_in_code_order()
    {
        var groups = Directory.CitiesByProvince;
        Assert.Equal(31, groups.Count);
        Assert.Equal(371, groups.Sum(g => g.Cities.Count));
        Assert.Equal(["110000"], groups[0].Cities.Select(c => c.Code));
        Assert.Equal(11, groups.Single(g => g.Province.Code == "330000").Cities.Count);
        Assert.Contains(groups.Single(g => g.Province.Code == "410000").Cities, c => c.Code == "419001");
        var hang = Directory.FindCitiesByProvince("hang");
        Assert.Contains(hang, g => g.Province.Code == "330000" && g.Cities.Any(c => c.Code == "330100"));
        Assert.All(hang, g => Assert.NotEmpty(g.Cities));
        Assert.Same(groups, Directory.FindCitiesByProvince(""));
    }
}
