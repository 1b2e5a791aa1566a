using CityService.Core.Common;
using CityService.Web.Infrastructure;

namespace CityService.Web.Features.Shared;

/// <summary>Errors of one form: each at its field (by the Core parameter name, which is also the input's id), the rest for the whole form.</summary>
public sealed class FormErrors
{
    private readonly Dictionary<string, string> _fields = new(StringComparer.Ordinal);
    private readonly List<string> _general = [];

    public bool Any => _fields.Count > 0 || _general.Count > 0;

    public IReadOnlyDictionary<string, string> Fields => _fields;

    public IReadOnlyList<string> General => _general;

    public string? For(string field) => _fields.GetValueOrDefault(field);

    /// <summary>Puts a Core error at its field when the form has that field, otherwise at the top of the form; in the current language.</summary>
    public void Add(Error error, params string[] formFields)
    {
        var text = Texts.Pick(error.Message);
        if (error.Parameter is { } parameter && formFields.Contains(parameter, StringComparer.Ordinal))
        {
            _fields[parameter] = text;
        }
        else
        {
            _general.Add(text);
        }
    }

    public void Add(string field, string text) => _fields[field] = text;

    /// <summary>The aria-describedby value for an input: its hint, and its error when there is one (null when neither).</summary>
    public string? DescribedBy(string field, string? hint = null)
    {
        var ids = new List<string>(2);
        if (hint is not null)
        {
            ids.Add(hint);
        }

        if (_fields.ContainsKey(field))
        {
            ids.Add(field + "-error");
        }

        return ids.Count == 0 ? null : string.Join(' ', ids);
    }

    public string? Invalid(string field) => _fields.ContainsKey(field) ? "true" : null;
}
