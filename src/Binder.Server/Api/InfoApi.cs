using System.Reflection;
using Binder.Server.Build;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace Binder.Server.Api;

/// <summary><c>/api/repoproviders</c> and <c>/versions</c>: what this Binder offers and runs.</summary>
internal static class InfoApi
{
    public static IEndpointRouteBuilder MapInfoApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/repoproviders", (RepoLookup lookup) => Results.Json(Describe(lookup.Providers), BinderJson.Options)).WithName("RepoProviders");
        app.MapGet("/versions", (IOptions<ServerOptions> options) => Results.Json(new Dictionary<string, string>
        {
            ["builder"] = options.Value.Builder,
            ["binderhub"] = Version,
        }, BinderJson.Options)).WithName("Versions");
        return app;
    }

    internal static string Version { get; } =
        typeof(InfoApi).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    internal static IReadOnlyList<RepoProviderInfo> Describe(IEnumerable<IRepoProvider> providers) =>
        [.. providers.OrderBy(p => Order(p.Prefix)).ThenBy(p => p.Prefix, StringComparer.Ordinal).Select(p => new RepoProviderInfo(
            p.Prefix,
            p.DisplayName,
            new RepoProviderField(Label(p), Placeholder(p.Prefix)),
            HasRef(p.Prefix) ? new RepoProviderRef(true, "HEAD") : new RepoProviderRef(false, null)))];

    private static bool HasRef(string prefix) => prefix is "gh" or "gist" or "gl" or "git";

    private static int Order(string prefix) => prefix switch
    {
        "gh" => 0, "gist" => 1, "gl" => 2, "git" => 3, "zenodo" => 4, "figshare" => 5, "hydroshare" => 6, "dataverse" => 7, _ => 8,
    };

    private static string Label(IRepoProvider provider) => provider.Prefix switch
    {
        "gh" => "GitHub repository name or URL",
        "gist" => "Gist ID (username/gistId) or URL",
        "gl" => "GitLab.com repository or URL",
        "git" => "Arbitrary git repository URL (http://git.example.com/repo)",
        _ => provider.DisplayName + " DOI (10.x/...) or URL",
    };

    private static string Placeholder(string prefix) => prefix switch
    {
        "gh" => "example: binder-examples/requirements or https://github.com/binder-examples/requirements",
        "gist" => "example: username/gistId or https://gist.github.com/username/gistId",
        "gl" => "example: https://gitlab.com/mosaik/examples/mosaik-tutorials-on-binder",
        "git" => "example: https://git.example.com/repo.git",
        "zenodo" => "example: 10.5281/zenodo.3242074",
        "figshare" => "example: 10.6084/m9.figshare.9782777.v1",
        "hydroshare" => "example: 8f7c2f0341ef4180b0dd5a4a5d6a7b0d",
        "dataverse" => "example: 10.7910/DVN/TJCLKP",
        _ => string.Empty,
    };
}
