using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using CityService.Core.Common;
using Fluid;
using Fluid.Ast;

namespace CityService.Core.Notifications;

/// <summary>The deployment's notification settings (<c>Notifications:*</c>).</summary>
/// <param name="SmsSignature">Put in front of every SMS text, as Chinese carriers require of a sender (【城市服务】).</param>
public sealed record NotificationSettings(string SmsSignature = NotificationSettings.DefaultSignature)
{
    public const string DefaultSignature = "【城市服务】";
}

/// <summary>One version of one template, stored or the shipped default (version 1).</summary>
public sealed record TemplateVersion(
    string EventCode, string Channel, string Language, int Version, string? Subject, string Body, DateTimeOffset? SavedAt, Guid? SavedBy)
{
    public bool IsDefault => SavedAt is null;
}

/// <summary>How long an SMS text is and how many messages the carrier makes of it.</summary>
/// <param name="Length">In UTF-16 units, as carriers count UCS-2 (an emoji counts two).</param>
/// <param name="Segments">One message holds 70 characters with Chinese (160 in plain GSM letters); a longer text goes
/// out in parts of 67 (153), each billed.</param>
public sealed record SmsLength(int Length, int Segments)
{
    public static SmsLength Of(string text)
    {
        var gsm = text.All(c => c is >= ' ' and <= '~' or '\n' or '\r');
        var (single, part) = gsm ? (160, 153) : (70, 67);
        var segments = text.Length == 0 ? 0 : text.Length <= single ? 1 : (text.Length + part - 1) / part;
        return new SmsLength(text.Length, segments);
    }
}

/// <summary>A template rendered with the event's example values, as the operator's preview shows it.</summary>
public sealed record TemplatePreview(RenderedNotification Rendered, SmsLength? Sms);

/// <summary>
/// Notification templates as data: Liquid (Fluid) per event × channel × language, versioned in
/// <c>notification_templates</c> with the shipped defaults as version 1. A template is parsed and its variables checked
/// against the event's when it is saved, so a citizen's message never fails on a missing variable; rendering replaces an
/// unknown value by nothing rather than failing (it cannot happen for a saved template).
/// </summary>
public sealed class NotificationTemplates(NotificationSettings settings)
{
    public const int MaxLength = 4000;

    public static readonly IReadOnlyList<string> Languages = ["zh", "en"];

    private static readonly FluidParser Parser = new();

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    private static readonly TemplateOptions Options = TemplateOptions.Default;

    private static readonly Lazy<IReadOnlyDictionary<(string, string, string), TemplateVersion>> DefaultTemplates = new(LoadDefaults);

    private readonly ConcurrentDictionary<string, IFluidTemplate> _parsed = new(StringComparer.Ordinal);

    public NotificationSettings Settings => settings;

    /// <summary>The shipped defaults (version 1 of every template), read once from the embedded file.</summary>
    public static IReadOnlyDictionary<(string Event, string Channel, string Language), TemplateVersion> Defaults => DefaultTemplates.Value;

    /// <summary>The active version: the highest stored one, or the default.</summary>
    public static async Task<TemplateVersion> ActiveAsync(CityDbContext db, string eventCode, string channel, string language, CancellationToken ct)
    {
        var stored = await db.NotificationTemplates.AsNoTracking()
            .Where(t => t.EventCode == eventCode && t.Channel == channel && t.Language == language)
            .OrderByDescending(t => t.Version)
            .FirstOrDefaultAsync(ct);
        return stored is null ? Default(eventCode, channel, language) : From(stored);
    }

    /// <summary>A given version, or null when there is none.</summary>
    public static async Task<TemplateVersion?> VersionAsync(CityDbContext db, string eventCode, string channel, string language, int version, CancellationToken ct)
    {
        if (version == 1)
        {
            return Default(eventCode, channel, language);
        }

        var stored = await db.NotificationTemplates.AsNoTracking()
            .FirstOrDefaultAsync(t => t.EventCode == eventCode && t.Channel == channel && t.Language == language && t.Version == version, ct);
        return stored is null ? null : From(stored);
    }

    /// <summary>Every version, newest (the active one) first, down to the default.</summary>
    public static async Task<IReadOnlyList<TemplateVersion>> HistoryAsync(CityDbContext db, string eventCode, string channel, string language, CancellationToken ct)
    {
        var stored = await db.NotificationTemplates.AsNoTracking()
            .Where(t => t.EventCode == eventCode && t.Channel == channel && t.Language == language)
            .ToListAsync(ct);
        return [.. stored.OrderByDescending(t => t.Version).Select(From), Default(eventCode, channel, language)];
    }

    /// <summary>
    /// Checks and saves a new version (the next after the active one), which becomes the active one. Every variable the
    /// template uses must be one the event provides: otherwise a 400 naming it. Two saves at once: one wins, the other 409.
    /// </summary>
    public static async Task<Result<TemplateVersion>> SaveAsync(
        CityDbContext db, string? eventCode, string? channel, string? language, string? subject, string? body, Guid? by, DateTimeOffset now, CancellationToken ct)
    {
        if (Target(eventCode, channel, language) is { } missing)
        {
            return missing;
        }

        var what = NotificationEvents.Find(eventCode)!;
        subject = channel == NotificationChannels.Sms ? null : subject?.Trim();
        if (Check(what, channel!, subject, body) is { } invalid)
        {
            return invalid;
        }

        var active = await ActiveAsync(db, what.Code, channel!, language!, ct);
        var saved = NotificationTemplate.Save(what.Code, channel!, language!, active.Version + 1, subject, body!.Trim(), by, now);
        db.NotificationTemplates.Add(saved);
        return await db.TrySaveChangesAsync(ct)
            ? From(saved)
            : new Error(ErrorKind.Conflict, NotificationErrors.VersionConflict, new(
                "另一位管理员刚刚保存了该模板，请刷新后重试。", "Another operator saved this template a moment ago; reload and try again."));
    }

    /// <summary>Null when event, channel and language name a template; else the 404 naming the one that does not.</summary>
    public static Error? Target(string? eventCode, string? channel, string? language)
    {
        var what = NotificationEvents.Find(eventCode);
        if (what is null)
        {
            return NotificationErrors.EventNotFound(eventCode);
        }

        if (channel is null || !what.Channels.Contains(channel))
        {
            return NotificationErrors.ChannelNotFound(channel);
        }

        return language is not null && Languages.Contains(language) ? null : NotificationErrors.LanguageNotFound(language);
    }

    /// <summary>Parses subject and body and checks their variables against the event's; null when both are fine.</summary>
    public static Error? Check(NotificationEvent what, string channel, string? subject, string? body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return Error.Invalid("body", NotificationErrors.TemplateEmpty, "模板正文不能为空。", "The template's text must not be empty.");
        }

        if (channel != NotificationChannels.Sms && string.IsNullOrWhiteSpace(subject))
        {
            return Error.Invalid("subject", NotificationErrors.TemplateEmpty, "标题不能为空。", "The title must not be empty.");
        }

        foreach (var (field, text) in new[] { ("subject", subject), ("body", body) })
        {
            if (text is null)
            {
                continue;
            }

            if (text.Length > MaxLength)
            {
                return Error.Invalid(field, NotificationErrors.TemplateTooLong, $"模板过长（最多 {MaxLength} 个字符）。", $"The template is too long (at most {MaxLength} characters).");
            }

            if (!Parser.TryParse(text, out var template, out var syntax))
            {
                return Error.Invalid(field, NotificationErrors.TemplateSyntax, $"模板写法有误：{syntax}", $"The template does not parse: {syntax}");
            }

            var known = what.Variables.Select(v => v.Name).ToHashSet(StringComparer.Ordinal);
            if (VariablesUsed(template).FirstOrDefault(v => !known.Contains(v)) is { } unknown)
            {
                return new Error(ErrorKind.Invalid, NotificationErrors.UnknownVariable, new(
                    $"事件“{what.Code}”没有变量“{unknown}”。可用的变量：{string.Join("、", known)}。",
                    $"The event '{what.Code}' has no variable '{unknown}'. Its variables: {string.Join(", ", known)}."), field)
                {
                    Extensions = new Dictionary<string, object> { ["variable"] = unknown },
                };
            }
        }

        return null;
    }

    /// <summary>The names a template reads from outside (the first segment of each member expression), less its own assigns and loops.</summary>
    public static IReadOnlyList<string> VariablesUsed(IFluidTemplate template)
    {
        var visitor = new VariableCollector();
        visitor.VisitTemplate(template);
        return [.. visitor.Read.Where(v => !visitor.Local.Contains(v)).Distinct(StringComparer.Ordinal)];
    }

    /// <summary>Renders a template version with the given values; an SMS gets the platform's signature in front.</summary>
    public RenderedNotification Render(TemplateVersion template, IReadOnlyDictionary<string, string> variables)
    {
        var context = new TemplateContext(Options);
        foreach (var (name, value) in variables)
        {
            context.SetValue(name, value);
        }

        var subject = template.Subject is null ? null : Parse(template.Subject).Render(context, NullEncoder.Default).Trim();
        var text = Parse(template.Body).Render(context, NullEncoder.Default).Trim();
        if (template.Channel == NotificationChannels.Sms)
        {
            return new RenderedNotification(null, settings.SmsSignature + text, null);
        }

        var html = template.Channel == NotificationChannels.Email
            ? string.Concat(text.Split('\n').Select(line => line.Trim()).Where(line => line.Length > 0).Select(line => "<p>" + WebUtility.HtmlEncode(line) + "</p>"))
            : null;
        return new RenderedNotification(subject, text, html);
    }

    /// <summary>Renders with the event's example values; for SMS also the length and segments the carrier will count.</summary>
    public TemplatePreview Preview(NotificationEvent what, TemplateVersion template)
    {
        var rendered = Render(template, what.Examples);
        return new TemplatePreview(rendered, template.Channel == NotificationChannels.Sms ? SmsLength.Of(rendered.Text) : null);
    }

    private IFluidTemplate Parse(string text) => _parsed.GetOrAdd(text, t => Parser.Parse(t));

    private static TemplateVersion From(NotificationTemplate t) => new(t.EventCode, t.Channel, t.Language, t.Version, t.Subject, t.Body, t.CreatedAt, t.CreatedBy);

    private static TemplateVersion Default(string eventCode, string channel, string language) =>
        Defaults.TryGetValue((eventCode, channel, language), out var template)
            ? template
            : throw new InvalidOperationException($"notification-templates.json has no default for {eventCode} / {channel} / {language}.");

    private static Dictionary<(string, string, string), TemplateVersion> LoadDefaults()
    {
        using var stream = typeof(NotificationTemplates).Assembly.GetManifestResourceStream("notification-templates.json")
            ?? throw new InvalidOperationException("The embedded notification-templates.json is missing from the build.");
        var rows = JsonSerializer.Deserialize<List<DefaultRow>>(stream, JsonOptions) ?? [];
        return rows.ToDictionary(r => (r.Event, r.Channel, r.Language), r => new TemplateVersion(r.Event, r.Channel, r.Language, 1, r.Subject, r.Body, null, null));
    }

    private sealed record DefaultRow(string Event, string Channel, string Language, string? Subject, string Body);

    private sealed class VariableCollector : AstVisitor
    {
        public List<string> Read { get; } = [];

        public HashSet<string> Local { get; } = new(StringComparer.Ordinal) { "forloop" };

        protected override Expression VisitMemberExpression(MemberExpression memberExpression)
        {
            if (memberExpression.Segments.Count > 0 && memberExpression.Segments[0] is IdentifierSegment first)
            {
                Read.Add(first.Identifier);
            }

            return base.VisitMemberExpression(memberExpression);
        }

        protected override Statement VisitAssignStatement(AssignStatement assignStatement)
        {
            Local.Add(assignStatement.Identifier);
            return base.VisitAssignStatement(assignStatement);
        }

        protected override Statement VisitForStatement(ForStatement forStatement)
        {
            Local.Add(forStatement.Identifier);
            return base.VisitForStatement(forStatement);
        }
    }
}
