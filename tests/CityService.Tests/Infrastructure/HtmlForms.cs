using System.Net;
using System.Net.Http.Headers;
using AngleSharp.Dom;
using AngleSharp.Html.Dom;
using AngleSharp.Html.Parser;

namespace CityService.Tests.Infrastructure;

/// <summary>
/// Drives the server-rendered pages like a browser without JavaScript. It GETs a page and parses its HTML, fills in and
/// submits the page's forms, and leaves redirects for the test to follow by hand (see <see cref="AppFixture.Browser"/>).
/// Forms are sent the way a browser sends them:
/// <list type="bullet">
/// <item>a GET form: its fields become the query string of its action;</item>
/// <item>a POST form: all its own fields go in the body, hidden ones included. That includes the antiforgery token
/// <c>__RequestVerificationToken</c>, so the server accepts the post;</item>
/// <item>a POST form with <c>enctype="multipart/form-data"</c>: the same fields, plus a file for its file input,
/// are sent as multipart/form-data.</item>
/// </list>
/// Test classes import it with <c>using static CityService.Tests.Infrastructure.HtmlForms;</c>.
/// </summary>
public static class HtmlForms
{
    /// <summary>The hidden field that ASP.NET Core puts into every POST form and checks when the form comes back.</summary>
    public const string AntiforgeryField = "__RequestVerificationToken";

    private static readonly HtmlParser Parser = new();

    /// <summary>Parses HTML into a document, without checking the response it came from.</summary>
    public static IHtmlDocument Parse(string html) => Parser.ParseDocument(html);

    /// <summary>GETs a page, asserts that its status is <paramref name="status"/> and that it is HTML, and parses it.</summary>
    public static async Task<IHtmlDocument> Page(HttpClient browser, string url, HttpStatusCode status = HttpStatusCode.OK) =>
        await Html(await browser.GetAsync(url), status);

    /// <summary>Asserts that a response has the given status and is HTML, and parses it.</summary>
    public static async Task<IHtmlDocument> Html(HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"{response.RequestMessage?.RequestUri}: expected {(int)status}, got {(int)response.StatusCode} {response.Headers.Location} {body}");
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        return Parser.ParseDocument(body);
    }

    /// <summary>
    /// Submits the POST form <paramref name="formSelector"/> of <paramref name="page"/> to its action and returns the response
    /// without following it. The form must carry the antiforgery token. The form's own fields are sent, hidden ones and
    /// selected options included, and <paramref name="values"/> replace or add fields by name. A multipart form also sends
    /// <paramref name="file"/> (an empty file when none is given) as <c>photo.png</c>, <c>image/png</c>, under its file input's
    /// name. <paramref name="withToken"/> false leaves the antiforgery token out, as a forged post would.
    /// </summary>
    public static async Task<HttpResponseMessage> Submit(
        HttpClient browser, IHtmlDocument page, string formSelector, Dictionary<string, string>? values = null, byte[]? file = null, bool withToken = true)
    {
        var form = Form(page, formSelector, "post");
        var action = form.GetAttribute("action");
        Assert.False(string.IsNullOrEmpty(action), formSelector + " has no action");
        if (withToken)
        {
            Assert.NotNull(form.QuerySelector($"input[name={AntiforgeryField}]"));
        }

        var fields = Fields(form, values, withToken);
        HttpContent content;
        if (string.Equals(form.GetAttribute("enctype"), "multipart/form-data", StringComparison.OrdinalIgnoreCase))
        {
            var multipart = new MultipartFormDataContent();
            foreach (var (name, value) in fields)
            {
                multipart.Add(new StringContent(value), name);
            }

            var fileInput = form.QuerySelector("input[type=file]")!.GetAttribute("name")!;
            var bytes = new ByteArrayContent(file ?? []);
            bytes.Headers.ContentType = new MediaTypeHeaderValue("image/png");
            multipart.Add(bytes, fileInput, "photo.png");
            content = multipart;
        }
        else
        {
            content = new FormUrlEncodedContent(fields);
        }

        return await browser.PostAsync(action, content);
    }

    /// <summary>
    /// Submits the GET form <paramref name="formSelector"/> of <paramref name="page"/>: its fields (selected options included),
    /// with <paramref name="values"/> replacing or adding fields by name, become the query string of its action. A GET form
    /// must not carry the antiforgery token, which would end up in the address. Returns the page the form leads to,
    /// asserting that its status is <paramref name="status"/>.
    /// </summary>
    public static async Task<IHtmlDocument> SubmitGet(
        HttpClient browser, IHtmlDocument page, string formSelector, Dictionary<string, string>? values = null, HttpStatusCode status = HttpStatusCode.OK)
    {
        var form = Form(page, formSelector, "get");
        Assert.Null(form.QuerySelector($"input[name={AntiforgeryField}]"));
        var query = string.Join('&', Fields(form, values, withToken: true).Select(f => Uri.EscapeDataString(f.Key) + "=" + Uri.EscapeDataString(f.Value)));
        return await Page(browser, form.GetAttribute("action") + "?" + query, status);
    }

    /// <summary>Asserts that a response is a redirect (302) and returns its Location as the server wrote it.</summary>
    public static string Location(HttpResponseMessage response)
    {
        Assert.True(response.StatusCode == HttpStatusCode.Redirect,
            $"expected a redirect, got {(int)response.StatusCode}: {Parser.ParseDocument(response.Content.ReadAsStringAsync().GetAwaiter().GetResult()).QuerySelector("main")?.TextContent}");
        return response.Headers.Location!.OriginalString;
    }

    /// <summary>The trimmed text of the element <paramref name="selector"/>; fails, showing the page, when there is none.</summary>
    public static string Text(IHtmlDocument doc, string selector) =>
        (doc.QuerySelector(selector) ?? throw new Xunit.Sdk.XunitException($"{selector} is not on the page:\n{doc.Body?.InnerHtml}")).TextContent.Trim();

    /// <summary>
    /// Asserts that every visible input and every select in the page's main content has an id and a label for it. When the
    /// page shows an error for a field (an element with id <c>&lt;id&gt;-error</c>), the field must point to it with
    /// aria-describedby and be marked aria-invalid.
    /// </summary>
    public static void AssertAccessibleForms(IHtmlDocument doc)
    {
        foreach (var input in doc.QuerySelectorAll("main input:not([type=hidden]), main select"))
        {
            Assert.False(string.IsNullOrEmpty(input.Id));
            Assert.NotNull(doc.QuerySelector($"label[for='{input.Id}']"));
            if (doc.GetElementById(input.Id + "-error") is not null)
            {
                Assert.Contains(input.Id + "-error", input.GetAttribute("aria-describedby")!.Split(' '));
                Assert.Equal("true", input.GetAttribute("aria-invalid"));
            }
        }
    }

    /// <summary>The form <paramref name="selector"/> of the page. Fails, showing the page's main content, when it is missing or has another method.</summary>
    private static IHtmlFormElement Form(IHtmlDocument page, string selector, string method)
    {
        var element = page.QuerySelector(selector) ?? throw new Xunit.Sdk.XunitException($"{selector} is not on the page:\n{page.QuerySelector("main")?.InnerHtml}");
        var form = Assert.IsAssignableFrom<IHtmlFormElement>(element);
        Assert.Equal(method, form.GetAttribute("method"), ignoreCase: true);
        return form;
    }

    /// <summary>
    /// The form's own fields: its named inputs (hidden ones included, file and submit inputs left out) and its selects with
    /// their selected option. Each of <paramref name="values"/> replaces the field of that name, or is added.
    /// </summary>
    private static List<KeyValuePair<string, string>> Fields(IElement form, Dictionary<string, string>? values, bool withToken)
    {
        var fields = form.QuerySelectorAll("input[name]").OfType<IHtmlInputElement>()
            .Where(i => i.Type is not ("file" or "submit"))
            .Where(i => i.Type is not ("checkbox" or "radio") || i.IsChecked) // as a browser: an unticked box is not sent
            .Where(i => withToken || i.Name != AntiforgeryField)
            .Select(i => KeyValuePair.Create(i.Name!, i.Value))
            .Concat(form.QuerySelectorAll("select[name]").OfType<IHtmlSelectElement>().Select(s => KeyValuePair.Create(s.Name!, s.Value ?? string.Empty)))
            .ToList();
        foreach (var (name, value) in values ?? [])
        {
            fields.RemoveAll(f => f.Key == name);
            fields.Add(KeyValuePair.Create(name, value));
        }

        return fields;
    }
}
