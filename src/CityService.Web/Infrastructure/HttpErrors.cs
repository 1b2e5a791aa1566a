namespace CityService.Web.Infrastructure;

/// <summary>The stable error codes the host (HTTP, input, server) answers with (the <c>code</c> of its problem details); clients may rely on them.</summary>
public static class HttpErrors
{
    public static class Http
    {
        public const string BadRequest = "http.bad-request";
        public const string BodyTooLarge = "http.body-too-large";
        public const string FormInvalid = "http.form-invalid";
        public const string FormTooLarge = "http.form-too-large";
        public const string MethodNotAllowed = "http.method-not-allowed";
        public const string NotFound = "http.not-found";
        public const string UnsupportedCharset = "http.unsupported-charset";
        public const string UnsupportedMediaType = "http.unsupported-media-type";
    }

    public static class Request
    {
        public const string JsonInvalid = "request.json-invalid";
        public const string Missing = "request.missing";
        public const string NotANumber = "request.not-a-number";
        public const string NotAnInteger = "request.not-an-integer";
        public const string OutOfRange = "request.out-of-range";
    }

    public static class Server
    {
        public const string DatabaseUnavailable = "server.database-unavailable";
        public const string Error = "server.error";
    }
}
