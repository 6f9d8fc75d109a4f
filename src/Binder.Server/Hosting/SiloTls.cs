using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;
using Orleans.Connections.Security;
using Orleans.Hosting;

namespace Binder.Server.Hosting;

/// <summary>
/// TLS on the silo's connections (silo to silo and the gateway), with Orleans' Microsoft.Orleans.Connections.Security.
/// Both sides present a certificate; a peer is accepted when its certificate is this silo's own (one certificate for
/// the cluster) or chains to <c>Silo:Tls:CertificateAuthorityFile</c>. Host names are not checked: silos dial the
/// addresses in the membership table, not names.
/// </summary>
internal static class SiloTls
{
    public static void Configure(ISiloBuilder silo, SiloTlsOptions tls)
    {
        var (certificate, authority) = (Load(tls), LoadAuthority(tls));
        silo.UseTls(certificate, options => Require(options, certificate, authority));
    }

    /// <summary>A front end's client presents the cluster's certificate to the gateway and checks the silo's alike.</summary>
    public static void Configure(IClientBuilder client, SiloTlsOptions tls)
    {
        var (certificate, authority) = (Load(tls), LoadAuthority(tls));
        client.UseTls(certificate, options => Require(options, certificate, authority));
    }

    private static void Require(TlsOptions options, X509Certificate2 certificate, X509Certificate2Collection? authority)
    {
        options.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
        options.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
        options.RemoteCertificateValidation = (remote, _, _) => remote is not null && Trusted(remote, certificate, authority);
    }

    internal static bool Trusted(X509Certificate2 remote, X509Certificate2 own, X509Certificate2Collection? authority)
    {
        if (authority is null) return remote.RawDataMemory.Span.SequenceEqual(own.RawDataMemory.Span);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(remote);
    }

    private static X509Certificate2 Load(SiloTlsOptions tls)
    {
        try
        {
            var certificate = X509CertificateLoader.LoadPkcs12FromFile(tls.CertificateFile!, tls.CertificatePassword);
            if (!certificate.HasPrivateKey) throw new CryptographicException("no private key");
            return certificate;
        }
        catch (CryptographicException)
        {
            // The loader's text may say why the password failed; the password itself never goes into the sentence.
            throw new OptionsValidationException("Silo:Tls", typeof(SiloTlsOptions),
                [$"Silo:Tls:CertificateFile '{tls.CertificateFile}' could not be read as a PKCS#12 (.pfx) file with a private key using Silo:Tls:CertificatePassword; check the file and its password."]);
        }
    }

    private static X509Certificate2Collection? LoadAuthority(SiloTlsOptions tls) =>
        tls.CertificateAuthorityFile is { Length: > 0 } file ? LoadAuthority(file) : null;

    private static X509Certificate2Collection LoadAuthority(string file)
    {
        var authority = new X509Certificate2Collection();
        try
        {
            authority.ImportFromPemFile(file);
        }
        catch (CryptographicException)
        {
        }
        if (authority.Count == 0)
        {
            throw new OptionsValidationException("Silo:Tls", typeof(SiloTlsOptions),
                [$"Silo:Tls:CertificateAuthorityFile '{file}' holds no PEM certificate; give the certificate authority as PEM (-----BEGIN CERTIFICATE-----)."]);
        }
        return authority;
    }
}
