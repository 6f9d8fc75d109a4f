using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Binder.Build.Registry;
using Docker.DotNet.Models;
using Engine = global::Docker.DotNet;

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
        var memory = parameters.MemoryLimitBytes ?? _options.BuildMemoryLimitBytes;
        var build = new ImageBuildParameters
        {
            Version = "2",
            Dockerfile = parameters.Dockerfile,
            NetworkMode = parameters.NetworkMode ?? _options.BuildNetworkMode,
            Remove = true,
            ForceRemove = true,
            Tags = [.. parameters.Tags],
            Memory = memory > 0 ? memory : null,
            MemorySwap = memory > 0 ? memory : null,
            BuildArgs = parameters.BuildArgs.Count > 0 ? new Dictionary<string, string>(parameters.BuildArgs) : null,
            Labels = parameters.Labels.Count > 0 ? new Dictionary<string, string>(parameters.Labels) : null,
            NoCache = parameters.NoCache ? true : null,
            Pull = parameters.Pull ? "1" : null,
            // The daemon reads cachefrom as one JSON array; Docker.DotNet writes each item as a query value of its
            // own, which the daemon then fails to parse ("invalid character '.' after top-level value"). One item
            // holding the array is sent as exactly that.
            CacheFrom = parameters.CacheFrom.Count > 0 ? [JsonSerializer.Serialize(parameters.CacheFrom, DockerStreamJsonContext.Default.IReadOnlyListString)] : null,
        };
        Log.BuildStarted(_logger, string.Join(", ", parameters.Tags), parameters.Dockerfile);
        // Only the path is logged: the query string carries the build arguments, which may hold tokens.
        Log.Request(_logger, "POST", "/build");

        // The context goes up as the request body while it is read (Docker.DotNet sends it chunked, never whole in
        // memory); the wait for the daemon's first answer is bounded like the silence between two lines of its stream.
        Stream body;
        try
        {
            // The obsolete overload is the one that hands back the raw stream. The other parses each line into
            // Docker.DotNet's JSONMessage, whose object-typed aux fails on BuildKit's base64 trace (DockerStreamMessage).
#pragma warning disable CS0618
            body = await CallAsync("build the image", operation, _options.StreamInactivityTimeout,
                (engine, ct) => engine.Images.BuildImageFromDockerfileAsync(tarContext, build, ct), cancellationToken).ConfigureAwait(false);
#pragma warning restore CS0618
        }
        catch (DockerApiException e)
        {
            // Errors before the build starts (unreadable context, bad Dockerfile path) come as a plain error response.
            throw new DockerBuildFailedException(e.DaemonMessage, null, []);
        }
        await using var _ = body.ConfigureAwait(false);

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

        await foreach (var message in ReadMessagesAsync(body, operation, cancellationToken).ConfigureAwait(false))
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
        var parameters = new ImagePushParameters { Tag = reference.Tag ?? ImageReference.DefaultTag };
        var digest = await TransferAsync(reference, credentials, onProgress, "push",
            (engine, auth, progress, ct) => engine.Images.PushImageAsync(name, parameters, auth, progress, ct), cancellationToken).ConfigureAwait(false);
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
        var parameters = new ImagesCreateParameters { FromImage = NameAsGiven(image, reference), Tag = reference.Digest ?? reference.Tag };
        await TransferAsync(reference, credentials, onProgress, "pull",
            (engine, auth, progress, ct) => engine.Images.CreateImageAsync(parameters, auth, progress, ct), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Adds the name <paramref name="target"/> (<c>repository:tag</c>) to the local image <paramref name="image"/>.</summary>
    /// <param name="image">An existing image name or id.</param>
    /// <param name="target">The new name with tag.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public async Task TagImageAsync(string image, string target, CancellationToken cancellationToken = default)
    {
        var reference = ImageReference.Parse(target);
        var parameters = new ImageTagParameters { RepositoryName = NameAsGiven(target, reference), Tag = reference.Tag };
        await CallAsync($"tag image '{image}' as '{target}'",
            async (engine, ct) => { await engine.Images.TagImageAsync(image, parameters, ct).ConfigureAwait(false); return true; }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Describes a local image, or returns null when the daemon has no image by that name or id.</summary>
    /// <param name="image">Image name (with tag) or id.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public async Task<DockerImageInfo?> InspectImageAsync(string image, CancellationToken cancellationToken = default)
    {
        var inspect = await FindAsync($"inspect image '{image}'", (engine, ct) => engine.Images.InspectImageAsync(image, ct), cancellationToken).ConfigureAwait(false);
        if (inspect is null)
        {
            return null;
        }
        var config = inspect.Config;
        return new DockerImageInfo(
            inspect.ID,
            [.. inspect.RepoTags ?? []],
            [.. inspect.RepoDigests ?? []],
            Copy(config?.Labels),
            [.. config?.Env ?? []],
            [.. config?.Cmd ?? []],
            [.. config?.Entrypoint ?? []],
            config?.User ?? "",
            config?.WorkingDir ?? "",
            [.. config?.ExposedPorts?.Keys ?? []],
            inspect.Size,
            inspect.Created is { } created ? Rfc3339(created) : null)
        {
            // Docker writes the zero time for an image that was never tagged.
            LastTagTime = inspect.Metadata?.LastTagTime is { Year: > 1 } tagged ? Utc(tagged) : null,
        };
    }

    /// <summary>Removes a local image (untags it, and deletes it when no other name refers to it).</summary>
    /// <param name="image">Image name or id.</param>
    /// <param name="force">Remove even when a stopped container uses it or it has several names.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>False when there was no such image.</returns>
    public Task<bool> RemoveImageAsync(string image, bool force = false, CancellationToken cancellationToken = default) =>
        RemoveAsync($"remove image '{image}'", (engine, ct) => engine.Images.DeleteImageAsync(image, new ImageDeleteParameters { Force = force }, ct), cancellationToken);

    /// <summary>
    /// Runs a push or pull, with the registry credentials Docker.DotNet sends as <c>X-Registry-Auth</c>; returns the
    /// pushed digest when the daemon reports one. The stream may be silent for at most
    /// <see cref="DockerOptions.StreamInactivityTimeout"/> between two progress lines.
    /// </summary>
    private async Task<string?> TransferAsync(
        ImageReference reference,
        RegistryCredentials? credentials,
        Action<string>? onProgress,
        string verb,
        Func<Engine.DockerClient, AuthConfig, IProgress<JSONMessage>, CancellationToken, Task> transfer,
        CancellationToken cancellationToken)
    {
        var operation = $"the {verb} of {reference}";
        // Always a config, empty when anonymous: dockerd 20.10 refuses a push without the header ("missing X-Registry-Auth").
        var server = reference.Registry == ImageReference.DockerHub ? "https://index.docker.io/v1/" : reference.Registry;
        var auth = credentials is null ? new AuthConfig() : new AuthConfig { Username = credentials.Username, Password = credentials.Password, ServerAddress = server };
        string? digest = null;
        string? error = null;
        var lastStatus = new Dictionary<string, string>(StringComparer.Ordinal);
        using var inactivity = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        inactivity.CancelAfter(_options.StreamInactivityTimeout);
        var progress = new SynchronousProgress<JSONMessage>(message =>
        {
            inactivity.CancelAfter(_options.StreamInactivityTimeout);
            if (message.Error?.Message is { Length: > 0 } failed)
            {
                error ??= failed;
                return;
            }
            if (message.Aux?.ExtensionData is { } aux && aux.TryGetValue("Digest", out var pushed) && pushed?.ToString() is { Length: > 0 } value)
            {
                digest = value;
            }
            if (message.Status is { } status && onProgress is not null)
            {
                if (message.ID is not { Length: > 0 } id)
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
        });
        Log.Request(_logger, "POST", verb == "push" ? $"/images/{reference}/push" : "/images/create");
        try
        {
            await transfer(_engine, auth, progress, inactivity.Token).ConfigureAwait(false);
        }
        catch (Engine.DockerApiException e)
        {
            throw TransferFailed(reference, verb, DaemonMessage(e.ResponseBody));
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new DockerConnectionLostException(Endpoint, operation, SilentFor(), e);
        }
        catch (Exception e) when (error is null && Translate(e, verb, operation, SilentFor(), cancellationToken) is { } translated)
        {
            throw translated;
        }
        catch (Exception) when (error is not null)
        {
            // The daemon said why in the stream before the library gave up on it.
        }
        if (error is not null)
        {
            throw TransferFailed(reference, verb, error);
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

    private static string Rfc3339(DateTime time) =>
        DateTime.SpecifyKind(time.ToUniversalTime(), DateTimeKind.Utc).ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);

    private static Dictionary<string, string> Copy(IDictionary<string, string>? values) =>
        values is null ? new Dictionary<string, string>(StringComparer.Ordinal) : new Dictionary<string, string>(values, StringComparer.Ordinal);
}
