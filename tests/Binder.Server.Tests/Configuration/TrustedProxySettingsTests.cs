using System.Net;
using Binder.Server.Configuration;
using Microsoft.Extensions.Options;

namespace Binder.Server.Tests.Configuration;

/// <summary>
/// Settings that would let a session name its own client address: trusted entries a session can connect from are
/// warned about at start, a proxy told not to add X-Forwarded-For is refused, and malformed entries are refused by key.
/// </summary>
public sealed class TrustedProxySettingsTests
{
    [Fact]
    public async Task Trusting_loopback_while_sessions_use_the_host_network_is_warned_about_at_start()
    {
        await using var app = await BinderTestApp.StartAsync(new Dictionary<string, string?>
        {
            ["Server:TrustedProxies:0"] = "127.0.0.0/8",
            ["Launch:Docker:Network:Mode"] = "Host",
        });

        Assert.Contains("Server:TrustedProxies has '127.0.0.0/8', which contains loopback, while sessions run on the host's network", app.Log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_trusted_network_that_holds_the_subnet_Docker_picked_for_sessions_is_warned_about_at_start()
    {
        // No subnet configured: Docker picks one when the service makes the session network.
        await using var app = await BinderTestApp.StartAsync(new Dictionary<string, string?> { ["Server:TrustedProxies:0"] = "0.0.0.0/0" });

        using var docker = new Binder.Build.Docker.DockerClient(new Binder.Build.Docker.DockerOptions { Host = TestEnvironment.DockerHost },
            Microsoft.Extensions.Logging.Abstractions.NullLogger<Binder.Build.Docker.DockerClient>.Instance);
        var network = await docker.InspectNetworkAsync(app.NetworkName, TestContext.Current.CancellationToken);
        var subnet = Assert.Single(network!.Subnets, s => s.Contains('.', StringComparison.Ordinal));
        Assert.Contains($"Server:TrustedProxies has '0.0.0.0/0', which overlaps the sessions' network {subnet}", app.Log.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("127.0.0.1", true, null, "contains loopback")]
    [InlineData("::1", true, null, "contains loopback")]
    [InlineData("0.0.0.0/0", true, null, "contains loopback")]
    [InlineData("127.0.0.0/8", false, null, null)]
    [InlineData("10.213.0.0/16", false, "10.213.5.0/24", "overlaps the sessions' network 10.213.5.0/24")]
    [InlineData("10.213.5.7", false, "10.213.5.0/24", "overlaps the sessions' network 10.213.5.0/24")]
    [InlineData("10.0.0.5", true, "10.213.0.0/16", null)]
    public void A_trusted_entry_a_session_could_connect_from_gets_a_warning(string entry, bool hostNetwork, string? subnet, string? warning)
    {
        var warnings = TrustedProxyWarnings.Warnings([entry], hostNetwork, subnet is null ? null : IPNetwork.Parse(subnet)).ToList();

        if (warning is null) Assert.Empty(warnings);
        else Assert.Contains(warning, Assert.Single(warnings), StringComparison.Ordinal);
    }

    [Fact]
    public void An_owned_proxy_told_not_to_add_X_Forwarded_For_is_refused()
    {
        var error = Assert.Throws<OptionsValidationException>(() => BinderServer.Build([], new Dictionary<string, string?>
        {
            ["Server:DataDirectory"] = "/nonexistent/binder-test",
            ["Proxy:ExtraArguments:0"] = "--timeout=5000",
            ["Proxy:ExtraArguments:1"] = "--no-x-forward",
        }));

        Assert.Contains("ExtraArguments has --no-x-forward", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("10.0.0.0/33", "Server:TrustedProxies has '10.0.0.0/33', which is neither an IP address such as 10.0.0.5 nor a network such as 10.0.0.0/24.")]
    [InlineData("proxy.example.org", "Server:TrustedProxies has 'proxy.example.org', which is neither an IP address")]
    [InlineData("10.0.0.5/", "Server:TrustedProxies has '10.0.0.5/', which is neither an IP address")]
    public void A_malformed_trusted_proxy_is_refused_by_key_with_an_example(string entry, string message)
    {
        var result = new ServerOptionsValidator().Validate(null, new ServerOptions { TrustedProxies = [entry] });

        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.StartsWith(message, StringComparison.Ordinal));
    }
}
