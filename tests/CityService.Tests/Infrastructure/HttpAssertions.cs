using System.Net;
using System.Text.Json;

namespace CityService.Tests.Infrastructure;

public static class HttpAssertions
{
    /// <summary>Asserts an RFC 9457 problem detail with the given status, and returns its JSON.</summary>
    public static async Task<JsonElement> AssertProblem(this HttpResponseMessage response, HttpStatusCode status, string? parameter = null, string? code = null)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"Expected {(int)status} but got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var json = JsonDocument.Parse(body).RootElement;
        Assert.Equal((int)status, json.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(json.GetProperty("detail").GetString()));
        Assert.False(string.IsNullOrWhiteSpace(json.GetProperty("messages").GetProperty("zh").GetString()));
        Assert.False(string.IsNullOrWhiteSpace(json.GetProperty("messages").GetProperty("en").GetString()));
        Assert.DoesNotContain("   at ", body, StringComparison.Ordinal); // no stack trace
        if (parameter is not null)
        {
            Assert.Equal(parameter, json.GetProperty("parameter").GetString());
        }

        if (code is not null)
        {
            Assert.Equal(code, json.GetProperty("code").GetString());
        }

        return json;
    }

    public static async Task<JsonElement> Json(this HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"Expected success but got {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement;
    }

    /// <summary>Asserts the exact status (e.g. 202 rather than any success) and parses the JSON body.</summary>
    public static async Task<JsonElement> Json(this HttpResponseMessage response, System.Net.HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"Expected {(int)status} but got {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement;
    }
}
