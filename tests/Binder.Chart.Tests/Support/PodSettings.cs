using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using Binder.Server;
using Microsoft.Extensions.Options;
using static Binder.Chart.Tests.Support.RenderedChart;

namespace Binder.Chart.Tests.Support;

/// <summary>
/// The settings a rendered container hands the service, as the service would read them in that pod: the settings file
/// of BINDER_CONFIG (the chart's ConfigMap), then the BINDER_ variables, with what Kubernetes fills in (the pod's
/// fields, $(VAR) references, Secret keys) given stand-in values; then checked by the service's own start-up check.
/// </summary>
internal static partial class PodSettings
{
    /// <summary>What Kubernetes would put in each field a variable reads (a pod on node-1).</summary>
    private static readonly Dictionary<string, string> Fields = new()
    {
        ["metadata.name"] = "binder-silo-x7k2p",
        ["metadata.namespace"] = "binder",
        ["status.podIP"] = "10.244.1.7",
        ["status.hostIP"] = "10.0.0.4",
        ["spec.nodeName"] = "node-1",
    };

    /// <summary>Stand-ins for Secrets the chart does not make (existing Secrets named in the values), by key.</summary>
    private static readonly Dictionary<string, string> ExternalSecretValues = new()
    {
        ["connection-string"] = "DefaultEndpointsProtocol=https;AccountName=binderexample;AccountKey=a2V5a2V5a2V5a2V5;EndpointSuffix=core.windows.net",
        ["operator-token"] = "an-operator-token-of-some-length",
        ["username"] = "binder-push",
        ["password"] = "a-registry-password",
    };

    /// <summary>The configuration keys and values of one container, as the service would bind them.</summary>
    public static Dictionary<string, string?> Of(RenderedChart chart, RenderedObject workload, JsonObject container, TempDirectory files)
    {
        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        var env = new Dictionary<string, string>();
        foreach (var (name, entry) in Env(container))
        {
            var value = entry["value"]?.GetValue<string>() is { } literal
                ? VariableReference().Replace(literal, m => env.TryGetValue(m.Groups[1].Value, out var v) ? v : m.Value)
                : ValueFrom(chart, entry["valueFrom"]!);
            if (value is null) continue;
            env[name] = value;
        }
        if (env.TryGetValue("BINDER_CONFIG", out var configFile))
        {
            var configMap = chart.OfKind("ConfigMap").Single(c => (PodSpec(workload)["volumes"]?.AsArray() ?? [])
                .Any(v => Name(v!["configMap"]?["name"]) == c.Name));
            var json = configMap.Object["data"]![Path.GetFileName(configFile)]!.GetValue<string>();
            Flatten(JsonNode.Parse(json), "", settings);
        }
        foreach (var (name, value) in env.Where(e => e.Key.StartsWith("BINDER_", StringComparison.Ordinal) && e.Key != "BINDER_CONFIG"))
        {
            settings[name["BINDER_".Length..].Replace("__", ":", StringComparison.Ordinal)] = value;
        }
        // What a pod in a cluster has and a test does not: the service account's in-cluster configuration, stood in for
        // by a kubeconfig file naming an API server (never called: the start-up check only reads the configuration).
        // Only where the pod gets its service account's token: a pod without one has no in-cluster configuration.
        var mountsToken = PodSpec(workload)["automountServiceAccountToken"]?.GetValue<bool>() != false;
        if (mountsToken && string.Equals(settings.GetValueOrDefault("Launch:Backend"), "Kubernetes", StringComparison.OrdinalIgnoreCase) && !settings.ContainsKey("Launch:Kubernetes:KubeConfigFile"))
        {
            settings["Launch:Kubernetes:KubeConfigFile"] = files.Write("kubeconfig", KubeConfig);
        }
        // The cluster's certificate, which the chart mounts from a Secret that is not here: one made by the test (for
        // both TLS server and client authentication, as the service wants), under the same file names.
        if (settings.GetValueOrDefault("Silo:Tls:CertificateFile") is { } pfx && pfx.StartsWith("/etc/binder/tls/", StringComparison.Ordinal))
        {
            using var certificate = ClusterCertificate();
            settings["Silo:Tls:CertificateFile"] = files.Write("cluster.pfx", "");
            File.WriteAllBytes(settings["Silo:Tls:CertificateFile"]!, certificate.Export(X509ContentType.Pkcs12, settings.GetValueOrDefault("Silo:Tls:CertificatePassword")));
            if (settings.ContainsKey("Silo:Tls:CertificateAuthorityFile"))
                settings["Silo:Tls:CertificateAuthorityFile"] = files.Write("ca.crt", certificate.ExportCertificatePem());
        }
        return settings;
    }

    /// <summary>
    /// The variables of the container that Orleans' Kubernetes hosting reads from the process's environment rather
    /// than from configuration (the pod's identity and the cluster ids).
    /// </summary>
    public static Dictionary<string, string> PodIdentity(RenderedChart chart, JsonObject container)
    {
        var env = Env(container).ToDictionary(e => e.Name, e => e.Entry);
        return PodIdentityVariables.Where(env.ContainsKey)
            .ToDictionary(name => name, name => env[name]["value"]?.GetValue<string>() ?? ValueFrom(chart, env[name]["valueFrom"]!)!);
    }

    /// <summary>
    /// The problems the service's start-up check finds in these settings (none: it would start), with the pod's
    /// identity variables set in this process meanwhile (the tests that call this run one after another).
    /// </summary>
    public static IReadOnlyList<string> Problems(Dictionary<string, string?> settings, IReadOnlyDictionary<string, string>? podIdentity = null)
    {
        var saved = PodIdentityVariables.ToDictionary(name => name, Environment.GetEnvironmentVariable);
        try
        {
            foreach (var name in PodIdentityVariables) Environment.SetEnvironmentVariable(name, podIdentity?.GetValueOrDefault(name));
            using var app = BinderServer.Build([], settings);
            return [];
        }
        catch (OptionsValidationException e)
        {
            return [.. e.Failures];
        }
        finally
        {
            foreach (var (name, value) in saved) Environment.SetEnvironmentVariable(name, value);
        }
    }

    private static readonly string[] PodIdentityVariables = ["POD_NAME", "POD_NAMESPACE", "POD_IP", "ORLEANS_SERVICE_ID", "ORLEANS_CLUSTER_ID"];

    private const string KubeConfig = """
        apiVersion: v1
        kind: Config
        clusters:
          - name: stand-in
            cluster: {server: "https://127.0.0.1:6443", insecure-skip-tls-verify: true}
        users:
          - name: stand-in
            user: {token: stand-in}
        contexts:
          - name: stand-in
            context: {cluster: stand-in, user: stand-in, namespace: binder}
        current-context: stand-in
        """;

    private static string? ValueFrom(RenderedChart chart, JsonNode valueFrom)
    {
        if (valueFrom["fieldRef"]?["fieldPath"]?.GetValue<string>() is { } field)
            return Fields.TryGetValue(field, out var v) ? v : throw new InvalidOperationException($"No stand-in for the pod field {field}");
        if (valueFrom["secretKeyRef"] is { } reference)
        {
            var secret = chart.OfKind("Secret").FirstOrDefault(s => s.Name == Name(reference["name"]));
            var key = Name(reference["key"]);
            if (secret is not null)
            {
                if (secret.Object["stringData"]?[key]?.GetValue<string>() is { } text) return text;
                return reference["optional"]?.GetValue<bool>() == true ? null : throw new Xunit.Sdk.XunitException($"Secret {secret.Name} has no key {key}");
            }
            if (reference["optional"]?.GetValue<bool>() == true) return null;
            return ExternalSecretValues.TryGetValue(key, out var stand) ? stand : throw new InvalidOperationException($"No stand-in for key {key} of an existing Secret");
        }
        throw new InvalidOperationException($"No stand-in for {valueFrom.ToJsonString()}");
    }

    private static void Flatten(JsonNode? node, string prefix, Dictionary<string, string?> into)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, value) in obj) Flatten(value, prefix.Length == 0 ? key : $"{prefix}:{key}", into);
                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++) Flatten(array[i], $"{prefix}:{i.ToString(CultureInfo.InvariantCulture)}", into);
                break;
            case JsonValue value:
                into[prefix] = value.GetValueKind() == System.Text.Json.JsonValueKind.String ? value.GetValue<string>() : value.ToJsonString();
                break;
        }
    }

    private static X509Certificate2 ClusterCertificate()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=binder-cluster", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
    }

    [GeneratedRegex(@"\$\(([-._a-zA-Z][-._a-zA-Z0-9]*)\)")]
    private static partial Regex VariableReference();
}
