using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;
using Binder.Build.Registry;

namespace Binder.Build.Docker;

public sealed partial class DockerClient
{
    /// <summary>
    /// Whether a push or pull error means the registry said no. Docker words registry refusals as the registry's error
    /// code and message (<c>denied: requested access to the resource is denied</c>, <c>unauthorized: authentication
    /// required</c>) or with its own auth phrases; a bare "denied" would also match daemon-local failures such as
    /// <c>open /var/lib/docker/...: permission denied</c>, which credentials cannot fix.
    /// </summary>
    internal static bool IsRegistryRefusal(string error) => RegistryRefusal().IsMatch(error);

    // The distribution error codes DENIED, UNAUTHORIZED (as "code: message"), the bearer challenge's insufficient_scope,
    // Docker's own auth failures, and a 403 whose body Docker could not parse.
    [GeneratedRegex(
        @"(?<!permission )\bdenied:|\bunauthorized(:|$)|\binsufficient_scope\b|\bauthentication required\b|\bno basic auth credentials\b|\bincorrect username or password\b|\bHTTP 403\b|\b403 Forbidden\b",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex RegistryRefusal();

    /// <summary>
    /// Builds an image with BuildKit (<c>POST /build?version=2</c>, no session) from a tar build context, reporting
    /// readable progress lines, and returns the image id (<c>sha256:...</c>).
    /// </summary>
    /// <param name="tarContext">The build context as an uncompressed tar stream; read to its end.</param>
    /// <param name="parameters">Tags, Dockerfile, build arguments, labels, network (null: <see cref="DockerOptions.BuildNetworkMode"/>) and cache behaviour.</param>
    /// <param name="onLog">Receives each progress line as it arrives (steps, cache hits, output, errors), or null.</param>
    /// <param name="cancellationToken">Cancels the build (the daemon stops it when the connection closes).</param>
    /// <exception cref="DockerBuildFailedException">A step failed; the message names it and quotes the last log lines.</exception>
    /// <exception cref="DockerUnavailableException">The daemon cannot be reached.</exception>
    /// <exception cref="DockerConnectionLostException">The daemon stopped answering before the image was built.</exception>
    public async Task<string> BuildImageAsync(
        Stream tarContext, DockerBuildParameters parameters, Action<DockerBuildLog>? onLog, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tarContext);
        ArgumentNullException.ThrowIfNull(parameters);
        const string operation = "the image build";
        var query = new List<(string, string?)>
        {
            ("version", "2"),
            ("dockerfile", parameters.Dockerfile),
            ("networkmode", parameters.NetworkMode ?? _options.BuildNetworkMode),
            ("rm", "1"),
            ("forcerm", "1"),
        };
        query.AddRange(parameters.Tags.Select(tag => ("t", (string?)tag)));
        if ((parameters.MemoryLimitBytes ?? _options.BuildMemoryLimitBytes) is > 0 and var memory)
        {
            var bytes = memory.ToString(System.Globalization.CultureInfo.InvariantCulture);
            query.Add(("memory", bytes));
            query.Add(("memswap", bytes));
        }
        if (parameters.BuildArgs.Count > 0)
        {
            query.Add(("buildargs", ToJson(parameters.BuildArgs)));
        }
        if (parameters.Labels.Count > 0)
        {
            query.Add(("labels", ToJson(parameters.Labels)));
        }
        if (parameters.NoCache)
        {
            query.Add(("nocache", "1"));
        }
        if (parameters.Pull)
        {
            query.Add(("pull", "1"));
        }
        var content = new StreamContent(tarContext);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-tar");
        Log.BuildStarted(_logger, string.Join(", ", parameters.Tags), parameters.Dockerfile);

        using var response = await SendAsync(HttpMethod.Post, "/build?" + Query([.. query]), content, null,
            HttpCompletionOption.ResponseHeadersRead, _options.StreamInactivityTimeout, operation, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            // Errors before the build starts (unreadable context, bad Dockerfile path) come as a plain error response.
            var error = await ReadErrorAsync(response, cancellationToken).ConfigureAwait(false);
            throw new DockerBuildFailedException(error, null, []);
        }

        var decoder = new BuildKitStatusDecoder();
        var lastLines = new Queue<string>();
        // Each step's recent output, so a failure can be read for its cause (a network error scrolls off the last lines).
        var stepOutput = new Dictionary<string, Queue<string>>(StringComparer.Ordinal);
        string? imageId = null;
        void Report(DockerBuildLog log)
        {
            if (log.Kind is DockerBuildLogKind.Output or DockerBuildLogKind.Error or DockerBuildLogKind.Step)
            {
                Keep(lastLines, log.Message, _options.FailureLogLines);
            }
            if (log is { Kind: DockerBuildLogKind.Output, Step: { } step })
            {
                if (!stepOutput.TryGetValue(step, out var lines))
                {
                    stepOutput[step] = lines = new Queue<string>();
                }
                Keep(lines, log.Message, StepOutputLines);
            }
            onLog?.Invoke(log);
        }
        IReadOnlyList<string> OutputOf(string? step) => step is not null && stepOutput.TryGetValue(step, out var lines) ? [.. lines] : [];

        await foreach (var message in ReadMessagesAsync(response, operation, cancellationToken).ConfigureAwait(false))
        {
            if (message.Error is not null || message.ErrorDetail?.Message is not null)
            {
                foreach (var log in decoder.Flush())
                {
                    Report(log);
                }
                var error = message.ErrorDetail?.Message ?? message.Error!;
                Log.BuildFailed(_logger, decoder.FailedStep ?? "(before any step)", error);
                throw new DockerBuildFailedException(error, decoder.FailedStep, [.. lastLines], OutputOf(decoder.FailedStep));
            }
            if (message is { Id: "moby.buildkit.trace", Aux.ValueKind: JsonValueKind.String })
            {
                foreach (var log in decoder.Decode(message.Aux.Value.GetBytesFromBase64()))
                {
                    Report(log);
                }
            }
            else if (message.Aux is { ValueKind: JsonValueKind.Object } aux && aux.TryGetProperty("ID", out var id) && id.ValueKind == JsonValueKind.String)
            {
                // moby.image.id (BuildKit) and the classic builder's bare aux both carry the image id this way.
                imageId = id.GetString();
            }
            else if (message.Stream is { Length: > 0 } stream)
            {
                foreach (var line in stream.Split('\n', StringSplitOptions.RemoveEmptyEntries))
                {
                    Report(new DockerBuildLog(DockerBuildLogKind.Info, line.TrimEnd('\r')));
                }
            }
        }
        foreach (var log in decoder.Flush())
        {
            Report(log);
        }
        if (imageId is null)
        {
            throw new DockerConnectionLostException(Endpoint, operation, "the build stream ended without an image id or an error");
        }
        Log.BuildFinished(_logger, imageId);
        return imageId;
    }

    // Enough of one step's output to hold pip's five retry warnings, apt's fetch errors and the final error lines.
    private const int StepOutputLines = 200;

    private static void Keep(Queue<string> lines, string line, int limit)
    {
        lines.Enqueue(line);
        while (lines.Count > limit)
        {
            lines.Dequeue();
        }
    }

    /// <summary>Pushes <paramref name="image"/> (<c>registry/repository:tag</c>) to its registry and returns the pushed manifest digest.</summary>
    /// <param name="image">The local image name with its tag.</param>
    /// <param name="credentials">Credentials for the image's registry, or null for anonymous.</param>
    /// <param name="onProgress">Receives readable progress lines, one per change of a layer's state (<c>abc123: Pushing</c>, <c>abc123: Pushed</c>), or null.</param>
    /// <param name="cancellationToken">Cancels the push.</param>
    /// <exception cref="RegistryRefusedException">The registry refused the push (credentials or permission).</exception>
    /// <exception cref="DockerImageTransferException">The push failed otherwise (registry unreachable, no such image...).</exception>
    public async Task<string?> PushImageAsync(
        string image, RegistryCredentials? credentials, Action<string>? onProgress, CancellationToken cancellationToken = default)
    {
        var reference = ImageReference.Parse(image);
        var name = NameAsGiven(image, reference);
        Log.PushStarted(_logger, image);
        var path = $"/images/{PathName(name)}/push?" + Query(("tag", reference.Tag ?? ImageReference.DefaultTag));
        var digest = await TransferAsync(path, reference, credentials, onProgress, "push", cancellationToken).ConfigureAwait(false);
        Log.PushFinished(_logger, image, digest);
        return digest;
    }

    /// <summary>Pulls <paramref name="image"/> from its registry into the daemon.</summary>
    /// <param name="image">The image reference, e.g. <c>127.0.0.1:5000/binder-base:bookworm</c>.</param>
    /// <param name="credentials">Credentials for the image's registry, or null for anonymous.</param>
    /// <param name="onProgress">Receives readable progress lines, one per change of a layer's state (<c>abc123: Downloading</c>, <c>abc123: Pull complete</c>), or null.</param>
    /// <param name="cancellationToken">Cancels the pull.</param>
    /// <exception cref="RegistryRefusedException">The registry refused (credentials or permission).</exception>
    /// <exception cref="DockerImageTransferException">The pull failed otherwise (no such image, registry unreachable...).</exception>
    public async Task PullImageAsync(
        string image, RegistryCredentials? credentials, Action<string>? onProgress, CancellationToken cancellationToken = default)
    {
        var reference = ImageReference.Parse(image);
        Log.PullStarted(_logger, image);
        var query = Query(("fromImage", NameAsGiven(image, reference)), ("tag", reference.Digest ?? reference.Tag));
        await TransferAsync("/images/create?" + query, reference, credentials, onProgress, "pull", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Adds the name <paramref name="target"/> (<c>repository:tag</c>) to the local image <paramref name="image"/>.</summary>
    /// <param name="image">An existing image name or id.</param>
    /// <param name="target">The new name with tag.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public async Task TagImageAsync(string image, string target, CancellationToken cancellationToken = default)
    {
        var reference = ImageReference.Parse(target);
        var query = Query(("repo", NameAsGiven(target, reference)), ("tag", reference.Tag));
        using var response = await SendAsync(HttpMethod.Post, $"/images/{PathName(image)}/tag?{query}", null, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, $"tag image '{image}' as '{target}'", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Describes a local image, or returns null when the daemon has no image by that name or id.</summary>
    /// <param name="image">Image name (with tag) or id.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public async Task<DockerImageInfo?> InspectImageAsync(string image, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(HttpMethod.Get, $"/images/{PathName(image)}/json", null, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        await EnsureSuccessAsync(response, $"inspect image '{image}'", cancellationToken).ConfigureAwait(false);
        var inspect = await ReadJsonAsync(response, DockerJsonContext.Default.DockerImageInspectResponse, cancellationToken).ConfigureAwait(false);
        var config = inspect.Config;
        return new DockerImageInfo(
            inspect.Id,
            inspect.RepoTags ?? [],
            inspect.RepoDigests ?? [],
            config?.Labels ?? new Dictionary<string, string>(),
            config?.Env ?? [],
            config?.Cmd ?? [],
            config?.Entrypoint ?? [],
            config?.User ?? "",
            config?.WorkingDir ?? "",
            config?.ExposedPorts?.Keys.ToList() ?? [],
            inspect.Size,
            inspect.Created)
        {
            // Docker writes the zero time for an image that was never tagged.
            LastTagTime = DateTimeOffset.TryParse(inspect.Metadata?.LastTagTime, System.Globalization.CultureInfo.InvariantCulture,
                System.Globalization.DateTimeStyles.AssumeUniversal, out var tagged) && tagged.Year > 1 ? tagged : null,
        };
    }

    /// <summary>Removes a local image (untags it, and deletes it when no other name refers to it).</summary>
    /// <param name="image">Image name or id.</param>
    /// <param name="force">Remove even when a stopped container uses it or it has several names.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>False when there was no such image.</returns>
    public async Task<bool> RemoveImageAsync(string image, bool force = false, CancellationToken cancellationToken = default)
    {
        var query = Query(("force", force ? "1" : "0"));
        using var response = await SendAsync(HttpMethod.Delete, $"/images/{PathName(image)}?{query}", null, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
        await EnsureSuccessAsync(response, $"remove image '{image}'", cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>Runs a push or pull stream; returns the pushed digest when the daemon reports one.</summary>
    private async Task<string?> TransferAsync(
        string path, ImageReference reference, RegistryCredentials? credentials, Action<string>? onProgress, string verb, CancellationToken cancellationToken)
    {
        var operation = $"the {verb} of {reference}";
        var auth = RegistryAuthHeader(reference, credentials);
        using var response = await SendAsync(HttpMethod.Post, path, null, h => h.Add("X-Registry-Auth", auth),
            HttpCompletionOption.ResponseHeadersRead, _options.StreamInactivityTimeout, operation, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw TransferFailed(reference, verb, await ReadErrorAsync(response, cancellationToken).ConfigureAwait(false));
        }
        string? digest = null;
        var lastStatus = new Dictionary<string, string>(StringComparer.Ordinal);
        await foreach (var message in ReadMessagesAsync(response, operation, cancellationToken).ConfigureAwait(false))
        {
            if (message.Error is not null || message.ErrorDetail?.Message is not null)
            {
                throw TransferFailed(reference, verb, message.ErrorDetail?.Message ?? message.Error!);
            }
            if (message.Aux is { ValueKind: JsonValueKind.Object } aux)
            {
                var pushed = aux.Deserialize(DockerJsonContext.Default.DockerPushAux);
                digest = pushed?.Digest ?? digest;
            }
            if (message.Status is { } status && onProgress is not null)
            {
                if (message.Id is not { Length: > 0 } id)
                {
                    onProgress(status);
                }
                else if (!lastStatus.TryGetValue(id, out var last) || last != status)
                {
                    // Only a layer's changes of state: the daemon repeats "Pushing"/"Downloading" with a new progress
                    // bar every few hundred kilobytes, thousands of lines per image in a JSON log.
                    lastStatus[id] = status;
                    onProgress($"{id}: {status}");
                }
            }
        }
        return digest;
    }

    private static BinderBuildException TransferFailed(ImageReference reference, string verb, string error)
    {
        if (IsRegistryRefusal(error))
        {
            return new RegistryRefusedException(
                $"The registry {reference.Registry} refused the {verb} of {reference}: {error.TrimEnd()}. Check the registry credentials and that they allow {verb}ing to {reference.Repository}.",
                reference.Registry);
        }
        return new DockerImageTransferException(
            $"The {verb} of {reference} failed: {error.TrimEnd()}. Check that the registry {reference.Registry} runs and is reachable from the Docker daemon{(verb == "push" ? " and that the image exists locally" : " and that the image exists there")}.");
    }

    /// <summary>The base64url JSON (padded, as Go's URLEncoding decodes it) the daemon expects in <c>X-Registry-Auth</c>.</summary>
    private static string RegistryAuthHeader(ImageReference reference, RegistryCredentials? credentials)
    {
        var server = reference.Registry == ImageReference.DockerHub ? "https://index.docker.io/v1/" : reference.Registry;
        var config = new DockerAuthConfig(credentials?.Username, credentials?.Password, credentials is null ? null : server);
        var json = JsonSerializer.SerializeToUtf8Bytes(config, DockerJsonContext.Default.DockerAuthConfig);
        return Convert.ToBase64String(json).Replace('+', '-').Replace('/', '_');
    }

    /// <summary>The image name without tag or digest, as the caller spelled it (Docker keeps short Docker Hub names short).</summary>
    private static string NameAsGiven(string image, ImageReference reference)
    {
        var name = image;
        var at = name.IndexOf('@');
        if (at >= 0)
        {
            name = name[..at];
        }
        var colon = name.LastIndexOf(':');
        if (colon > name.LastIndexOf('/') && reference.Tag is not null && name[(colon + 1)..] == reference.Tag)
        {
            name = name[..colon];
        }
        return name;
    }
}
