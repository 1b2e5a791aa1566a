using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace CityService.Web.Features.Site;

/// <summary>/privacy, /terms, /accessibility and /about: the deployment's documents, with version and effective date.</summary>
[AllowAnonymous]
public sealed class PolicyModel(PolicyDocuments policies) : PageModel
{
    public PolicyDocument Document { get; private set; } = null!;

    public void OnGet(string doc) => Document = policies[Enum.Parse<PolicyKind>(doc, ignoreCase: true)];
}
