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
    [Fact]
    public void An_owned_proxy_serves_sessions_at_the_public_url_of_Binder()
    {
        var configuration = new Microsoft.Extensions.Configuration.ConfigurationBuilder().Build();
        var server = new ServerOptions { PublicUrl = "https://binder.example.org/" };

        var proxy = Binder.Server.Hosting.ProxyHost.Bind(configuration, server);

        Assert.Equal(new Uri("https://binder.example.org/"), proxy.PublicUrl);
        Assert.Equal(new Uri(server.ListenBaseUrl), proxy.DefaultTarget);
    }

    [Fact]
    public void A_configured_proxy_public_url_is_kept()
    {
        var configuration = new Microsoft.Extensions.Configuration.ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Proxy:PublicUrl"] = "https://sessions.example.org/" })
            .Build();

        var proxy = Binder.Server.Hosting.ProxyHost.Bind(configuration, new ServerOptions { PublicUrl = "https://binder.example.org/" });

        Assert.Equal(new Uri("https://sessions.example.org/"), proxy.PublicUrl);
    }
}
