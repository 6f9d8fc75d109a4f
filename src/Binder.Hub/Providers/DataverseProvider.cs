namespace Binder.Hub.Providers;

/// <summary>
/// <c>dataverse/&lt;DOI&gt;</c>: BinderHub's Dataverse provider. The DOI resolves to a dataset page on some Dataverse
/// installation; that installation's native API (<c>GET /api/datasets/:persistentId?persistentId=doi:…</c>) gives the
/// dataset id and its latest published version: the resolved ref is <c>&lt;id&gt;.v&lt;major&gt;.&lt;minor&gt;</c>, the build
/// slug <c>dataverse-&lt;escaped identifier&gt;</c>. Files come from that exact version.
/// </summary>
internal sealed class DataverseProvider(ProviderHttp http) : RecordProvider(http)
{
    private const string Example = "10.7910/DVN/TJCLKP";

    public override string Prefix => "dataverse";

    public override string DisplayName => "Dataverse DOI";

    public override RepoProviderDisplay Display { get; } = new()
    {
        Id = "dataverse",
        DisplayName = "Dataverse DOI",
        Spec = new(@"10\.\d+/(.)+"),
        Detect = null,
        Repo = new("Dataverse DOI", $"example: {Example}", false),
        Ref = new(false),
    };

    public override RepoSpec Parse(string spec) => ParseDoi(Prefix, spec, Example);
}
