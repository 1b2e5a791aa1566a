using System.Security.Cryptography;
using CityService.Core.Identity;

namespace CityService.Tests.Identity;

public sealed class PersonalDataProtectorTests
{
    private static string NewKey() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    private static readonly string Old = NewKey();
    private static readonly string Current = NewKey();
    private static readonly string Blind = NewKey();

    private static PersonalDataProtector Protector(string active, params (string Id, string Key)[] keys) =>
        new(PersonalDataKeys.FromBase64(active, keys.ToDictionary(k => k.Id, k => k.Key), Blind));

    [Fact]
    public void Encryption_round_trips_and_never_contains_the_clear_text()
    {
        var p = Protector("k1", ("k1", Current));
        var c = p.Encrypt("13800138000", "phone");
        Assert.StartsWith("v1.k1.", c, StringComparison.Ordinal);
        Assert.DoesNotContain("13800138000", c, StringComparison.Ordinal);
        Assert.Equal("13800138000", p.Decrypt(c, "phone"));
        Assert.NotEqual(c, p.Encrypt("13800138000", "phone")); // random nonce
    }

    [Fact]
    public void Tampering_or_the_wrong_purpose_is_detected()
    {
        var p = Protector("k1", ("k1", Current));
        var c = p.Encrypt("11010519491231002X", "id-number");
        Assert.ThrowsAny<CryptographicException>(() => p.Decrypt(c, "phone"));
        var bytes = Base64Url.Decode(c.Split('.')[2]);
        bytes[^1] ^= 1;
        Assert.ThrowsAny<CryptographicException>(() => p.Decrypt("v1.k1." + Base64Url.Encode(bytes), "id-number"));
        Assert.ThrowsAny<CryptographicException>(() => p.Decrypt("v1.unknown." + c.Split('.')[2], "id-number"));
    }

    [Fact]
    public void Old_ciphertexts_still_decrypt_after_rotation_and_are_flagged_for_re_encryption()
    {
        var before = Protector("old", ("old", Old));
        var c = before.Encrypt("13800138000", "phone");
        var after = Protector("new", ("old", Old), ("new", Current));
        Assert.Equal("13800138000", after.Decrypt(c, "phone"));
        Assert.True(after.NeedsRotation(c));
        Assert.False(after.NeedsRotation(after.Encrypt("13800138000", "phone")));
    }

    [Fact]
    public void Blind_indexes_are_deterministic_keyed_and_purpose_bound()
    {
        var p = Protector("k1", ("k1", Current));
        Assert.Equal(p.BlindIndex("13800138000", "phone"), p.BlindIndex("13800138000", "phone"));
        Assert.NotEqual(p.BlindIndex("13800138000", "phone"), p.BlindIndex("13800138001", "phone"));
        Assert.NotEqual(p.BlindIndex("13800138000", "phone"), p.BlindIndex("13800138000", "id-number"));
        var otherKey = new PersonalDataProtector(PersonalDataKeys.FromBase64("k1", new Dictionary<string, string> { ["k1"] = Current }, NewKey()));
        Assert.NotEqual(p.BlindIndex("13800138000", "phone"), otherKey.BlindIndex("13800138000", "phone"));
    }

    [Theory]
    [InlineData("missing", "k1")]
    [InlineData("k1", "not base64!")]
    [InlineData("k1", "AAAA")]
    public void Bad_key_configuration_stops_start_up(string active, string key)
    {
        Assert.Throws<InvalidOperationException>(() => PersonalDataKeys.FromBase64(active, new Dictionary<string, string> { ["k1"] = key == "k1" ? Current : key }, Blind));
    }
}
