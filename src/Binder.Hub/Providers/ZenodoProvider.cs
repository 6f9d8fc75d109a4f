namespace Binder.Hub.Providers;

/// <summary>
/// <c>zenodo/&lt;DOI&gt;</c>: BinderHub's Zenodo provider. The DOI is resolved through the DOI resolver to a record page
/// (a concept DOI lands on the latest version), whose record id is the resolved ref; the build slug is
/// <c>zenodo-&lt;record id&gt;</c>. The files come from Zenodo's records API (<c>GET /api/records/&lt;id&gt;</c>).
/// </summary>
internal sealed class ZenodoProvider(ProviderHttp http) : RecordProvider(http)
{
    private const string Example = "10.5281/zenodo.3242074";

    public override string Prefix => "zenodo";

    public override string DisplayName => "Zenodo DOI";

    public override RepoProviderDisplay Display { get; } = new()
    {
        Id = "zenodo",
        DisplayName = "Zenodo DOI",
        Spec = new(@"10\.\d+/(.)+"),
        Detect = new(@"^(https?://(dx\.)?doi\.org/)?(?<repo>10\.5281/zenodo\.\d+)/?$"),
        Repo = new("Zenodo DOI", $"example: {Example}", false),
        Ref = new(false),
    };

    public override RepoSpec Parse(string spec) => ParseDoi(Prefix, spec, Example);
}
