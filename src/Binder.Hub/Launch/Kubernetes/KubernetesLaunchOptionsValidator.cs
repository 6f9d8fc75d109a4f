using System.Text.RegularExpressions;
using Binder.Build;
using k8s.Models;

namespace Binder.Hub.Launch.Kubernetes;

/// <summary>Checks <see cref="KubernetesLaunchOptions"/> at start-up (only when <c>Launch:Backend</c> is <c>Kubernetes</c>).</summary>
public sealed partial class KubernetesLaunchOptionsValidator() : OptionsValidator<KubernetesLaunchOptions>(KubernetesLaunchOptions.Section)
{
    /// <inheritdoc />
    protected override IEnumerable<string> Check(KubernetesLaunchOptions options)
    {
        if (options.KubeConfigFile is { Length: > 0 } file && !File.Exists(file))
        {
            yield return $"KubeConfigFile '{file}' does not exist; give a kubeconfig file, or leave it unset inside a cluster (the pod's service account is used).";
        }
        if (options.Context is { Length: > 0 } && string.IsNullOrEmpty(options.KubeConfigFile))
        {
            yield return "Context is set without KubeConfigFile; a context names an entry of a kubeconfig file.";
        }
        if (options.Namespace is { } ns && !DnsLabel().IsMatch(ns))
        {
            yield return $"Namespace '{ns}' must be a namespace name (1 to 63 lower-case letters, digits or '-', starting and ending with a letter or digit), e.g. binder.";
        }
        if (options.InstanceName is null || !InstanceName().IsMatch(options.InstanceName))
        {
            yield return $"InstanceName '{options.InstanceName}' must be 1 to 30 lower-case letters, digits or '-', starting with a letter and ending with a letter or digit, e.g. binder: it starts every session pod's name.";
        }
        foreach (var (key, value) in options.Labels.Concat(options.NodeSelector))
        {
            if (!LabelKey().IsMatch(key) || !LabelValue().IsMatch(value))
            {
                yield return $"The label '{key}: {value}' (Labels or NodeSelector) is not a Kubernetes label: a key such as example.org/team (at most 63 letters, digits, '-', '_' or '.' after an optional DNS prefix) and a value of at most 63 of those, starting and ending with a letter or digit.";
            }
        }
        if (options.ImagePullSecret is { } secret && !DnsSubdomain().IsMatch(secret))
        {
            yield return $"ImagePullSecret '{secret}' must be the name of a Secret in the namespace (lower-case letters, digits, '-' and '.'), e.g. binder-registry.";
        }
        if (options.ImagePullPolicy is not ("IfNotPresent" or "Always" or "Never"))
        {
            yield return $"ImagePullPolicy '{options.ImagePullPolicy}' must be IfNotPresent, Always or Never.";
        }
        if (options.ServiceAccountName is { } account && !DnsSubdomain().IsMatch(account))
        {
            yield return $"ServiceAccountName '{account}' must be the name of a service account in the namespace, e.g. binder-session.";
        }
        foreach (var (name, value) in new[] { ("MemoryRequest", options.MemoryRequest), ("MemoryLimit", options.MemoryLimit), ("CpuRequest", options.CpuRequest), ("CpuLimit", options.CpuLimit) })
        {
            if (value is { Length: > 0 } && Quantity(value) is null)
            {
                yield return $"{name} '{value}' is not a Kubernetes quantity; write memory as e.g. 2Gi or 512Mi, CPU as e.g. 1, 0.5 or 500m (or leave it unset for none).";
            }
        }
        if (Exceeds(options.MemoryRequest, options.MemoryLimit))
        {
            yield return $"MemoryRequest {options.MemoryRequest} is more than MemoryLimit {options.MemoryLimit}; Kubernetes refuses such a pod. Lower the request or raise the limit.";
        }
        if (Exceeds(options.CpuRequest, options.CpuLimit))
        {
            yield return $"CpuRequest {options.CpuRequest} is more than CpuLimit {options.CpuLimit}; Kubernetes refuses such a pod. Lower the request or raise the limit.";
        }
        if (options.JupyterPort is < 1 or > 65535)
        {
            yield return $"JupyterPort {options.JupyterPort} must be a TCP port (1 to 65535), e.g. 8888.";
        }
        if (options.Command.Count == 0 || options.Command.Any(string.IsNullOrEmpty))
        {
            yield return "Command must be a non-empty list of arguments, e.g. [\"jupyter\", \"notebook\"] (empty takes Binder:Buildpacks:JupyterCommand).";
        }
        if (options.ExtraEnv.Keys.Any(k => string.Equals(k, "JUPYTER_TOKEN", StringComparison.Ordinal)))
        {
            yield return "ExtraEnv must not set JUPYTER_TOKEN: every session gets its own token there.";
        }
        if (options.UserId < 1)
        {
            yield return $"The session user id {options.UserId} (Binder:Buildpacks:UserId) must be 1 or more: sessions never run as root.";
        }
        if (options.StartTimeout <= TimeSpan.Zero || options.StartTimeout > DockerLaunchOptionsValidator.MaxStartTimeout)
        {
            yield return $"StartTimeout {options.StartTimeout} must be more than 0 and at most {DockerLaunchOptionsValidator.MaxStartTimeout}, e.g. 00:05:00.";
        }
        if (options.StopGracePeriod <= TimeSpan.Zero || options.StopGracePeriod > DockerLaunchOptionsValidator.MaxStopGracePeriod)
        {
            yield return $"StopGracePeriod {options.StopGracePeriod} must be more than 0 (0 would be a forced delete, the kubelet killing Jupyter at once; it is rounded up to whole seconds) and at most {DockerLaunchOptionsValidator.MaxStopGracePeriod}, e.g. 00:00:03.";
        }
        if (options.RequestTimeout <= TimeSpan.Zero || options.RequestTimeout > TimeSpan.FromMinutes(5))
        {
            yield return $"RequestTimeout {options.RequestTimeout} must be more than 0 and at most 00:05:00, e.g. 00:00:30.";
        }
        if (options.PollInterval <= TimeSpan.Zero || options.PollInterval > TimeSpan.FromSeconds(10))
        {
            yield return $"PollInterval {options.PollInterval} must be more than 0 and at most 00:00:10, e.g. 00:00:00.250.";
        }
    }

    private static decimal? Quantity(string text)
    {
        try
        {
            return new ResourceQuantity(text).ToDecimal();
        }
        catch (Exception e) when (e is FormatException or ArgumentException or OverflowException)
        {
            return null;
        }
    }

    private static bool Exceeds(string? request, string? limit) =>
        request is { Length: > 0 } && limit is { Length: > 0 } && Quantity(request) is { } r && Quantity(limit) is { } l && r > l;

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")]
    private static partial Regex DnsLabel();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")]
    private static partial Regex DnsSubdomain();

    [GeneratedRegex("^[a-z]([-a-z0-9]{0,28}[a-z0-9])?$")]
    private static partial Regex InstanceName();

    [GeneratedRegex("^([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$")]
    private static partial Regex LabelKey();

    [GeneratedRegex("^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$")]
    private static partial Regex LabelValue();
}
