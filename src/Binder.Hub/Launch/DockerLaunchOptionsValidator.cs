using Binder.Build;
using Binder.Hub.Grains;
using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Binder.Hub.Launch;

/// <summary>Checks <see cref="DockerLaunchOptions"/> at start-up, so a bad setting fails with a sentence naming it.</summary>
public sealed partial class DockerLaunchOptionsValidator() : OptionsValidator<DockerLaunchOptions>(DockerLaunchOptions.Section)
{
    /// <summary>The longest <see cref="DockerLaunchOptions.StartTimeout"/>: it must end before the grain call that asks for the start does.</summary>
    public static readonly TimeSpan MaxStartTimeout = TimeSpan.FromMinutes(25);

    /// <summary>The longest <see cref="DockerLaunchOptions.StopGracePeriod"/>, for the same reason.</summary>
    public static readonly TimeSpan MaxStopGracePeriod = TimeSpan.FromMinutes(4);

    /// <inheritdoc />
    protected override IEnumerable<string> Check(DockerLaunchOptions options) => Problems(options);

    /// <summary>Throws an <see cref="ArgumentException"/> listing every problem, if there is any.</summary>
    /// <param name="options">The options to check.</param>
    public static void ThrowIfInvalid(DockerLaunchOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = Problems(options);
        if (problems.Count > 0)
        {
            throw new ArgumentException($"The session settings ({DockerLaunchOptions.Section}) are invalid: " + string.Join(" ", problems), nameof(options));
        }
    }

    internal static List<string> Problems(DockerLaunchOptions o)
    {
        var problems = new List<string>();
        if (o.InstanceName is null || !InstanceName().IsMatch(o.InstanceName))
        {
            problems.Add($"InstanceName '{o.InstanceName}' must be 1 to 40 lower-case letters, digits, '-', '_' or '.', starting with a letter or digit.");
        }
        if (!IPAddress.TryParse(o.JupyterIp, out _))
        {
            problems.Add($"JupyterIp '{o.JupyterIp}' is not an IP address such as 127.0.0.1.");
        }
        if (o.TargetHost is { } host && Uri.CheckHostName(host) == UriHostNameType.Unknown)
        {
            problems.Add($"TargetHost '{host}' is not a host name or address.");
        }
        NetworkProblems(o, problems);
        if (o.JupyterPort is < 1 or > 65535)
        {
            problems.Add($"JupyterPort {o.JupyterPort} must be a TCP port (1 to 65535), e.g. 8888.");
        }
        if (o.UserId < 1)
        {
            problems.Add($"The session user id {o.UserId} (Binder:Buildpacks:UserId) must be 1 or more: sessions never run as root.");
        }
        if (o.PidsLimit is < 0 or > 0 and < 16)
        {
            problems.Add($"PidsLimit {o.PidsLimit} must be 0 (no limit) or at least 16 (Jupyter and a kernel need a few dozen processes and threads), e.g. 1024.");
        }
        if (!o.EffectiveJupyterArguments.Any(a => a.Contains("{port}", StringComparison.Ordinal)) || !o.EffectiveJupyterArguments.Any(a => a.Contains("{base_url}", StringComparison.Ordinal)))
        {
            problems.Add("JupyterArguments must pass {port} and {base_url} to Jupyter (e.g. --port={port} --NotebookApp.base_url={base_url}), or sessions cannot be reached.");
        }
        if (o.ExtraEnv.Keys.Any(k => k.Length == 0 || k.Contains('=', StringComparison.Ordinal)))
        {
            problems.Add("ExtraEnv has a variable name that is empty or contains '='.");
        }
        if (o.MemoryLimitBytes is < 0 or > 0 and < 6 * 1024 * 1024)
        {
            problems.Add($"MemoryLimitBytes {o.MemoryLimitBytes} must be 0 (no limit) or at least 6 MiB (Docker's minimum).");
        }
        if (o.CpuLimit < 0 || double.IsNaN(o.CpuLimit) || o.CpuLimit is > 0 and < 0.01)
        {
            problems.Add($"CpuLimit {o.CpuLimit} must be 0 (no limit) or at least 0.01 CPUs.");
        }
        Positive(o.StartTimeout, nameof(o.StartTimeout), problems);
        Positive(o.PullTimeout, nameof(o.PullTimeout), problems);
        if (o.StartTimeout > MaxStartTimeout)
        {
            problems.Add($"StartTimeout {o.StartTimeout} is longer than {MaxStartTimeout}: Binder bounds a session's start at {ISessionNode.StartResponseTimeout}, with room left for the clean-up of a start that failed. Choose a shorter one.");
        }
        else if (o.PullTimeout > TimeSpan.Zero && o.StartTimeout + o.PullTimeout > MaxStartTimeout)
        {
            // A start that pulls first runs both in the same start.
            problems.Add($"PullTimeout {o.PullTimeout} and StartTimeout {o.StartTimeout} together are longer than {MaxStartTimeout}: a start that pulls its image first runs both, and Binder bounds a session's start at {ISessionNode.StartResponseTimeout}. Shorten one of them.");
        }
        Positive(o.PollInterval, nameof(o.PollInterval), problems);
        Positive(o.RequestTimeout, nameof(o.RequestTimeout), problems);
        if (o.StopGracePeriod < TimeSpan.Zero)
        {
            problems.Add("StopGracePeriod must not be negative.");
        }
        if (o.StopGracePeriod > MaxStopGracePeriod)
        {
            problems.Add($"StopGracePeriod {o.StopGracePeriod} is longer than {MaxStopGracePeriod}: a stop asked from another node's silo is one grain call, which Orleans ends after {ISessionNode.StopResponseTimeout}. Choose a shorter one.");
        }
        if (o.FailureLogLines < 1)
        {
            problems.Add("FailureLogLines must be at least 1.");
        }
        return problems;
    }

    private static void NetworkProblems(DockerLaunchOptions o, List<string> problems)
    {
        var network = o.Network ?? new SessionNetworkOptions();
        if (!Enum.IsDefined(network.Mode))
        {
            problems.Add($"Network:Mode '{network.Mode}' must be Isolated or Host.");
        }
        if (network.Name is { Length: > 0 } name && (!NetworkName().IsMatch(name) || name is "host" or "none" or "bridge" or "default"))
        {
            problems.Add($"Network:Name '{name}' must be 1 to 64 letters, digits, '_', '.' or '-', starting with a letter or digit, and not one of Docker's own networks (host, none, bridge, default).");
        }
        if (network.Subnet is { } subnet && !IsCidr(subnet))
        {
            problems.Add($"Network:Subnet '{subnet}' is not a network in CIDR form with no host bits set, e.g. 10.213.0.0/16.");
        }
        if (network.PublishAddress is { } publish)
        {
            if (!IPAddress.TryParse(publish, out var address))
            {
                problems.Add($"Network:PublishAddress '{publish}' is not an IP address of this node, e.g. 10.0.0.5.");
            }
            else if ((address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any)) && o.TargetHost is null)
            {
                problems.Add($"Network:PublishAddress '{publish}' publishes on every address, so the proxy needs TargetHost: this node's name or address as the proxy's node reaches it.");
            }
        }
        if (network.Mode == SessionNetworkMode.Host && (network.Subnet is not null || network.PublishAddress is not null))
        {
            problems.Add("Network:Subnet and Network:PublishAddress apply to the isolated network only; remove them, or set Network:Mode to Isolated.");
        }
    }

    /// <summary>A network in CIDR form whose address has no bits beyond the prefix (Docker refuses <c>10.0.0.1/16</c>).</summary>
    private static bool IsCidr(string value) =>
        IPNetwork.TryParse(value, out var network)
        && IPAddress.TryParse(value.Split('/')[0], out var address)
        && network.BaseAddress.Equals(address);

    private static void Positive(TimeSpan value, string name, List<string> problems)
    {
        if (value <= TimeSpan.Zero)
        {
            problems.Add($"{name} must be longer than zero (e.g. 00:01:00).");
        }
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]
    private static partial Regex NetworkName();

    [GeneratedRegex("^[a-z0-9][a-z0-9_.-]{0,39}$")]
    private static partial Regex InstanceName();
}
