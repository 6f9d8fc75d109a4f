using Binder.Hub.Hosting;
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
    public void The_validator_the_host_runs_at_start_names_each_bad_key()
    {
        var options = new BinderHubOptions
        {
            BuildQueue = new BuildQueueOptions { MaxConcurrentBuilds = 0 },
            Repo = new RepoGrainOptions { BuildTimeout = TimeSpan.Zero, ImageNamePrefix = "Has Space" },
            Sessions = new SessionOptions { IdleTimeout = TimeSpan.FromSeconds(-1), TotalQuota = -2 },
        };

        var result = new BinderHubOptionsValidator().Validate(null, options);
        var error = new OptionsValidationException(BinderHubOptions.SectionName, typeof(BinderHubOptions), result.Failures);

        Assert.Contains("Binder:BuildQueue:MaxConcurrentBuilds", error.Message, StringComparison.Ordinal);
        Assert.Contains("Binder:Repo:BuildTimeout", error.Message, StringComparison.Ordinal);
        Assert.Contains("Binder:Repo:ImageNamePrefix", error.Message, StringComparison.Ordinal);
        Assert.Contains("Binder:Sessions:IdleTimeout", error.Message, StringComparison.Ordinal);
        Assert.Contains("Binder:Sessions:TotalQuota", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Quotas_build_memory_and_the_image_cleaner_are_bounded_by_default_and_bad_values_are_named()
    {
        var defaults = new BinderHubOptions();
        Assert.Null(defaults.Sessions.NodeQuota);
        Assert.True(defaults.Sessions.NodeMemoryReserveBytes > 0);
        Assert.Equal(100, defaults.Sessions.DefaultRepoQuota);
        Assert.True(defaults.Docker.BuildMemoryLimitBytes > 0);
        Assert.True(defaults.ImageCleaner.Enabled);
        Assert.True(new BinderHubOptionsValidator().Validate(null, defaults).Succeeded);

        var result = new BinderHubOptionsValidator().Validate(null, new BinderHubOptions
        {
            Sessions = new SessionOptions { NodeQuota = -1, NodeMemoryReserveBytes = -1 },
            Docker = new Binder.Build.Docker.DockerOptions { BuildMemoryLimitBytes = 1024 },
            ImageCleaner = new ImageCleanerOptions { HighPercent = 50, LowPercent = 70, Interval = TimeSpan.Zero, Path = "relative/dir" },
        });

        Assert.Equal(
            ["Binder:Sessions:NodeQuota", "Binder:Sessions:NodeMemoryReserveBytes", "Binder:Docker:BuildMemoryLimitBytes",
             "Binder:ImageCleaner:Interval", "Binder:ImageCleaner:LowPercent", "Binder:ImageCleaner:Path"],
            result.Failures!.Select(f => f.Split(' ')[0]).ToArray());
    }

    [Fact]
    public void The_janitor_runs_every_five_minutes_by_default_and_a_zero_interval_negative_grace_or_no_concurrency_is_named()
    {
        var defaults = new SessionOptions();
        Assert.Equal(TimeSpan.FromMinutes(5), defaults.JanitorInterval);
        Assert.Equal(TimeSpan.FromMinutes(2), defaults.JanitorGracePeriod);
        Assert.Equal(16, defaults.JanitorConcurrency);

        var result = new BinderHubOptionsValidator().Validate(null, new BinderHubOptions
        {
            Sessions = new SessionOptions { JanitorInterval = TimeSpan.Zero, JanitorGracePeriod = TimeSpan.FromSeconds(-1), JanitorConcurrency = 0 },
        });

        Assert.Equal(
            ["Binder:Sessions:JanitorInterval", "Binder:Sessions:JanitorGracePeriod", "Binder:Sessions:JanitorConcurrency"],
            result.Failures!.Select(f => f.Split(' ')[0]).ToArray());
    }

    [Fact]
    public void Content_time_outs_the_git_program_and_the_work_directory_are_checked_at_start_too()
    {
        Assert.True(new BinderHubOptionsValidator().Validate(null, new BinderHubOptions()).Succeeded);

        var result = new BinderHubOptionsValidator().Validate(null, new BinderHubOptions
        {
            Content = new Binder.Build.Content.ContentOptions
            {
                GitExecutable = " ",
                GitTimeout = TimeSpan.Zero,
                GitNetworkTimeout = TimeSpan.FromMilliseconds(-1),
                WorkDirectory = "clones",
            },
        });

        Assert.Equal(
            ["Binder:Content:GitExecutable", "Binder:Content:GitTimeout", "Binder:Content:GitNetworkTimeout", "Binder:Content:WorkDirectory"],
            result.Failures!.Select(f => f.Split(' ')[0]).ToArray());
        Assert.Contains("Binder:Content:GitNetworkTimeout is -00:00:00.0010000; give a duration from 00:00:01 to 1.00:00:00", string.Join('\n', result.Failures!), StringComparison.Ordinal);
    }
}
