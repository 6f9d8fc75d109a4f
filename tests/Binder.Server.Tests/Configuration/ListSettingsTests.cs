using Binder.Hub.Hosting;
using Binder.Server.Hosting;
using Microsoft.Extensions.Configuration;

namespace Binder.Server.Tests.Configuration;

/// <summary>List settings with defaults are replaced by configured lists in the service, as in the CLI.</summary>
public sealed class ListSettingsTests
{
    private static BinderHubOptions Bind(Dictionary<string, string?> values) =>
        SiloHosting.Bind<BinderHubOptions>(new ConfigurationBuilder().AddInMemoryCollection(values).Build(), BinderHubOptions.SectionName);

    [Fact]
    public void A_configured_list_replaces_the_default_list_instead_of_being_appended_to_it()
    {
        var hub = Bind(new() { ["Binder:Buildpacks:JupyterPipPackages:0"] = "x", ["Binder:Buildpacks:JuliaVersions:0"] = "1.10.4" });

        Assert.Equal(new[] { "x" }, hub.Buildpacks.JupyterPipPackages);
        Assert.Equal(new[] { "1.10.4" }, hub.Buildpacks.JuliaVersions);
    }

    [Fact]
    public void Lists_that_are_not_configured_keep_their_defaults()
    {
        var defaults = new Binder.Build.Buildpacks.BuildpackOptions();

        var hub = Bind(new() { ["Binder:Buildpacks:JupyterPipPackages:0"] = "x" });

        Assert.Equal(defaults.JuliaVersions, hub.Buildpacks.JuliaVersions);
        Assert.Equal(defaults.CondaChannels, hub.Buildpacks.CondaChannels);
    }
}
