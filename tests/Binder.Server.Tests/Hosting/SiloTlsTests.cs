using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Binder.Hub.Grains;
using Binder.Hub.Placement;
using Binder.Server.Hosting;
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

    [Fact]
    public async Task Two_silos_with_their_own_certificates_from_one_authority_talk_over_TLS_and_a_certificate_from_another_authority_is_refused()
    {
        using var certificates = new TempDirectory("binder-silo-tls-ca");
        var authority = Authority("binder-test-ca");
        var elsewhere = Authority("binder-test-other-ca");
        var authorityFile = Path.Combine(certificates.Path, "ca.pem");
        await File.WriteAllTextAsync(authorityFile, authority.ExportCertificatePem(), Token);
        var suffix = TestEnvironment.UniqueSuffix();
        Dictionary<string, string?> SiloSettings(string name)
        {
            var pfx = Path.Combine(certificates.Path, name + ".pfx");
            File.WriteAllBytes(pfx, Leaf("binder-test-" + name, authority).Export(X509ContentType.Pfx, "pfx-" + name));
            var settings = ClusterBackend.Settings("Redis", suffix);
            settings["Silo:Tls:CertificateFile"] = pfx;
            settings["Silo:Tls:CertificatePassword"] = "pfx-" + name;
            settings["Silo:Tls:CertificateAuthorityFile"] = authorityFile;
            return settings;
        }

        await using var cleanup = new BackendData("Redis", suffix);
        await using var first = await BinderTestApp.StartAsync(SiloSettings("first"), suffix + "a");
        await using var second = await BinderTestApp.StartAsync(SiloSettings("second"), suffix + "b");

        var load = await first.App.Services.GetRequiredService<IGrainFactory>().GetGrain<IBuilderGrain>($"servertest-{suffix}b").GetLoad().WaitAsync(TimeSpan.FromMinutes(1), Token);
        Assert.Equal($"servertest-{suffix}b", load.Node);
        var endpoint = second.App.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress.Endpoint;
        await HandshakeAsync(endpoint, Leaf("binder-test-third", authority));
        await Assert.ThrowsAnyAsync<Exception>(() => HandshakeAsync(endpoint, Leaf("binder-test-intruder", elsewhere)));
        await Assert.ThrowsAnyAsync<Exception>(() => HandshakeAsync(endpoint, SelfSigned("binder-test-self")));
    }

    [Fact]
    public void Under_an_authority_a_peer_is_trusted_through_the_intermediates_it_presents_and_only_for_server_and_client_use_while_valid()
    {
        var root = Authority("binder-test-root");
        var intermediate = Authority("binder-test-intermediate", root);
        var own = Leaf("binder-test-own", root);
        var roots = new X509Certificate2Collection(root);
        var now = DateTimeOffset.UtcNow;

        Assert.Null(SiloTls.Problem(Leaf("direct", root), null, own, roots, now));
        var viaIntermediate = Leaf("via-intermediate", intermediate);
        using (var presented = Presented(viaIntermediate, intermediate))
        {
            Assert.Null(SiloTls.Problem(viaIntermediate, presented, own, roots, now));
        }
        // Without the intermediate the chain cannot be built.
        Assert.Contains("does not chain to Silo:Tls:CertificateAuthorityFile", SiloTls.Problem(viaIntermediate, null, own, roots, now));
        // An intermediate the peer presents is never a root: a chain to another authority stays untrusted.
        var stranger = Authority("binder-test-stranger-root");
        var strangerLeaf = Leaf("stranger", stranger);
        using (var presented = Presented(strangerLeaf, stranger))
        {
            Assert.NotNull(SiloTls.Problem(strangerLeaf, presented, own, roots, now));
        }
        // A certificate only for servers (or only for clients) cannot be a silo's: silos both accept and dial.
        Assert.NotNull(SiloTls.Problem(Leaf("server-only", root, [ServerUse]), null, own, roots, now));
        Assert.NotNull(SiloTls.Problem(Leaf("client-only", root, [ClientUse]), null, own, roots, now));
        // Outside its validity (the clock is the caller's TimeProvider).
        var expiring = Leaf("expiring", root, notAfter: now.AddHours(1));
        Assert.Contains("not now", SiloTls.Problem(expiring, null, own, roots, now.AddHours(2)));
    }

    [Fact]
    public void Without_an_authority_only_the_cluster_certificate_itself_is_trusted()
    {
        var own = SelfSigned("binder-test-cluster");
        var now = DateTimeOffset.UtcNow;
        Assert.Null(SiloTls.Problem(X509CertificateLoader.LoadCertificate(own.RawData), null, own, null, now));
        Assert.Contains("not the cluster's certificate", SiloTls.Problem(SelfSigned("binder-test-other"), null, own, null, now));
    }

    [Fact]
    public async Task A_silo_certificate_the_authority_did_not_issue_stops_the_start_with_a_sentence_naming_the_setting()
    {
        using var certificates = new TempDirectory("binder-silo-tls-bad");
        var authorityFile = Path.Combine(certificates.Path, "ca.pem");
        await File.WriteAllTextAsync(authorityFile, Authority("binder-test-ca").ExportCertificatePem(), Token);
        var pfx = Path.Combine(certificates.Path, "silo.pfx");
        await File.WriteAllBytesAsync(pfx, SelfSigned("binder-test-unrelated").Export(X509ContentType.Pfx, "silo-secret-4711"), Token);
        var suffix = TestEnvironment.UniqueSuffix();
        var settings = ClusterBackend.Settings("Redis", suffix);
        settings["Silo:Tls:CertificateFile"] = pfx;
        settings["Silo:Tls:CertificatePassword"] = "silo-secret-4711";
        settings["Silo:Tls:CertificateAuthorityFile"] = authorityFile;

        await using var cleanup = new BackendData("Redis", suffix);
        var refused = await Assert.ThrowsAnyAsync<Microsoft.Extensions.Options.OptionsValidationException>(async () =>
        {
            await using var app = await BinderTestApp.StartAsync(settings, suffix);
        });
        Assert.Contains("Silo:Tls:CertificateFile", refused.Message);
        Assert.Contains("does not chain to Silo:Tls:CertificateAuthorityFile", refused.Message);
        Assert.DoesNotContain("silo-secret-4711", refused.ToString(), StringComparison.Ordinal);
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

    private static readonly Oid ServerUse = new("1.3.6.1.5.5.7.3.1");
    private static readonly Oid ClientUse = new("1.3.6.1.5.5.7.3.2");

    private static X509Certificate2 SelfSigned(string name) => Leaf(name, issuer: null);

    /// <summary>A certificate authority (or an intermediate under <paramref name="issuer"/>), valid for a day around now.</summary>
    private static X509Certificate2 Authority(string name, X509Certificate2? issuer = null)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        if (issuer is null) return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        using var signed = request.Create(issuer, DateTimeOffset.UtcNow.AddHours(-20), DateTimeOffset.UtcNow.AddHours(20), Serial());
        return signed.CopyWithPrivateKey(key);
    }

    /// <summary>A silo certificate with its key: self-signed, or issued by <paramref name="issuer"/>; by default for TLS server and client use.</summary>
    private static X509Certificate2 Leaf(string name, X509Certificate2? issuer, Oid[]? uses = null, DateTimeOffset? notAfter = null)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([.. uses ?? [ServerUse, ClientUse]], critical: false));
        var from = DateTimeOffset.UtcNow.AddHours(-10);
        var to = notAfter ?? DateTimeOffset.UtcNow.AddHours(10);
        if (issuer is null) return request.CreateSelfSigned(from, to);
        using var signed = request.Create(issuer, from, to, Serial());
        return signed.CopyWithPrivateKey(key);
    }

    private static byte[] Serial() => RandomNumberGenerator.GetBytes(16);

    /// <summary>The chain a peer presents in the handshake: its certificate and the given intermediates.</summary>
    private static X509Chain Presented(X509Certificate2 leaf, params X509Certificate2[] intermediates)
    {
        var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.ExtraStore.AddRange(intermediates);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.Build(leaf);
        return chain;
    }
}
