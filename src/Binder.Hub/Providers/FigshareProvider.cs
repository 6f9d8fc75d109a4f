namespace Binder.Hub.Providers;

/// <summary>
/// <c>figshare/&lt;DOI&gt;</c>: BinderHub's Figshare provider. The DOI resolves to
/// <c>…/articles/&lt;type&gt;/&lt;title&gt;/&lt;id&gt;[/&lt;version&gt;]</c>; the resolved ref is <c>&lt;id&gt;.v&lt;version&gt;</c>
/// (version 1 when the URL has none) and the build slug <c>figshare-&lt;id&gt;.v&lt;version&gt;</c>. Files come from
/// <c>GET /v2/articles/&lt;id&gt;/versions/&lt;version&gt;</c>.
/// </summary>
internal sealed class FigshareProvider(ProviderHttp http) : RecordProvider(http)
{
    private const string Example = "10.6084/m9.figshare.9782777.v1";

    public override string Prefix => "figshare";

    public override string DisplayName => "Figshare DOI";

    public override RepoProviderDisplay Display { get; } = new()
    {
        Id = "figshare",
        DisplayName = "Figshare DOI",
        Spec = new(@"10\.\d+/(.)+"),
        Detect = new(@"^(https?://(dx\.)?doi\.org/)?(?<repo>10\.6084/m9\.figshare\.\d+(\.v\d+)?)/?$"),
        Repo = new("Figshare DOI", $"example: {Example}", false),
        Ref = new(false),
    };

    public override RepoSpec Parse(string spec) => ParseDoi(Prefix, spec, Example);
}
