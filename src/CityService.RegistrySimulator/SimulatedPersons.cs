using CityService.Core.Identity;

namespace CityService.RegistrySimulator;

/// <summary>
/// The registry simulator's population: 40 fictional people generated deterministically (same list on every run and
/// machine), with Hangzhou district address codes and birth dates from 1950 to 2005. Test data only.
/// </summary>
public static class SimulatedPersons
{
    public const int Count = 40;

    /// <summary>Hangzhou districts: 上城 拱墅 西湖 滨江 萧山 余杭 富阳 临安 临平 钱塘.</summary>
    public static readonly IReadOnlyList<string> AddressCodes =
        ["330102", "330105", "330106", "330108", "330109", "330110", "330111", "330112", "330113", "330114"];

    private const ulong Seed = 0xC17_5E55_1CE0_2026UL;

    private static readonly string[] Surnames =
        ["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "林", "罗", "高", "郑", "梁", "谢", "宋", "唐", "许", "韩", "沈", "钱", "蒋"];

    private static readonly string[] GivenCharacters =
        ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀", "霞", "平",
         "刚", "桂", "英", "华", "文", "建", "国", "玉", "兰", "红", "晨", "宇", "浩", "欣", "怡", "嘉", "俊", "婷", "雪", "琳"];

    private static readonly Lazy<IReadOnlyList<SimulatedPerson>> Generated = new(Generate);
    private static readonly Lazy<Dictionary<string, SimulatedPerson>> ById = new(() => All.ToDictionary(p => p.IdNumber, StringComparer.Ordinal));

    public static IReadOnlyList<SimulatedPerson> All => Generated.Value;

    /// <summary>
    /// A valid resident ID number that belongs to nobody in the simulated registry (born 1949, before every simulated
    /// person), for "not found" cases.
    /// </summary>
    public static string UnregisteredIdNumber { get; } = ResidentIdNumber.Generate("330106", new DateOnly(1949, 10, 1), 7);

    /// <summary>The person with this ID number (exact, upper-case X), or null.</summary>
    public static SimulatedPerson? Find(string idNumber) => ById.Value.GetValueOrDefault(idNumber);

    private static System.Collections.ObjectModel.ReadOnlyCollection<SimulatedPerson> Generate()
    {
        var random = new SplitMix64(Seed);
        var names = new HashSet<string>(StringComparer.Ordinal);
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var first = new DateOnly(1950, 1, 1).DayNumber;
        var days = new DateOnly(2005, 12, 31).DayNumber - first + 1;
        var persons = new List<SimulatedPerson>(Count);
        while (persons.Count < Count)
        {
            var name = Surnames[random.Next(Surnames.Length)] + GivenCharacters[random.Next(GivenCharacters.Length)];
            if (random.Next(3) != 0)
            {
                name += GivenCharacters[random.Next(GivenCharacters.Length)];
            }

            var isMale = random.Next(2) == 0;
            var birth = DateOnly.FromDayNumber(first + random.Next(days));
            var addressCode = AddressCodes[random.Next(AddressCodes.Count)];
            var sequence = (random.Next(499) * 2) + (isMale ? 1 : 2); // odd for men, even for women; 1..998
            var idNumber = ResidentIdNumber.Generate(addressCode, birth, sequence);
            var faceSeed = random.Next();
            if (!names.Add(name))
            {
                continue;
            }

            if (!ids.Add(idNumber))
            {
                names.Remove(name);
                continue;
            }

            persons.Add(new SimulatedPerson(name, idNumber, birth, isMale, addressCode, faceSeed));
        }

        return persons.AsReadOnly();
    }
}
