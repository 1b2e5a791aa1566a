using System.Xml.Linq;
using CityService.Core.Identity;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;

namespace CityService.Web.Features.Identity;

/// <summary>
/// Encrypts the Data Protection key ring (which signs session cookies and bearer tokens) before it is stored in the
/// database, with the personal-data key from configuration: reading the table (a backup, a replica) is not enough to
/// mint sessions.
/// </summary>
public sealed class KeyRingEncryptor(PersonalDataProtector protector) : IXmlEncryptor
{
    internal const string Purpose = "data-protection-key-ring";

    public EncryptedXmlInfo Encrypt(XElement plaintextElement) => new(
        new XElement("encryptedKey",
            new XComment(" Encrypted with CityService's personal-data key (Identity:PersonalData). "),
            new XElement("value", protector.Encrypt(plaintextElement.ToString(SaveOptions.DisableFormatting), Purpose))),
        typeof(KeyRingDecryptor));
}

/// <summary>Created by Data Protection by type name when it reads an encrypted key; resolves the protector from DI.</summary>
public sealed class KeyRingDecryptor(IServiceProvider services) : IXmlDecryptor
{
    public XElement Decrypt(XElement encryptedElement) => XElement.Parse(
        services.GetRequiredService<PersonalDataProtector>().Decrypt(
            encryptedElement.Element("value")?.Value ?? throw new InvalidOperationException("An encrypted key has no value."), KeyRingEncryptor.Purpose));
}
