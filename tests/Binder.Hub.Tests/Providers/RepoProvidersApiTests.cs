using System.Text.Json;
using Binder.Build.Content;
using Binder.Hub.Providers;

namespace Binder.Hub.Tests.Providers;

public sealed class RepoProvidersApiTests
{
    [Fact]
    public void Display_configs_serialise_to_binderhubs_api_repoproviders_shape()
    {
        using var http = new HttpClient();
        var resolver = new RepoResolver(new ProvidersOptions(), http, new GitRemote(new ContentOptions()));

        using var json = JsonDocument.Parse(JsonSerializer.Serialize(resolver.DisplayConfigs));
        var providers = json.RootElement.EnumerateArray().ToList();
        var gh = providers[0];
        var dataverse = providers.Single(p => p.GetProperty("id").GetString() == "dataverse");

        Assert.Equal(8, providers.Count);
        Assert.Equal("GitHub", gh.GetProperty("displayName").GetString());
        Assert.Equal("[^/]+/[^/]+/.+", gh.GetProperty("spec").GetProperty("validateRegex").GetString());
        Assert.Contains("(?<repo>", gh.GetProperty("detect").GetProperty("regex").GetString(), StringComparison.Ordinal);
        Assert.False(gh.GetProperty("repo").GetProperty("urlEncode").GetBoolean());
        Assert.True(gh.GetProperty("ref").GetProperty("enabled").GetBoolean());
        Assert.Equal("HEAD", gh.GetProperty("ref").GetProperty("default").GetString());
        Assert.False(dataverse.TryGetProperty("detect", out _));
        Assert.False(dataverse.GetProperty("ref").GetProperty("enabled").GetBoolean());
        Assert.False(dataverse.GetProperty("ref").TryGetProperty("default", out _));
    }
}
