using CityService.Core.Notifications;

namespace CityService.Tests.Notifications;

/// <summary>The template rules without a host: shipped defaults, variable checks, SMS length.</summary>
public sealed class NotificationTemplateRulesTests
{
    private static readonly NotificationTemplates Templates = new(new NotificationSettings());

    [Fact]
    public void Every_event_channel_and_language_has_a_default_that_uses_only_its_variables()
    {
        foreach (var what in NotificationEvents.All)
        {
            foreach (var channel in what.Channels)
            {
                foreach (var language in NotificationTemplates.Languages)
                {
                    Assert.True(NotificationTemplates.Defaults.TryGetValue((what.Code, channel, language), out var template), $"{what.Code}/{channel}/{language} has no default");
                    Assert.Null(NotificationTemplates.Check(what, channel, template.Subject, template.Body));
                    Assert.Equal(1, template.Version);
                }
            }
        }

        Assert.Equal(NotificationEvents.All.Sum(e => e.Channels.Count * 2), NotificationTemplates.Defaults.Count); // nothing for events that do not exist
    }

    [Fact]
    public void Default_text_messages_start_with_the_signature_and_fit_one_segment_with_the_examples()
    {
        foreach (var what in NotificationEvents.All.Where(e => e.Channels.Contains(NotificationChannels.Sms)))
        {
            foreach (var language in NotificationTemplates.Languages)
            {
                var preview = Templates.Preview(what, NotificationTemplates.Defaults[(what.Code, NotificationChannels.Sms, language)]);
                Assert.StartsWith("【城市服务】", preview.Rendered.Text, StringComparison.Ordinal);
                Assert.True(preview.Sms!.Segments == 1, $"{what.Code}/{language} is {preview.Sms.Length} characters: {preview.Rendered.Text}");
            }
        }
    }

    [Fact]
    public void An_unknown_variable_is_named_and_assigned_or_looped_names_are_not()
    {
        var what = NotificationEvents.Find(NotificationEvents.PhoneChanged)!;
        var error = NotificationTemplates.Check(what, NotificationChannels.Inbox, "标题", "您的手机号 {{ phone }} 于 {{ when }} 更换");
        Assert.Equal(NotificationErrors.UnknownVariable, error!.Code);
        Assert.Equal("body", error.Parameter);
        Assert.Equal("when", error.Extensions!["variable"]);
        Assert.Contains("when", error.Message.Zh, StringComparison.Ordinal);

        Assert.Equal("name", NotificationTemplates.Check(what, NotificationChannels.Inbox, "{{ name }}", "{{ phone }}")!.Extensions!["variable"]);
        Assert.Equal("device", NotificationTemplates.Check(what, NotificationChannels.Sms, null, "{% if device %}{{ phone }}{% endif %}")!.Extensions!["variable"]); // in a branch not taken too
        Assert.Null(NotificationTemplates.Check(what, NotificationChannels.Inbox, "t", "{% assign p = phone | upcase %}{{ p }} {% for c in at %}{{ c }}{{ forloop.index }}{% endfor %}"));
        Assert.Equal(NotificationErrors.TemplateSyntax, NotificationTemplates.Check(what, NotificationChannels.Inbox, "t", "{{ phone ")!.Code);
        Assert.Equal(NotificationErrors.TemplateEmpty, NotificationTemplates.Check(what, NotificationChannels.Email, " ", "{{ phone }}")!.Code);
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(70, 1)]
    [InlineData(71, 2)]
    [InlineData(134, 2)]
    [InlineData(135, 3)]
    public void Text_with_chinese_is_70_characters_a_message_then_67_a_part(int length, int segments)
    {
        Assert.Equal(new SmsLength(length, segments), SmsLength.Of(new string('汉', length)));
    }

    [Fact]
    public void Plain_latin_text_is_160_a_message_then_153_a_part()
    {
        Assert.Equal(1, SmsLength.Of(new string('a', 160)).Segments);
        Assert.Equal(2, SmsLength.Of(new string('a', 161)).Segments);
    }

    [Fact]
    public void Rendering_does_not_html_encode_text_and_puts_the_configured_signature_in_front()
    {
        var templates = new NotificationTemplates(new NotificationSettings("【某市政务】"));
        var sms = templates.Render(new TemplateVersion(NotificationEvents.NewDevice, NotificationChannels.Sms, "zh", 2, null, "新设备 {{ device }}", null, null),
            new Dictionary<string, string> { ["device"] = "Chrome · <Android>" });
        Assert.Equal("【某市政务】新设备 Chrome · <Android>", sms.Text);
        var email = templates.Render(new TemplateVersion(NotificationEvents.NewDevice, NotificationChannels.Email, "en", 2, "On {{ device }}", "A\n{{ device }}", null, null),
            new Dictionary<string, string> { ["device"] = "<b>" });
        Assert.Equal("On <b>", email.Subject);
        Assert.Equal("<p>A</p><p>&lt;b&gt;</p>", email.Html);
    }
}
