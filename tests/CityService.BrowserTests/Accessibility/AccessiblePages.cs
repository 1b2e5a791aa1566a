namespace CityService.BrowserTests.Accessibility;

/// <summary>Who looks at a page: nobody signed in, a citizen, or a member of staff (a department admin).</summary>
public enum Visitor
{
    Anonymous,
    Citizen,
    Staff,
}

/// <summary>One page of the accessibility matrix: a short name (for screenshots and messages), its address, who opens it, its status.</summary>
public sealed record AccessiblePage(string Name, string Url, Visitor Visitor = Visitor.Anonymous, int Status = 200);

/// <summary>
/// Every page a person can reach, as one table: the accessibility matrix walks it in both viewports, both languages and
/// both display modes. A new page gets a row here (and its signed-in visitor, if any).
/// </summary>
public static class AccessiblePages
{
    public const string Hangzhou = "330100";

    /// <summary>An invoice of the right shape with a key id no host publishes (its fields show, marked invalid: unknown-key).</summary>
    public const string UnknownKeyInvoice = "eyJhbGciOiJFUzI1NiIsImtpZCI6IjAwMDAwMDAwMDAwMDAwMDAifQ."
        + "eyJpc3MiOiIzMzAxMDAtSFpQU0IiLCJpYXQiOjE3OTUwMDAwMDAsImp0aSI6IjAxOTBmMGUwYTBiMGMwZDBlMGYwYTBiMGMwZDBlMGYwIiwia25kIjoiaW52b2ljZSIsImQiOnsiYW10IjoiMjAwMDAiLCJieSI6IuadreW3nuW4guWFrOWuieWxgCIsImNoayI6ImExYjJjMyIsImNvZGUiOiIzMzAxMDAyNiIsIm5vIjoiMDAwMDAwMDA0MiIsInBheWVyIjoi5bygKuS4iSJ9fQ."
        + "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

    // One row per page template and state; near twins (a field list beside the search list, terms beside privacy, a
    // second not-found, the staff's sign-out) were left out to keep a walk of the table near a minute on 2 cores.
    public static readonly AccessiblePage[] All =
    [
        new("home", "/"),
        new("home-city", $"/?city={Hangzhou}"),
        new("services", $"/city/{Hangzhou}/services"),
        new("search", $"/city/{Hangzhou}/services?q=" + Uri.EscapeDataString("驾驶")),
        new("guide", $"/city/{Hangzhou}/services/TR-0001"),
        new("guide-l2", $"/city/{Hangzhou}/services/SS-0001"),
        new("search-all-cities", "/search?q=" + Uri.EscapeDataString("驾驶证")),
        new("event-choose-city", "/events/having-a-baby"),
        new("event", $"/city/{Hangzhou}/events/having-a-baby"),
        new("county-services", "/city/540102/services"), // Lhasa's Chengguan: a county far from the seeded cities
        new("privacy", "/privacy"),
        new("accessibility", "/accessibility"),
        new("about", "/about"),
        new("signin-password", "/signin?method=password"),
        new("locate-none", "/locate"), // "use my location" without a position: back to the list with a notice
        new("signin", "/signin"),
        new("staff-accept", "/staff/accept"),
        new("not-found-page", "/no-such-page", Status: 404),
        new("not-found-service", $"/city/{Hangzhou}/services/XX-9999", Status: 404),
        new("me", "/me", Visitor.Citizen),
        new("verify", "/me/verify", Visitor.Citizen),
        new("sessions", "/me/sessions", Visitor.Citizen),
        new("notifications", "/me/notifications", Visitor.Citizen),
        new("security", "/me/security", Visitor.Citizen), // sign-ins and who looked at my data (the audit log)
        new("channels", "/me/channels", Visitor.Citizen), // the linked channels (consents to partner apps) are a section of the profile
        new("payments", "/me/payments", Visitor.Citizen), // issue 10: the citizen's payments (empty for a new citizen)
        new("signout", "/signout", Visitor.Citizen),
        new("staff-admin", "/admin/staff", Visitor.Staff),
        new("bills-lookup", "/bills/lookup"), // bills: anyone looks a bill up by plate or utility account
        new("my-bills", "/me/bills", Visitor.Citizen), // bills: an L1 citizen is told to verify first
        new("verify-invalid", "/v/" + UnknownKeyInvoice), // issue 11: what a scanner opens — an invoice signed with a key never published
        new("verify-malformed", "/v/not-a-document", Status: 400), // issue 11: a damaged QR code's link
        new("my-invoices", "/me/invoices", Visitor.Citizen), // issue 11: the citizen's e-invoices (empty for a new citizen)
    ];
}
