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
        Assert.Contains("DefaultTarget and FrontEndSocket are both set; set one", error.Message, StringComparison.Ordinal);
    }
}
