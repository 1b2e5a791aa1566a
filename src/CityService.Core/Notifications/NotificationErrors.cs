using CityService.Core.Common;

namespace CityService.Core.Notifications;

/// <summary>The error codes of notifications (stable: clients and tests match them).</summary>
public static class NotificationErrors
{
    public const string UnknownEvent = "notify.unknown-event";
    public const string UnknownChannel = "notify.unknown-channel";
    public const string UnknownLanguage = "notify.unknown-language";
    public const string UnknownCategory = "notify.unknown-category";
    public const string TemplateSyntax = "notify.template.syntax";
    public const string UnknownVariable = "notify.template.unknown-variable";
    public const string TemplateEmpty = "notify.template.empty";
    public const string TemplateTooLong = "notify.template.too-long";
    public const string VersionConflict = "notify.template.version-conflict";
    public const string VersionNotFound = "notify.template.version-not-found";
    public const string NotificationNotFound = "notify.not-found";
    public const string EmailInvalid = "notify.email.invalid";

    public static Error EventNotFound(string? code) => Error.NotFound(UnknownEvent,
        $"没有通知事件“{code}”。", $"There is no notification event '{code}'.", "event");

    public static Error ChannelNotFound(string? channel) => Error.NotFound(UnknownChannel,
        $"该事件没有“{channel}”渠道的模板。", $"The event has no template for the channel '{channel}'.", "channel");

    public static Error LanguageNotFound(string? language) => Error.NotFound(UnknownLanguage,
        $"没有语言“{language}”，请用 zh 或 en。", $"There is no language '{language}'; use zh or en.", "language");

    public static Error Notification() => Error.NotFound(NotificationNotFound, "没有这条通知。", "There is no such notification.", "id");
}
