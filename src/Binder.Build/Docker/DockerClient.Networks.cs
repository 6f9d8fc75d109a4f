using System.Net;
using Docker.DotNet.Models;

namespace Binder.Build.Docker;

public sealed partial class DockerClient
{
    /// <summary>Creates a network and returns its id. The daemon refuses a second network of the same name.</summary>
    /// <param name="parameters">Name, driver, subnet, options and labels.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <exception cref="DockerApiException">The name is taken (409), the subnet overlaps another network's, or another refusal.</exception>
    public async Task<string> CreateNetworkAsync(DockerNetworkParameters parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var create = new NetworksCreateParameters
        {
            Name = parameters.Name,
            Driver = parameters.Driver,
            IPAM = parameters.Subnet is null ? null : new IPAM { Driver = "default", Config = [new IPAMConfig { Subnet = parameters.Subnet }] },
            Options = parameters.Options.Count == 0 ? null : new Dictionary<string, string>(parameters.Options),
            Labels = parameters.Labels.Count == 0 ? null : new Dictionary<string, string>(parameters.Labels),
        };
        // The Engine API refuses a taken name only when asked to (CheckDuplicate), which Docker.DotNet 4.4.1 no longer
        // sends (API 1.44 made it the default; dockerd 20.10 speaks 1.41): the refusal is this client's own, before and after.
        var refusal = $"create network '{parameters.Name}'";
        if ((await NetworksNamedAsync(parameters.Name, cancellationToken).ConfigureAwait(false)).Count > 0)
        {
            throw NameTaken(refusal, parameters.Name);
        }
        var created = await CallAsync(refusal, (engine, ct) => engine.Networks.CreateNetworkAsync(create, ct), cancellationToken).ConfigureAwait(false);
        if (!string.IsNullOrWhiteSpace(created.Warning))
        {
            Log.DaemonWarning(_logger, created.Warning);
        }
        // Two creators at the same moment both pass the check: the older network stays, the younger one's creator backs out.
        var named = await NetworksNamedAsync(parameters.Name, cancellationToken).ConfigureAwait(false);
        if (named.Count > 1 && named.OrderBy(n => n.Created).ThenBy(n => n.ID, StringComparer.Ordinal).First().ID != created.ID)
        {
            await RemoveNetworkAsync(created.ID, cancellationToken).ConfigureAwait(false);
            throw NameTaken(refusal, parameters.Name);
        }
        Log.NetworkCreated(_logger, parameters.Name, created.ID);
        return created.ID;
    }

    /// <summary>Describes a network, or returns null when there is none by that name or id.</summary>
    /// <param name="nameOrId">Network name or id.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public async Task<DockerNetworkInfo?> InspectNetworkAsync(string nameOrId, CancellationToken cancellationToken = default)
    {
        var network = await FindAsync($"inspect network '{nameOrId}'", (engine, ct) => engine.Networks.InspectNetworkAsync(nameOrId, ct), cancellationToken).ConfigureAwait(false);
        if (network is null)
        {
            return null;
        }
        var ipam = network.IPAM?.Config ?? [];
        return new DockerNetworkInfo(
            network.ID,
            network.Name ?? "",
            network.Driver ?? "",
            [.. ipam.Select(c => c.Subnet).OfType<string>().Where(s => s.Length > 0)],
            [.. ipam.Select(c => c.Gateway).OfType<string>().Where(g => g.Length > 0)],
            Copy(network.Options),
            Copy(network.Labels),
            network.Containers?.Count ?? 0);
    }

    /// <summary>Removes a network.</summary>
    /// <param name="nameOrId">Network name or id.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>False when there was no such network.</returns>
    /// <exception cref="DockerApiException">Containers are still attached, or another refusal.</exception>
    public Task<bool> RemoveNetworkAsync(string nameOrId, CancellationToken cancellationToken = default) =>
        RemoveAsync($"remove network '{nameOrId}'", (engine, ct) => engine.Networks.DeleteNetworkAsync(nameOrId, ct), cancellationToken);

    private Task<List<NetworkResponse>> NetworksNamedAsync(string name, CancellationToken cancellationToken) =>
        CallAsync("list networks", async (engine, ct) =>
        {
            var parameters = new NetworksListParameters
            {
                Filters = new Dictionary<string, IDictionary<string, bool>> { ["name"] = new Dictionary<string, bool> { [name] = true } },
            };
            // The name filter matches parts of names as well.
            return (await engine.Networks.ListNetworksAsync(parameters, ct).ConfigureAwait(false)).Where(n => n.Name == name).ToList();
        }, cancellationToken);

    private static DockerApiException NameTaken(string refusal, string name) =>
        new(refusal, HttpStatusCode.Conflict, $"network with name {name} already exists");
}
