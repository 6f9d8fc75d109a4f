using Binder.Hub.Launch;

namespace Binder.Hub.Tests.Launch;

public sealed class LaunchOptionsTests
{
    [Fact]
    public void The_defaults_are_valid()
    {
        Assert.Empty(DockerLaunchOptionsValidator.Problems(new DockerLaunchOptions()));
        Assert.Empty(ProxyOptionsValidator.Problems(new ProxyOptions()));
    }

    [Fact]
    public void Bad_session_settings_are_named()
    {
        var problems = DockerLaunchOptionsValidator.Problems(new DockerLaunchOptions
        {
            InstanceName = "Not Valid",
            JupyterIp = "localhost",
            JupyterArguments = ["--ip={ip}"],
            MemoryLimitBytes = 1024,
            CpuLimit = -1,
            StartTimeout = TimeSpan.Zero,
        });

        Assert.Equal(6, problems.Count);
        Assert.Contains(problems, p => p.StartsWith("InstanceName", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("JupyterIp", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("{base_url}", StringComparison.Ordinal));
        var error = Assert.Throws<ArgumentException>(() => DockerLaunchOptionsValidator.ThrowIfInvalid(new DockerLaunchOptions { InstanceName = "" }));
        Assert.Contains("Launch:Docker", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_start_timeout_or_stop_grace_period_longer_than_a_cross_node_grain_call_may_take_is_refused()
    {
        var problems = DockerLaunchOptionsValidator.Problems(new DockerLaunchOptions
        {
            StartTimeout = TimeSpan.FromMinutes(26),
            StopGracePeriod = TimeSpan.FromMinutes(5),
        });

        Assert.Equal(2, problems.Count);
        Assert.Contains(problems, p => p.StartsWith("StartTimeout", StringComparison.Ordinal) && p.Contains("00:30:00", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("StopGracePeriod", StringComparison.Ordinal) && p.Contains("00:05:00", StringComparison.Ordinal));
        // 25 minutes of start leave no room for the default pull (below): 15 with the default 10 is the longest.
        Assert.Empty(DockerLaunchOptionsValidator.Problems(new DockerLaunchOptions { StartTimeout = TimeSpan.FromMinutes(15), StopGracePeriod = TimeSpan.FromMinutes(4) }));
    }

    [Fact]
    public void A_pull_and_start_together_longer_than_a_cross_node_grain_call_may_take_are_refused_naming_both()
    {
        Assert.Equal(TimeSpan.FromMinutes(10), new DockerLaunchOptions().PullTimeout);
        Assert.Empty(DockerLaunchOptionsValidator.Problems(new DockerLaunchOptions { StartTimeout = TimeSpan.FromMinutes(15), PullTimeout = TimeSpan.FromMinutes(10) }));

        var tooLong = DockerLaunchOptionsValidator.Problems(new DockerLaunchOptions { StartTimeout = TimeSpan.FromMinutes(16), PullTimeout = TimeSpan.FromMinutes(10) });
        var none = DockerLaunchOptionsValidator.Problems(new DockerLaunchOptions { PullTimeout = TimeSpan.Zero });

        Assert.StartsWith("PullTimeout 00:10:00 and StartTimeout 00:16:00 together are longer than 00:25:00", Assert.Single(tooLong), StringComparison.Ordinal);
        Assert.StartsWith("PullTimeout", Assert.Single(none), StringComparison.Ordinal);
    }

    [Fact]
    public void An_external_proxy_needs_its_public_url_and_token()
    {
        var problems = ProxyOptionsValidator.Problems(new ProxyOptions { ApiUrl = new Uri("http://proxy:8001") });

        Assert.Contains(problems, p => p.StartsWith("PublicUrl", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("AuthToken", StringComparison.Ordinal));
    }

    [Fact]
    public void Bad_owned_proxy_addresses_are_named()
    {
        var problems = ProxyOptionsValidator.Problems(new ProxyOptions { PublicBind = "8000", ApiBind = "nowhere:x", LogLevel = "loud" });

        Assert.Equal(3, problems.Count);
    }

    [Fact]
    public void The_proxy_token_is_not_printed_with_the_options()
    {
        var options = new ProxyOptions { ApiUrl = new Uri("http://proxy:8001"), AuthToken = "secret-proxy-token-42" };

        Assert.DoesNotContain("secret-proxy-token-42", options.ToString(), StringComparison.Ordinal);
        Assert.Contains("AuthToken = ***", options.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Configured_jupyter_arguments_replace_the_defaults_and_none_means_the_defaults()
    {
        var configured = new DockerLaunchOptions { JupyterArguments = ["--port={port}", "--ServerApp.base_url={base_url}"] };
        var unset = new DockerLaunchOptions();

        Assert.Equal(["--port={port}", "--ServerApp.base_url={base_url}"], configured.EffectiveJupyterArguments);
        Assert.Equal(DockerLaunchOptions.DefaultJupyterArguments, unset.EffectiveJupyterArguments);
        Assert.Empty(DockerLaunchOptionsValidator.Problems(unset));
        Assert.Empty(DockerLaunchOptionsValidator.Problems(configured));
    }

    [Fact]
    public void Sessions_default_to_the_isolated_network_named_after_the_instance_with_limits_on_everything()
    {
        var options = new DockerLaunchOptions { InstanceName = "mybinder" };

        Assert.Equal(SessionNetworkMode.Isolated, options.Network.Mode);
        Assert.Equal("mybinder-sessions", options.NetworkName);
        Assert.Null(options.Network.Subnet);
        Assert.Null(options.Network.PublishAddress);
        Assert.Equal(1000, options.UserId);
        Assert.True(options.PidsLimit > 0);
        Assert.True(options.MemoryLimitBytes > 0);
        Assert.True(options.CpuLimit > 0);
        Assert.Equal("own-net", (options with { Network = new SessionNetworkOptions { Name = "own-net" } }).NetworkName);
    }

    [Theory]
    [InlineData("10.213.0.0/16", null, null)]
    [InlineData("10.213.0.1/16", null, "Network:Subnet '10.213.0.1/16'")]
    [InlineData("not-a-subnet", null, "Network:Subnet 'not-a-subnet'")]
    [InlineData(null, "10.0.0.5", null)]
    [InlineData(null, "node-7", "Network:PublishAddress 'node-7'")]
    [InlineData(null, "0.0.0.0", "Network:PublishAddress '0.0.0.0' publishes on every address, so the proxy needs TargetHost")]
    public void Network_settings_are_checked_and_named(string? subnet, string? publish, string? problem)
    {
        var problems = DockerLaunchOptionsValidator.Problems(new DockerLaunchOptions { Network = new SessionNetworkOptions { Subnet = subnet, PublishAddress = publish } });

        if (problem is null)
        {
            Assert.Empty(problems);
        }
        else
        {
            Assert.StartsWith(problem, Assert.Single(problems), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Bad_network_names_root_and_tiny_process_limits_are_refused()
    {
        var problems = DockerLaunchOptionsValidator.Problems(new DockerLaunchOptions
        {
            Network = new SessionNetworkOptions { Name = "host", Mode = SessionNetworkMode.Host, Subnet = "10.1.0.0/16" },
            UserId = 0,
            PidsLimit = 5,
            JupyterPort = 0,
        });

        Assert.Contains(problems, p => p.StartsWith("Network:Name 'host'", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Network:Subnet and Network:PublishAddress apply to the isolated network only", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("(Binder:Buildpacks:UserId) must be 1 or more: sessions never run as root", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("PidsLimit 5", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("JupyterPort 0", StringComparison.Ordinal));
        Assert.Equal(5, problems.Count);
    }

    [Fact]
    public void The_node_quota_is_what_fits_in_memory_after_the_reserve_and_unbounded_only_without_a_session_limit()
    {
        const long gib = 1024L * 1024 * 1024;

        Assert.Equal(10, new NodeResources(24 * gib, 2 * gib).SessionCapacity(4 * gib));
        Assert.Equal(9, new NodeResources(23 * gib + 1, 2 * gib).SessionCapacity(4 * gib));
        Assert.Equal(0, new NodeResources(3 * gib, 2 * gib).SessionCapacity(4 * gib));
        Assert.Null(new NodeResources(24 * gib, 0).SessionCapacity(4 * gib));
    }

    [Fact]
    public void The_session_token_is_not_printed_with_the_start_request()
    {
        var start = new SessionStart("s-1", "image:tag", "session-token-s3cret", "/user/s-1/", "gh/org/repo@abc");

        Assert.DoesNotContain("s3cret", start.ToString(), StringComparison.Ordinal);
        Assert.Contains("Token = ***", start.ToString(), StringComparison.Ordinal);
        Assert.Contains("SessionId = s-1", start.ToString(), StringComparison.Ordinal);
    }
}
