using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;
using Orleans.Connections.Security;
using Orleans.Hosting;

namespace Binder.Server.Hosting;

/// <summary>
/// TLS on the silo's connections (silo to silo and the gateway), with Orleans' Microsoft.Orleans.Connections.Security.
/// Both sides present a certificate; a peer is accepted when its certificate is this silo's own (one certificate for
/// the cluster) or chains to <c>Silo:Tls:CertificateAuthorityFile</c>, with the intermediates the peer presents, is
/// valid now and may be used for both TLS server and client authentication (every silo is both). Host names are not
/// checked: silos dial the addresses in the membership table, not names.
/// </summary>
internal static class SiloTls
{
    /// <summary>Extended key usage: TLS server authentication.</summary>
    private static readonly Oid ServerAuthentication = new("1.3.6.1.5.5.7.3.1");

    /// <summary>Extended key usage: TLS client authentication.</summary>
    private static readonly Oid ClientAuthentication = new("1.3.6.1.5.5.7.3.2");

    public static void Configure(ISiloBuilder silo, SiloTlsOptions tls, TimeProvider time)
    {
        var (certificate, authority) = Prepare(tls, time);
        silo.UseTls(certificate, options => Require(options, certificate, authority, time));
    }

    /// <summary>
    /// A front end's Orleans client (<c>--role frontend</c>) presents the cluster's certificate to the gateway and checks
    /// the silo's by the same rules (the gateway requires a client certificate).
    /// </summary>
    public static void Configure(IClientBuilder client, SiloTlsOptions tls, TimeProvider time)
    {
        var (certificate, authority) = Prepare(tls, time);
        client.UseTls(certificate, options => Require(options, certificate, authority, time));
    }

    private static (X509Certificate2 Certificate, X509Certificate2Collection? Authority) Prepare(SiloTlsOptions tls, TimeProvider time)
    {
        var certificate = Load(tls);
        var authority = tls.CertificateAuthorityFile is { Length: > 0 } file ? LoadAuthority(file) : null;
        // Refused here, at start, with the reason: otherwise every peer would refuse this silo without a word in its log.
        if (Problem(certificate, presented: null, certificate, authority, time.GetUtcNow()) is { } problem)
        {
            throw new OptionsValidationException("Silo:Tls", typeof(SiloTlsOptions),
                [$"Silo:Tls:CertificateFile '{tls.CertificateFile}' cannot be the silo's certificate: {problem}."]);
        }
        return (certificate, authority);
    }

    private static void Require(TlsOptions options, X509Certificate2 certificate, X509Certificate2Collection? authority, TimeProvider time)
    {
        options.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
        options.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
        options.RemoteCertificateValidation = (remote, presented, _) =>
            remote is not null && Problem(remote, presented, certificate, authority, time.GetUtcNow()) is null;
    }

    /// <summary>
    /// Why <paramref name="remote"/> is not trusted by a silo whose certificate is <paramref name="own"/>, or null when
    /// it is. <paramref name="presented"/> is the chain the peer sent (its intermediates are used, never trusted as roots).
    /// </summary>
    internal static string? Problem(X509Certificate2 remote, X509Chain? presented, X509Certificate2 own, X509Certificate2Collection? authority, DateTimeOffset now)
    {
        if (now < remote.NotBefore || now > remote.NotAfter)
        {
            return $"the certificate '{remote.Subject}' is valid from {remote.NotBefore.ToUniversalTime():u} to {remote.NotAfter.ToUniversalTime():u}, not now";
        }
        if (authority is null)
        {
            return remote.RawDataMemory.Span.SequenceEqual(own.RawDataMemory.Span)
                ? null
                : $"the certificate '{remote.Subject}' is not the cluster's certificate (without Silo:Tls:CertificateAuthorityFile every silo presents the same one)";
        }
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = now.UtcDateTime;
        chain.ChainPolicy.VerificationTimeIgnored = false;
        // A silo accepts connections and dials them: its certificate must allow both uses (or name no use at all).
        chain.ChainPolicy.ApplicationPolicy.Add(ServerAuthentication);
        chain.ChainPolicy.ApplicationPolicy.Add(ClientAuthentication);
        if (presented is not null)
        {
            foreach (var element in presented.ChainElements)
            {
                if (!element.Certificate.RawDataMemory.Span.SequenceEqual(remote.RawDataMemory.Span)) chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }
        if (chain.Build(remote)) return null;
        var reasons = chain.ChainStatus.Select(status => status.StatusInformation.Trim()).Where(text => text.Length > 0).Distinct();
        return $"the certificate '{remote.Subject}' does not chain to Silo:Tls:CertificateAuthorityFile for TLS server and client use ({string.Join("; ", reasons)})";
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
