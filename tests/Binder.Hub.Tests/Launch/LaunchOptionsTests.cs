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
    public void The_session_token_is_not_printed_with_the_start_request()
    {
        var start = new SessionStart("s-1", "image:tag", "session-token-s3cret", "/user/s-1/", "gh/org/repo@abc");

        Assert.DoesNotContain("s3cret", start.ToString(), StringComparison.Ordinal);
        Assert.Contains("Token = ***", start.ToString(), StringComparison.Ordinal);
        Assert.Contains("SessionId = s-1", start.ToString(), StringComparison.Ordinal);
    }
}
