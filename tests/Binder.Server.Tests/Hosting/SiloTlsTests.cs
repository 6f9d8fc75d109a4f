using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Binder.Hub.Grains;
using Binder.Hub.Placement;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;

namespace Binder.Server.Tests.Hosting;

/// <summary>
/// <c>Silo:Tls</c>: two services on Redis with one cluster certificate call each other's grains over TLS, and a silo
/// port refuses a peer with another certificate.
/// </summary>
public sealed class SiloTlsTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Two_silos_with_the_cluster_certificate_talk_over_TLS_and_a_peer_with_another_certificate_is_refused()
    {
        using var certificates = new TempDirectory("binder-silo-tls");
        var cluster = SelfSigned("binder-test-cluster");
        var stranger = SelfSigned("binder-test-stranger");
        var pfx = Path.Combine(certificates.Path, "silo.pfx");
        await File.WriteAllBytesAsync(pfx, cluster.Export(X509ContentType.Pfx, "pfx-password"), Token);
        var suffix = TestEnvironment.UniqueSuffix();
        var settings = ClusterBackend.Settings("Redis", suffix);
        settings["Silo:Tls:CertificateFile"] = pfx;
        settings["Silo:Tls:CertificatePassword"] = "pfx-password";

        await using var cleanup = new BackendData("Redis", suffix);
        await using var first = await BinderTestApp.StartAsync(settings, suffix + "a");
        await using var second = await BinderTestApp.StartAsync(settings, suffix + "b");

        // A grain call from the first silo to the builder grain pinned to the second's node crosses the silo link.
        var load = await first.App.Services.GetRequiredService<IGrainFactory>().GetGrain<IBuilderGrain>($"servertest-{suffix}b").GetLoad().WaitAsync(TimeSpan.FromMinutes(1), Token);
        Assert.Equal($"servertest-{suffix}b", load.Node);
        Assert.Equal(2, second.App.Services.GetRequiredService<ClusterNodes>().LiveNodeNames().Count);

        // The silo port speaks TLS with the cluster certificate, and accepts only that certificate from a peer.
        var endpoint = second.App.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress.Endpoint;
        Assert.Equal(cluster.Thumbprint, (await HandshakeAsync(endpoint, cluster)).Thumbprint);
        await Assert.ThrowsAnyAsync<Exception>(() => HandshakeAsync(endpoint, stranger));
    }

    private static async Task<X509Certificate2> HandshakeAsync(System.Net.IPEndPoint endpoint, X509Certificate2 client)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(endpoint, Token);
        await using var tls = new SslStream(tcp.GetStream());
        // TLS 1.2: a refused client certificate fails the handshake itself (in 1.3 it would only show at the first read).
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "silo",
            ClientCertificates = [client],
            EnabledSslProtocols = SslProtocols.Tls12,
            RemoteCertificateValidationCallback = (_, _, _, _) => true,
        }, Token);
        // The server decides on the client's certificate at the end of the handshake: a read shows a refusal.
        tls.ReadTimeout = 2000;
        var probe = new byte[1];
        using var quiet = CancellationTokenSource.CreateLinkedTokenSource(Token);
        quiet.CancelAfter(TimeSpan.FromSeconds(2));
        try
        {
            if (await tls.ReadAsync(probe, quiet.Token) == 0) throw new IOException("the silo closed the connection after the handshake");
        }
        catch (OperationCanceledException) when (!Token.IsCancellationRequested)
        {
            // Nothing to read and still open: accepted.
        }
        return new X509Certificate2(tls.RemoteCertificate!);
    }

    private sealed class BackendData(string backend, string suffix) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await ClusterBackend.RemoveDataAsync(backend, suffix);
    }

    private static X509Certificate2 SelfSigned(string name)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], critical: false));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
    }
}
