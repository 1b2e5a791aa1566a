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

    /// <summary>Who may apply (受理条件), one condition per entry.</summary>
    public IReadOnlyList<LocalizedText> Conditions { get; init; } = [];

    /// <summary>What happens from applying to getting the result (办理流程), in order.</summary>
    public IReadOnlyList<LocalizedText> Steps { get; init; } = [];

    /// <summary>Questions citizens ask about this item, with the answers.</summary>
    public IReadOnlyList<FaqEntry> Faq { get; init; } = [];

    /// <summary>The enquiry number (咨询电话); null means the responsible department's.</summary>
    public string? EnquiryPhone { get; init; }

    /// <summary>The complaint number (投诉电话); null means the 12345 government service hotline.</summary>
    public string? ComplaintPhone { get; init; }
}

/// <summary>One question of a guide's FAQ with its answer.</summary>
public sealed record FaqEntry(LocalizedText Question, LocalizedText Answer);

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

    public IReadOnlyList<LocalizedText>? Conditions { get; init; }

    public IReadOnlyList<LocalizedText>? Steps { get; init; }

    public IReadOnlyList<FaqEntry>? Faq { get; init; }

    public string? EnquiryPhone { get; init; }

    public string? ComplaintPhone { get; init; }

    public ServiceGuide ApplyTo(ServiceGuide guide) => new(
        Materials ?? guide.Materials,
        Fee ?? guide.Fee,
        LegalBasis ?? guide.LegalBasis,
        PromisedDays ?? guide.PromisedDays,
        Visits ?? guide.Visits,
        Online ?? guide.Online,
        ExternalUrl ?? guide.ExternalUrl,
        Keywords ?? guide.Keywords)
    {
        Conditions = Conditions ?? guide.Conditions,
        Steps = Steps ?? guide.Steps,
        Faq = Faq ?? guide.Faq,
        EnquiryPhone = EnquiryPhone ?? guide.EnquiryPhone,
        ComplaintPhone = ComplaintPhone ?? guide.ComplaintPhone,
    };
}

/// <summary>The columns of a guide: the same for an item's <see cref="ServiceGuide"/> and an override's <see cref="GuidePatch"/>.</summary>
public static class GuideColumns
{
    public static void Map(ComplexPropertyBuilder guide)
    {
        guide.Property<IReadOnlyList<LocalizedText>>(nameof(ServiceGuide.Materials)).HasColumnName("materials").HasJsonConversion();
        guide.ComplexProperty<Fee>(nameof(ServiceGuide.Fee), fee =>
        {
            fee.Property(f => f.Kind).HasColumnName("fee_kind");
            fee.Property(f => f.Fen).HasColumnName("fee_fen");
        });
        guide.ComplexProperty<LocalizedText>(nameof(ServiceGuide.LegalBasis), text =>
        {
            text.Property(t => t.Zh).HasColumnName("legal_basis_zh");
            text.Property(t => t.En).HasColumnName("legal_basis_en");
        });
        guide.Property(nameof(ServiceGuide.PromisedDays)).HasColumnName("promised_days");
        guide.Property(nameof(ServiceGuide.Visits)).HasColumnName("visits");
        guide.Property<IReadOnlyList<OnlineMode>>(nameof(ServiceGuide.Online)).HasColumnName("online_modes").HasJsonConversion();
        guide.Property(nameof(ServiceGuide.ExternalUrl)).HasColumnName("external_url");
        guide.Property<IReadOnlyList<string>>(nameof(ServiceGuide.Keywords)).HasColumnName("keywords").HasJsonConversion();
        guide.Property<IReadOnlyList<LocalizedText>>(nameof(ServiceGuide.Conditions)).HasColumnName("conditions").HasJsonConversion();
        guide.Property<IReadOnlyList<LocalizedText>>(nameof(ServiceGuide.Steps)).HasColumnName("steps").HasJsonConversion();
        guide.Property<IReadOnlyList<FaqEntry>>(nameof(ServiceGuide.Faq)).HasColumnName("faq").HasJsonConversion();
        guide.Property(nameof(ServiceGuide.EnquiryPhone)).HasColumnName("enquiry_phone");
        guide.Property(nameof(ServiceGuide.ComplaintPhone)).HasColumnName("complaint_phone");
    }
}
