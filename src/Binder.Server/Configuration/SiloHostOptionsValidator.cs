using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Binder.Server.Configuration;

/// <summary>Checks <see cref="SiloHostOptions"/> at start, every problem with its key (never a connection string's value).</summary>
internal sealed partial class SiloHostOptionsValidator() : Binder.Build.OptionsValidator<SiloHostOptions>(SiloHostOptions.Section)
{
    /// <inheritdoc />
    protected override IEnumerable<string> Check(SiloHostOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.NodeName) || options.NodeName.Any(char.IsWhiteSpace))
            errors.Add($"Silo:NodeName '{options.NodeName}' must be a name without spaces, e.g. node-1 (the machine name by default).");
        if (options.Port is < 0 or > 65535)
            errors.Add($"Silo:Port is {options.Port}; give a TCP port from 1 to 65535, or 0 for a free one.");
        if (options.GatewayPort is < 0 or > 65535)
            errors.Add($"Silo:GatewayPort is {options.GatewayPort}; give a TCP port from 1 to 65535, or 0 for no gateway.");
        if (options.Port != 0 && options.Port == options.GatewayPort)
            errors.Add($"Silo:Port and Silo:GatewayPort are both {options.Port}; give them different ports.");
        // The ids name the backend's keys, partitions and the blob container (lower case, hyphens, at most 63 characters).
        if (!Id().IsMatch(options.ClusterId))
            errors.Add($"Silo:ClusterId '{options.ClusterId}' must be 1 to 40 lower-case letters, digits and single hyphens, e.g. binder-prod.");
        if (!Id().IsMatch(options.ServiceId))
            errors.Add($"Silo:ServiceId '{options.ServiceId}' must be 1 to 40 lower-case letters, digits and single hyphens, e.g. binder.");
        if (options.BackendCheckTimeout <= TimeSpan.Zero || options.BackendCheckTimeout > TimeSpan.FromMinutes(5))
            errors.Add($"Silo:BackendCheckTimeout is {options.BackendCheckTimeout}; give a time from 00:00:01 to 00:05:00, e.g. 00:00:10.");
        if (options.ClientConnectTimeout <= TimeSpan.Zero || options.ClientConnectTimeout > TimeSpan.FromMinutes(10))
            errors.Add($"Silo:ClientConnectTimeout is {options.ClientConnectTimeout}; give a time from 00:00:01 to 00:10:00, e.g. 00:00:30.");
        if (options.DirectoryCacheSize is < 0 or > 10_000_000)
            errors.Add($"Silo:DirectoryCacheSize is {options.DirectoryCacheSize}; give a number of entries from 0 (no cache) to 10000000, e.g. 100000.");

        var backend = SiloBackends.Find(options.Backend);
        if (backend is null)
            errors.Add($"Silo:Backend '{options.Backend}' is not a backend; choose {SiloBackends.Sqlite} (the default: one silo, state in the data directory), {SiloBackends.Redis} or {SiloBackends.AzureStorage}.");
        if (backend is SiloBackends.Redis or SiloBackends.AzureStorage && !IPAddress.TryParse(options.AdvertisedAddress, out _))
            errors.Add($"Silo:AdvertisedAddress '{options.AdvertisedAddress}' is not an IP address; give the address other silos reach this one at, e.g. 10.0.0.5 (127.0.0.1 for a cluster on one machine).");
        if (backend == SiloBackends.Redis)
        {
            if (string.IsNullOrWhiteSpace(options.Redis.ConnectionString))
                errors.Add("Silo:Backend is Redis, but Silo:Redis:ConnectionString is not set; set it, e.g. 127.0.0.1:6379,password=<password> (BINDER_Silo__Redis__ConnectionString).");
            else if (!BackendConnections.IsRedisConnectionString(options.Redis.ConnectionString))
                errors.Add("Silo:Redis:ConnectionString is not a Redis configuration string with an endpoint; write it as host:port[,password=<password>][,ssl=true].");
        }
        if (backend == SiloBackends.AzureStorage)
        {
            if (string.IsNullOrWhiteSpace(options.AzureStorage.ConnectionString))
                errors.Add("Silo:Backend is AzureStorage, but Silo:AzureStorage:ConnectionString is not set; set it to the storage account's connection string (BINDER_Silo__AzureStorage__ConnectionString).");
            else if (!BackendConnections.IsAzureStorageConnectionString(options.AzureStorage.ConnectionString))
                errors.Add("Silo:AzureStorage:ConnectionString is not an Azure Storage connection string with table and blob endpoints; copy it from the storage account (DefaultEndpointsProtocol=https;AccountName=...;AccountKey=...).");
        }

        if (options.Tls.CertificateFile is { Length: > 0 } certificate && !File.Exists(certificate))
            errors.Add($"Silo:Tls:CertificateFile '{certificate}' does not exist; give a PKCS#12 (.pfx) file with the silo's certificate and key.");
        if (options.Tls.CertificateAuthorityFile is { Length: > 0 } authority && !File.Exists(authority))
            errors.Add($"Silo:Tls:CertificateAuthorityFile '{authority}' does not exist; give a PEM file with the certificate authority of the cluster's certificates.");
        if (string.IsNullOrEmpty(options.Tls.CertificateFile) && (options.Tls.CertificatePassword is not null || options.Tls.CertificateAuthorityFile is not null))
            errors.Add("Silo:Tls:CertificatePassword or Silo:Tls:CertificateAuthorityFile is set without Silo:Tls:CertificateFile; TLS needs the silo's certificate.");
        if (options.Kubernetes.MaxAgents is < 1 or > 100)
            errors.Add($"Silo:Kubernetes:MaxAgents is {options.Kubernetes.MaxAgents}; give how many silos watch the Kubernetes API, from 1 to 100, e.g. 2.");
        if (options.Kubernetes.MaxApiRetryAttempts is < 0 or > 100)
            errors.Add($"Silo:Kubernetes:MaxApiRetryAttempts is {options.Kubernetes.MaxApiRetryAttempts}; give a number of retries from 0 to 100, e.g. 10.");
        if (options.Kubernetes.KubeConfigFile is { Length: > 0 } kubeconfig && !File.Exists(kubeconfig))
            errors.Add($"Silo:Kubernetes:KubeConfigFile '{kubeconfig}' does not exist; give a kubeconfig file, or leave it unset in a pod (its service account is used).");
        return errors;
    }

    /// <summary>Whether <paramref name="id"/> may be a cluster or service id.</summary>
    internal static bool IsId(string id) => Id().IsMatch(id);

    [GeneratedRegex("^(?=.{1,40}$)[a-z0-9]+(-[a-z0-9]+)*$")]
    private static partial Regex Id();
}
