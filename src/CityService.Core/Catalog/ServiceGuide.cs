using CityService.Core.Common;

namespace CityService.Core.Catalog;

public sealed record Fee(FeeKind Kind, long? Fen)
{
    public static Fee Free { get; } = new(FeeKind.Free, null);

    public static Fee ByBill { get; } = new(FeeKind.ByBill, null);

    public static Fee Fixed(long fen) => new(FeeKind.Fixed, fen);

    public Money? Amount => Kind == FeeKind.Fixed && Fen is { } fen ? new Money(fen) : null;
}

/// <summary>What a citizen needs to know before starting a service (办事指南).</summary>
public sealed record ServiceGuide(
    IReadOnlyList<LocalizedText> Materials,
    Fee Fee,
    LocalizedText LegalBasis,
    int PromisedDays,
    Visits Visits,
    IReadOnlyList<OnlineMode> Online,
    string? ExternalUrl,
    IReadOnlyList<string> Keywords)
{
    /// <summary>For EF, which sets the stored parts itself (it cannot pass the nested fee and legal basis to the constructor).</summary>
    private ServiceGuide()
        : this([], Fee.Free, new LocalizedText(string.Empty, string.Empty), 0, default, [], null, [])
    {
    }
}

/// <summary>The guide fields a city or county replaces for itself and the regions below it; null keeps the inherited value.</summary>
public sealed record GuidePatch(
    IReadOnlyList<LocalizedText>? Materials = null,
    Fee? Fee = null,
    LocalizedText? LegalBasis = null,
    int? PromisedDays = null,
    Visits? Visits = null,
    IReadOnlyList<OnlineMode>? Online = null,
    string? ExternalUrl = null,
    IReadOnlyList<string>? Keywords = null)
{
    /// <summary>For EF, which sets the stored parts itself (see <see cref="ServiceGuide"/>).</summary>
    private GuidePatch()
        : this(Materials: null)
    {
    }

    public ServiceGuide ApplyTo(ServiceGuide guide) => new(
        Materials ?? guide.Materials,
        Fee ?? guide.Fee,
        LegalBasis ?? guide.LegalBasis,
        PromisedDays ?? guide.PromisedDays,
        Visits ?? guide.Visits,
        Online ?? guide.Online,
        ExternalUrl ?? guide.ExternalUrl,
        Keywords ?? guide.Keywords);
}
