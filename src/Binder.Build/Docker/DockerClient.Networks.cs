using System.Net;
using System.Net.Http.Json;

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
        var body = new DockerNetworkCreateRequest(
            parameters.Name,
            CheckDuplicate: true,
            parameters.Driver,
            Internal: false,
            parameters.Subnet is null ? null : new DockerIpamJson("default", [new DockerIpamConfigJson(parameters.Subnet, null)]),
            parameters.Options.Count == 0 ? null : parameters.Options,
            parameters.Labels.Count == 0 ? null : parameters.Labels);
        var content = JsonContent.Create(body, DockerJsonContext.Default.DockerNetworkCreateRequest);
        using var response = await SendAsync(HttpMethod.Post, "/networks/create", content, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, $"create network '{parameters.Name}'", cancellationToken).ConfigureAwait(false);
        var created = await ReadJsonAsync(response, DockerJsonContext.Default.DockerNetworkCreateResponse, cancellationToken).ConfigureAwait(false);
        if (!string.IsNullOrWhiteSpace(created.Warning))
        {
            Log.DaemonWarning(_logger, created.Warning);
        }
        Log.NetworkCreated(_logger, parameters.Name, created.Id);
        return created.Id;
    }

    /// <summary>Describes a network, or returns null when there is none by that name or id.</summary>
    /// <param name="nameOrId">Network name or id.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public async Task<DockerNetworkInfo?> InspectNetworkAsync(string nameOrId, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(HttpMethod.Get, $"/networks/{PathName(nameOrId)}", null, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        await EnsureSuccessAsync(response, $"inspect network '{nameOrId}'", cancellationToken).ConfigureAwait(false);
        var network = await ReadJsonAsync(response, DockerJsonContext.Default.DockerNetworkInspectResponse, cancellationToken).ConfigureAwait(false);
        var ipam = network.IPAM?.Config ?? [];
        return new DockerNetworkInfo(
            network.Id,
            network.Name ?? "",
            network.Driver ?? "",
            [.. ipam.Select(c => c.Subnet).OfType<string>()],
            [.. ipam.Select(c => c.Gateway).OfType<string>()],
            network.Options ?? new Dictionary<string, string>(),
            network.Labels ?? new Dictionary<string, string>(),
            network.Containers?.Count ?? 0);
    }

    /// <summary>Removes a network.</summary>
    /// <param name="nameOrId">Network name or id.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>False when there was no such network.</returns>
    /// <exception cref="DockerApiException">Containers are still attached, or another refusal.</exception>
    public async Task<bool> RemoveNetworkAsync(string nameOrId, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(HttpMethod.Delete, $"/networks/{PathName(nameOrId)}", null, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
        await EnsureSuccessAsync(response, $"remove network '{nameOrId}'", cancellationToken).ConfigureAwait(false);
        return true;
    }
}
