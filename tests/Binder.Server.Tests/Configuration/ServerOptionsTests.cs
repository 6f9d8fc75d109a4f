using Microsoft.Extensions.Configuration;
using Binder.Server.Configuration;

namespace Binder.Server.Tests.Configuration;

public sealed class ServerOptionsTests
{
    [Fact]
    public void The_operator_token_is_not_printed()
    {
        var options = new ServerOptions { OperatorToken = "operator-secret-0123456789", PublicUrl = "https://binder.example.org/" };

        var printed = options.ToString();

        Assert.DoesNotContain("operator-secret", printed, StringComparison.Ordinal);
        Assert.Contains("OperatorToken = ***", printed, StringComparison.Ordinal);
        Assert.Contains("https://binder.example.org/", printed, StringComparison.Ordinal);
    }

    [Fact]
    public void The_api_token_is_not_printed()
    {
        var printed = new ServerOptions { ApiOnly = true, ApiToken = "api-secret-0123456789abcdef" }.ToString();

        Assert.DoesNotContain("api-secret", printed, StringComparison.Ordinal);
        Assert.Contains("ApiToken = ***", printed, StringComparison.Ordinal);
    }

    [Fact]
    public void An_api_token_needs_api_only_mode_and_a_long_value()
    {
        var result = new ServerOptionsValidator().Validate(null, new ServerOptions { ApiToken = "short" });

        Assert.True(result.Failed);
        var failures = result.Failures!.ToList();
        Assert.Contains(failures, f => f.Contains("Server:ApiToken is set but Server:ApiOnly is not", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("Server:ApiToken is shorter than 16 characters", StringComparison.Ordinal));
        Assert.DoesNotContain(failures, f => f.Contains("short'", StringComparison.Ordinal));
        Assert.False(new ServerOptionsValidator().Validate(null, new ServerOptions { ApiOnly = true, ApiToken = "0123456789abcdef0123" }).Failed);
        var same = new ServerOptionsValidator().Validate(null, new ServerOptions { ApiOnly = true, ApiToken = "0123456789abcdef0123", OperatorToken = "0123456789abcdef0123" });
        Assert.Contains(same.Failures!, f => f.StartsWith("Server:ApiToken is the same as Server:OperatorToken", StringComparison.Ordinal));
        Assert.DoesNotContain(same.Failures!, f => f.Contains("0123456789abcdef0123", StringComparison.Ordinal));
    }

    [Fact]
    public void The_operator_listener_needs_a_port_of_its_own_and_every_bad_entry_is_named()
    {
        var options = new ServerOptions
        {
            Urls = "http://127.0.0.1:8585",
            OperatorUrls = "http://localhost:8585; http://unix:/run/binder/operator.sock; http://localhost:0; ftp://localhost:21",
            OperatorSignInLifetime = TimeSpan.Zero,
        };

        var result = new ServerOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        var failures = result.Failures!.ToList();
        Assert.Contains(failures, f => f.Contains("'http://localhost:8585', whose port 8585 Server:Urls uses too", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("'http://unix:/run/binder/operator.sock', which is not an http or https URL with a port", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("'http://localhost:0'", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("'ftp://localhost:21'", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("Server:OperatorSignInLifetime is 00:00:00", StringComparison.Ordinal));
    }

    [Fact]
    public void The_default_operator_listener_is_on_localhost_beside_the_default_front_end_and_empty_turns_it_off()
    {
        Assert.True(new ServerOptionsValidator().Validate(null, new ServerOptions()).Succeeded);
        Assert.Equal(["http://localhost:8586"], new ServerOptions().OperatorUrlEntries);
        Assert.Empty(new ServerOptions { OperatorUrls = "" }.OperatorUrlEntries);
    }
}

public sealed class ProxySettingsTests
{
    private static readonly Binder.Server.Hosting.DataDirectory Data = new("/srv/binder-data");

    private static IConfiguration Configuration(Dictionary<string, string?> values) => new ConfigurationBuilder().AddInMemoryCollection(values).Build();

    [Fact]
    public void An_owned_proxy_serves_sessions_at_the_public_url_of_Binder_and_reaches_the_front_end_through_its_socket()
    {
        var proxy = Binder.Server.Hosting.ProxyHost.Bind(Configuration(new() { ["Server:PublicUrl"] = "https://binder.example.org/" }), Data);

        Assert.Equal(new Uri("https://binder.example.org/"), proxy.PublicUrl);
        Assert.Equal("/srv/binder-data/run/frontend.sock", proxy.FrontEndSocket);
        Assert.Equal("/srv/binder-data", proxy.StateDirectory);
        Assert.Null(proxy.DefaultTarget);
    }

    [Fact]
    public void A_configured_proxy_public_url_is_kept()
    {
        var proxy = Binder.Server.Hosting.ProxyHost.Bind(
            Configuration(new() { ["Proxy:PublicUrl"] = "https://sessions.example.org/", ["Server:PublicUrl"] = "https://binder.example.org/" }), Data);

        Assert.Equal(new Uri("https://sessions.example.org/"), proxy.PublicUrl);
    }

    [Fact]
    public void A_default_target_replaces_the_socket_and_both_at_once_are_refused_naming_the_keys()
    {
        var target = Binder.Server.Hosting.ProxyHost.Bind(Configuration(new() { ["Proxy:DefaultTarget"] = "http://127.0.0.1:8585/" }), Data);
        var error = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => Binder.Server.Hosting.ProxyHost.Bind(
            Configuration(new() { ["Proxy:DefaultTarget"] = "http://127.0.0.1:8585/", ["Proxy:FrontEndSocket"] = "/run/binder/front.sock" }), Data));

        Assert.Null(target.FrontEndSocket);
        Assert.Contains("Proxy:DefaultTarget and Proxy:FrontEndSocket are both set; set one", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Stop_times_that_a_stop_could_not_keep_are_refused_at_start_naming_both_keys()
    {
        var error = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => BinderServer.Build([], new Dictionary<string, string?>
        {
            ["Server:DataDirectory"] = "/nonexistent/binder-test",
            ["Launch:Docker:StopGracePeriod"] = "00:00:28",
        }));
        Assert.Contains("Launch:Docker:StopGracePeriod 00:00:28 must be at least 5 s shorter than Binder:Sessions:StopTimeout 00:00:30", error.Message, StringComparison.Ordinal);

        error = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => BinderServer.Build([], new Dictionary<string, string?>
        {
            ["Server:DataDirectory"] = "/nonexistent/binder-test",
            ["Binder:Sessions:StopTimeout"] = "00:04:00",
        }));
        Assert.Contains("Binder:Sessions:StopTimeout 00:04:00 is longer than 00:03:00", error.Message, StringComparison.Ordinal);
        Assert.Contains(Binder.Hub.Grains.ILaunchGrain.StopResponseTimeout, error.Message, StringComparison.Ordinal);
    }
}
