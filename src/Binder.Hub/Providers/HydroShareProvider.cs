using System.Text.RegularExpressions;

namespace Binder.Hub.Providers;

/// <summary>
/// <c>hydroshare/&lt;id&gt;</c>: BinderHub's HydroShare provider. The id (32 hex digits, or a resource URL holding it) is
/// resolved through <c>/hsapi/resource/&lt;id&gt;/scimeta/elements</c>: the resource's last modification (unix seconds)
/// is the version, <c>&lt;id&gt;.v&lt;seconds&gt;</c>, and the build slug <c>hydroshare-&lt;id&gt;.v&lt;seconds&gt;</c>. The content is
/// the resource's BagIt zip, whose <c>data/contents</c> directory is what gets built.
/// </summary>
internal sealed partial class HydroShareProvider(ProviderHttp http) : RecordProvider(http)
{
    private const string Example = "b8f6eae9d89241cf8b5904033460af61";

    public override string Prefix => "hydroshare";

    public override string DisplayName => "Hydroshare resource";

    public override RepoProviderDisplay Display { get; } = new()
    {
        Id = "hydroshare",
        DisplayName = "Hydroshare resource",
        Spec = new(@"[^/]+"),
        Detect = new(@"^(https?://www\.hydroshare\.org/resource/)?(?<repo>[0-9a-f]{32})/?$"),
        Repo = new("Hydroshare resource id or URL", $"example: {Example}", false),
        Ref = new(false),
    };

    public override RepoSpec Parse(string spec)
    {
        SpecRules.CheckRaw(Prefix, spec, Example);
        var match = ResourcePattern().Match(spec);
        if (!match.Success)
        {
            throw new InvalidSpecException(
                $"'{SpecRules.Printable(spec)}' is not a HydroShare resource id (32 hexadecimal digits) or resource URL; a hydroshare spec looks like 'hydroshare/{Example}'.");
        }
        var id = match.Groups[1].Value;
        return new RepoSpec(Prefix, id, id, null);
    }

    [GeneratedRegex(@"^(?:https?://[A-Za-z0-9.-]+(?::\d+)?/resource/)?([0-9a-f]{32})/?$")]
    private static partial Regex ResourcePattern();
}
