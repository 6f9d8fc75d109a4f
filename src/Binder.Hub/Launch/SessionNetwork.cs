using System.Net;
using Binder.Build.Docker;
using Microsoft.Extensions.Logging;

namespace Binder.Hub.Launch;

/// <summary>
/// The user-defined bridge network sessions join: created when missing (at start, and again at a launch if someone
/// removed it), reused when it is Binder's, never removed by the service. Inter-container traffic is off through the
/// bridge's <c>enable_icc=false</c> option, which a daemon running with iptables enforces.
/// </summary>
internal sealed partial class SessionNetwork(DockerClient docker, DockerLaunchOptions options, ILogger logger) : IDisposable
{
    /// <summary>The label every session network carries, with the value <see cref="LabelValue"/>.</summary>
    public const string Label = "org.binder.network";

    /// <summary>The value of <see cref="Label"/> on session networks.</summary>
    public const string LabelValue = "sessions";

    /// <summary>The bridge driver's option that turns inter-container traffic off (enforced through iptables).</summary>
    public const string IccOption = "com.docker.network.bridge.enable_icc";

    private readonly SemaphoreSlim _gate = new(1, 1);
    private DockerNetworkInfo? _known;

    public string Name => options.NetworkName;

    /// <summary>Makes sure the network exists and is Binder's; cheap after the first success.</summary>
    /// <exception cref="SessionNetworkException">It cannot be created, or a network of that name is not Binder's.</exception>
    public async Task<DockerNetworkInfo> EnsureAsync(CancellationToken cancellationToken)
    {
        if (_known is { } known)
        {
            return known;
        }
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_known is { } raced)
            {
                return raced;
            }
            var existing = await docker.InspectNetworkAsync(Name, cancellationToken).ConfigureAwait(false);
            if (existing is null)
            {
                existing = await CreateAsync(cancellationToken).ConfigureAwait(false);
            }
            else
            {
                CheckOurs(existing);
                LogReused(logger, Name, existing.Id[..12], string.Join(", ", existing.Subnets));
            }
            return _known = existing;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Forgets the network found before, so the next <see cref="EnsureAsync"/> looks again (it was removed).</summary>
    public void Forget() => _known = null;

    public void Dispose() => _gate.Dispose();

    private async Task<DockerNetworkInfo> CreateAsync(CancellationToken cancellationToken)
    {
        var subnet = options.Network.Subnet;
        try
        {
            await docker.CreateNetworkAsync(new DockerNetworkParameters
            {
                Name = Name,
                Subnet = subnet,
                Options = new Dictionary<string, string> { [IccOption] = "false" },
                Labels = new Dictionary<string, string> { [Label] = LabelValue, [SessionLabels.Instance] = options.InstanceName },
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (DockerApiException e) when (e.StatusCode == HttpStatusCode.Conflict)
        {
            // Another Binder process on this daemon created it at the same moment: use theirs if it is a session network.
        }
        catch (DockerApiException e)
        {
            throw new SessionNetworkException(subnet is null
                ? $"The session network {Name} could not be created: {e.DaemonMessage.TrimEnd()}. If Docker has no free address range left, set {DockerLaunchOptions.Section}:Network:Subnet to a range no other network or route of this host uses, e.g. 10.213.0.0/16."
                : $"The session network {Name} could not be created with subnet {subnet} ({DockerLaunchOptions.Section}:Network:Subnet): {e.DaemonMessage.TrimEnd()}. Choose a range no other Docker network or route of this host uses, or leave the setting out to let Docker pick one.", e);
        }
        var created = await docker.InspectNetworkAsync(Name, cancellationToken).ConfigureAwait(false)
            ?? throw new SessionNetworkException($"The session network {Name} vanished right after it was created; is another program removing networks on this Docker daemon?");
        CheckOurs(created);
        LogCreated(logger, Name, created.Id[..12], string.Join(", ", created.Subnets));
        return created;
    }

    private void CheckOurs(DockerNetworkInfo network)
    {
        var problems = new List<string>();
        if (network.Labels.GetValueOrDefault(Label) != LabelValue)
        {
            problems.Add($"it was not created by Binder (no label {Label}={LabelValue})");
        }
        if (network.Driver != "bridge")
        {
            problems.Add($"its driver is {network.Driver}, not bridge");
        }
        if (network.Options.GetValueOrDefault(IccOption) != "false")
        {
            problems.Add($"it lets sessions talk to each other ({IccOption} is not false)");
        }
        if (options.Network.Subnet is { } subnet && !network.Subnets.Contains(subnet, StringComparer.OrdinalIgnoreCase))
        {
            problems.Add($"its subnet is {string.Join(", ", network.Subnets.DefaultIfEmpty("none"))}, not {subnet} as {DockerLaunchOptions.Section}:Network:Subnet says");
        }
        if (problems.Count > 0)
        {
            throw new SessionNetworkException(
                $"The Docker network {Name} cannot be used for sessions: {string.Join("; ", problems)}. " +
                $"Remove it (docker network rm {Name}) so Binder creates its own, or set {DockerLaunchOptions.Section}:Network:Name to another name.");
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Created the session network {Name} ({Id}, subnet {Subnet}); inter-container traffic is off where the daemon enforces it with iptables")]
    private static partial void LogCreated(ILogger logger, string name, string id, string subnet);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sessions join the network {Name} ({Id}, subnet {Subnet})")]
    private static partial void LogReused(ILogger logger, string name, string id, string subnet);
}
