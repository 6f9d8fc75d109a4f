using Binder.Hub.Grains;
using Binder.Hub.Placement;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Runtime;

namespace Binder.Server.Tests.Hosting;

/// <summary><c>binder serve</c>'s Orleans silo: on the front end's own host and service container, on its node.</summary>
public sealed class SiloHostingTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_silo_runs_in_the_front_ends_own_service_container_as_the_configured_node_beside_its_daemon()
    {
        await using var app = await BinderTestApp.StartAsync();
        var services = app.App.Services;
        var node = $"servertest-{app.Suffix}";

        // One container: the silo's own services resolve from the front end's provider.
        Assert.NotNull(services.GetService<ILocalSiloDetails>());
        var live = services.GetRequiredService<ClusterNodes>().Live();
        var self = Assert.Single(live);
        Assert.Equal(node, self.Node);
        Assert.Equal(TestEnvironment.DockerHost, self.DockerEndpoint);
        // The node-pinned builder grain of this node is placed here and answers.
        var load = await services.GetRequiredService<IGrainFactory>().GetGrain<IBuilderGrain>(node).GetLoad().WaitAsync(Token);
        Assert.Equal(new BuilderLoad(node, 0, 0, 2), load);
    }

    [Fact]
    public async Task A_builder_grain_of_a_node_no_silo_runs_is_refused_with_a_sentence_naming_the_live_nodes()
    {
        await using var app = await BinderTestApp.StartAsync();
        var grains = app.App.Services.GetRequiredService<IGrainFactory>();

        var refused = await Assert.ThrowsAsync<NodeUnavailableException>(() => grains.GetGrain<IBuilderGrain>("no-such-node").GetLoad());

        Assert.Contains("pinned to node 'no-such-node', but no live silo runs on that node", refused.Message, StringComparison.Ordinal);
        Assert.Contains($"live nodes: servertest-{app.Suffix}", refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Silo:Port", "70000", "Silo:Port is 70000")]
    [InlineData("Silo:GatewayPort", "-1", "Silo:GatewayPort is -1")]
    [InlineData("Silo:NodeName", "two words", "Silo:NodeName 'two words'")]
    [InlineData("Silo:NodeNmae", "typo", "Silo:NodeNmae is not a setting: Silo has AdvertisedAddress, AzureStorage, Backend")]
    [InlineData("Silo:ClientConnectTimeout", "00:00:00", "Silo:ClientConnectTimeout is 00:00:00")]
    [InlineData("Server:Role", "backend", "Server:Role (--role) 'backend' is not a role")]
    [InlineData("Silo:Backend", "Postgres", "Silo:Backend 'Postgres' is not a backend; choose Sqlite")]
    [InlineData("Silo:ClusterId", "Binder Prod", "Silo:ClusterId 'Binder Prod' must be")]
    [InlineData("Silo:ServiceId", "a--b", "Silo:ServiceId 'a--b' must be")]
    [InlineData("Silo:BackendCheckTimeout", "00:00:00", "Silo:BackendCheckTimeout is 00:00:00")]
    [InlineData("Silo:Tls:CertificateFile", "/no/such/silo.pfx", "Silo:Tls:CertificateFile '/no/such/silo.pfx' does not exist")]
    public void An_invalid_silo_setting_stops_the_start_naming_the_key(string key, string value, string expected)
    {
        var error = Assert.Throws<OptionsValidationException>(() => BinderServer.Build([], new Dictionary<string, string?> { [key] = value }));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Redis", "127.0.0.1:6379,pasword=s3cret-value", "Silo:Redis:ConnectionString is not a Redis configuration string")]
    [InlineData("Redis", "password=s3cret-value", "Silo:Redis:ConnectionString is not a Redis configuration string")]
    [InlineData("Redis", "127.0.0.1:6379,password=s3cret-value", "Silo:AdvertisedAddress 'node-1.example' is not an IP address")]
    [InlineData("AzureStorage", "AccountName=x;s3cret-value", "Silo:AzureStorage:ConnectionString is not an Azure Storage connection string")]
    public void A_bad_cluster_setting_stops_the_start_naming_the_key_without_the_connection_string(string backend, string connection, string expected)
    {
        var error = Assert.Throws<OptionsValidationException>(() => BinderServer.Build([], new Dictionary<string, string?>
        {
            ["Silo:Backend"] = backend,
            [$"Silo:{backend}:ConnectionString"] = connection,
            ["Silo:AdvertisedAddress"] = connection.StartsWith("127.0.0.1:6379,password", StringComparison.Ordinal) ? "node-1.example" : "127.0.0.1",
        }));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_silo_options_print_no_connection_string_or_password()
    {
        var options = new Binder.Server.Configuration.SiloHostOptions
        {
            Redis = new() { ConnectionString = "127.0.0.1:6379,password=s3cret" },
            AzureStorage = new() { ConnectionString = "AccountKey=s3cret" },
            Tls = new() { CertificateFile = "/etc/binder/silo.pfx", CertificatePassword = "s3cret" },
        };

        Assert.DoesNotContain("s3cret", options.ToString(), StringComparison.Ordinal);
        Assert.Contains("silo.pfx", options.ToString(), StringComparison.Ordinal);
    }
}
