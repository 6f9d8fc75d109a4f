using Binder.Hub.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Binder.Hub.Tests.Grains;

public sealed class BinderHubOptionsTests
{
    [Fact]
    public void DefaultsAreValid()
    {
        var options = new BinderHubOptions();

        Assert.True(new BinderHubOptionsValidator().Validate(null, options).Succeeded);
        Assert.Equal(2, options.BuildQueue.MaxConcurrentBuilds);
        Assert.Equal(TimeSpan.FromHours(1), options.Repo.BuildTimeout);
        Assert.Equal(TimeSpan.FromMinutes(10), options.Sessions.IdleTimeout);
        Assert.Equal(TimeSpan.FromHours(6), options.Sessions.MaxAge);
        Assert.Equal("r2d-", options.Repo.FullImageNamePrefix);
    }

    [Fact]
    public void TheRegistryIsPartOfTheImagePrefix()
    {
        var repo = new RepoGrainOptions { Registry = "registry.example.org:5000/", ImageNamePrefix = "binder/r2d-" };

        Assert.True(repo.UsesRegistry);
        Assert.Equal("registry.example.org:5000/binder/r2d-", repo.FullImageNamePrefix);
    }

    [Fact]
    public void AddBinderHubRefusesBadOptionsNamingEachKey()
    {
        var options = new BinderHubOptions
        {
            BuildQueue = new BuildQueueOptions { MaxConcurrentBuilds = 0 },
            Repo = new RepoGrainOptions { BuildTimeout = TimeSpan.Zero, ImageNamePrefix = "Has Space" },
            Sessions = new SessionOptions { IdleTimeout = TimeSpan.FromSeconds(-1), TotalQuota = -2 },
        };

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });

        var error = Assert.Throws<OptionsValidationException>(() => builder.UseOrleans(silo => silo.AddBinderHub(options, "node-1")));

        Assert.Contains("Binder:BuildQueue:MaxConcurrentBuilds", error.Message, StringComparison.Ordinal);
        Assert.Contains("Binder:Repo:BuildTimeout", error.Message, StringComparison.Ordinal);
        Assert.Contains("Binder:Repo:ImageNamePrefix", error.Message, StringComparison.Ordinal);
        Assert.Contains("Binder:Sessions:IdleTimeout", error.Message, StringComparison.Ordinal);
        Assert.Contains("Binder:Sessions:TotalQuota", error.Message, StringComparison.Ordinal);
    }
}
