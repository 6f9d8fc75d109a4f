namespace Binder.Server.Configuration;

/// <summary>
/// TLS for silo-to-silo and gateway connections (<c>Silo:Tls</c>). Every silo of the cluster presents the certificate
/// and accepts a peer whose certificate is the same one or chains to <see cref="CertificateAuthorityFile"/>.
/// </summary>
public sealed record SiloTlsOptions
{
    /// <summary>A PKCS#12 (<c>.pfx</c>) file with this silo's certificate and private key; unset: no TLS.</summary>
    public string? CertificateFile { get; init; }

    /// <summary>The password of <see cref="CertificateFile"/>, if it has one. A secret: never logged or shown.</summary>
    public string? CertificatePassword { get; init; }

    /// <summary>
    /// A PEM file with the certificate authority that signed the cluster's certificates; unset: a peer must present
    /// this silo's own certificate (one certificate shared by the cluster).
    /// </summary>
    public string? CertificateAuthorityFile { get; init; }

    /// <summary>Leaves the password out: records print every property, and this one is a secret.</summary>
    public override string ToString() =>
        $"{nameof(SiloTlsOptions)} {{ {nameof(CertificateFile)} = {CertificateFile}, {nameof(CertificatePassword)} = {(CertificatePassword is null ? "" : "***")}, {nameof(CertificateAuthorityFile)} = {CertificateAuthorityFile} }}";
}
