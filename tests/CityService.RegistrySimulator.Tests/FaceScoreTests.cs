using CityService.Core.Identity;

namespace CityService.RegistrySimulator.Tests;

public sealed class FaceScoreTests
{
    private static readonly DateOnly Today = new(2026, 11, 22);

    [Fact]
    public void The_simulated_registry_holds_forty_distinct_generated_people_from_hangzhou()
    {
        var persons = SimulatedPersons.All;

        Assert.Equal(40, persons.Count);
        Assert.Equal(40, persons.Select(p => p.IdNumber).Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(40, persons.Select(p => p.Name).Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(40, persons.Select(p => p.FaceSeed).Distinct().Count());
        foreach (var person in persons)
        {
            var id = ResidentIdNumber.Parse(person.IdNumber, Today);
            Assert.True(id.IsOk, id.Error?.Message.En);
            Assert.StartsWith("3301", person.AddressCode, StringComparison.Ordinal);
            Assert.Contains(person.AddressCode, SimulatedPersons.AddressCodes);
            Assert.Equal(person.AddressCode, id.Value!.AddressCode);
            Assert.Equal(person.BirthDate, id.Value.BirthDate);
            Assert.Equal(person.IsMale, id.Value.IsMale);
            Assert.InRange(person.BirthDate, new DateOnly(1950, 1, 1), new DateOnly(2005, 12, 31));
            Assert.InRange(person.Name.Length, 2, 3);
            Assert.All(person.Name, c => Assert.InRange(c, '\u4E00', '\u9FFF'));
            Assert.Same(person, SimulatedPersons.Find(person.IdNumber));
            Assert.DoesNotContain(person.IdNumber, person.ToString(), StringComparison.Ordinal);
        }

        Assert.Null(SimulatedPersons.Find(SimulatedPersons.UnregisteredIdNumber));
        Assert.True(ResidentIdNumber.Parse(SimulatedPersons.UnregisteredIdNumber, Today).IsOk);
    }

    [Fact]
    public void The_generated_people_and_faces_are_the_same_on_every_run()
    {
        var first = SimulatedPersons.All[0];
        var regenerated = SyntheticFace.Generate(first.FaceSeed);

        Assert.Equal(first.ReferenceFace.Pixels.ToArray(), regenerated.Pixels.ToArray());
        Assert.Equal(Pinned.Name, first.Name);
        Assert.Equal(Pinned.IdNumber, first.IdNumber);
        Assert.Equal(Pinned.FaceChecksum, Checksum(first.ReferenceFace));
    }

    [Fact]
    public void Reference_faces_are_64_by_64_with_real_contrast()
    {
        foreach (var person in SimulatedPersons.All)
        {
            var face = person.ReferenceFace;
            Assert.Equal(64, face.Width);
            Assert.Equal(64, face.Height);
            var mean = face.Pixels.ToArray().Average(p => (double)p);
            var deviation = Math.Sqrt(face.Pixels.ToArray().Average(p => (p - mean) * (p - mean)));
            Assert.InRange(mean, 110, 146);
            Assert.InRange(deviation, 30, 50);
        }
    }

    [Fact]
    public void A_live_snapshot_of_the_same_person_scores_at_least_0_9()
    {
        foreach (var person in SimulatedPersons.All)
        {
            foreach (var (seed, size) in new[] { (1, 64), (2, 64), (3, 128), (4, 96), (5, 48) })
            {
                var snapshot = GrayImage.Decode(person.LiveSnapshotPng(seed, size));
                var score = FaceMatcher.Score(person.ReferenceFace, snapshot);
                Assert.True(score >= 0.9, $"{person} seed {seed} size {size}: {score}");
            }
        }
    }

    [Fact]
    public void Different_people_score_at_most_0_6_across_all_pairs()
    {
        var persons = SimulatedPersons.All;
        var snapshots = persons.Select((p, i) => p.LiveSnapshot(1000 + i)).ToArray();
        var highest = 0.0;
        for (var i = 0; i < persons.Count; i++)
        {
            for (var j = 0; j < persons.Count; j++)
            {
                if (i == j)
                {
                    continue;
                }

                var score = FaceMatcher.Score(persons[i].ReferenceFace, snapshots[j]);
                highest = Math.Max(highest, score);
                Assert.True(score <= 0.6, $"{persons[i]} vs {persons[j]}: {score}");
                if (i < j)
                {
                    Assert.True(FaceMatcher.Score(persons[i].ReferenceFace, persons[j].ReferenceFace) <= 0.6);
                }
            }
        }

        Assert.True(highest > 0, "the scores are not all zero");
    }

    [Fact]
    public void Brightness_does_not_change_the_score_and_a_flat_image_scores_zero()
    {
        var face = SimulatedPersons.All[3].ReferenceFace;
        var brighter = new GrayImage(64, 64, face.Pixels.ToArray().Select(p => (byte)Math.Min(255, p + 10)).ToArray());

        Assert.InRange(FaceMatcher.Score(face, face), 0.9999, 1.0);
        Assert.True(FaceMatcher.Score(face, brighter) > 0.99);
        Assert.Equal(0, FaceMatcher.Score(face, new GrayImage(64, 64, new byte[64 * 64])));
    }

    /// <summary>The first generated person, pinned so demo data and screenshots that name them stay valid.</summary>
    private static class Pinned
    {
        public const string Name = "陈建兰";
        public const string IdNumber = "330102198910308102";
        public const long FaceChecksum = 533_141_138;
    }

    private static long Checksum(GrayImage image)
    {
        long sum = 0;
        var pixels = image.Pixels;
        for (var i = 0; i < pixels.Length; i++)
        {
            sum = ((sum * 31) + pixels[i]) % 1_000_000_007;
        }

        return sum;
    }
}
